"""A pinned run beside a session's own (app/pinned.py): pin one, unpin it. Its curves are in
GET /api/sessions/{id}/history under "pinned"."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ...messages import Refusal
from ...pinned import pin
from ...schemas import RefusalOut
from ..deps import CheckoutDep, SettingsDep, missing
from ..json import FastJSONResponse

router = APIRouter(tags=["sessions"])


class PinRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"session": None}]})

    session: str | None = Field(None, max_length=64, description="the session whose run to pin "
                                "(its setup, α schedule and curves as they are now); null: this "
                                "session's own run, to go on from it and compare")


OWN_RUN = PinRequest()  # no body: pin this session's own run
ERRORS = {404: {"model": RefusalOut, "description": "No such session (unknown id, deleted or "
                "expired)"},
          422: {"model": RefusalOut, "description": "A run longer than can be pinned, or an "
                "invalid body"}}


@router.post("/api/sessions/{session_id}/pinned", status_code=201, responses=ERRORS)
def pin_run(session_id: str, checkout: CheckoutDep, settings: SettingsDep,
            body: PinRequest = OWN_RUN) -> Response:
    """Pin a run beside this session's: its setup (`config`), α `schedule` ([first iteration
    (0-based), α] pairs) and, per completed iteration, `loss` and where recorded `accuracy`,
    `test_loss`, `test_accuracy`. Replaces any pinned run. Answers with what was pinned."""
    source = body.session or session_id
    with checkout.store.checkout(source) as held:
        if held is None:
            if source == session_id:
                raise missing(session_id)
            raise Refusal("pin_source_not_found", status=404, field="session", id=source)
        pinned = pin(held.config, held.stepper, settings.max_train_iterations)
    with checkout(session_id) as session:
        session.pinned = pinned
    return FastJSONResponse(pinned.document, status_code=201)


@router.delete("/api/sessions/{session_id}/pinned", status_code=204, responses=ERRORS)
def unpin_run(session_id: str, checkout: CheckoutDep) -> Response:
    """Drop the pinned run (nothing to do if there is none)."""
    with checkout(session_id) as session:
        session.pinned = None
    return Response(status_code=204)
