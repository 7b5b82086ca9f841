"""The JSON API: create a session, move through its steps, read its state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from fastapi import APIRouter, HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from ...actions import ActionLimitError, Diverged, StepOrderError, perform
from ...presets import PRESETS
from ...schemas import GotoRequest, LearningRateRequest, SessionCreate, TrainRequest
from ...sessions import ConfigError, Session, session_state
from ...store import WouldBlock
from ..deps import SettingsDep, StoreDep
from ..inline import on_loop_if_free, too_long_for_the_loop
from ..json import FastJSONResponse

router = APIRouter(prefix="/api/sessions", tags=["sessions"])

ERRORS = {
    404: {"description": "No such session (unknown id, deleted or expired)"},
    409: {"description": "The move does not fit the current step (e.g. backward before forward)"},
    422: {"description": "Invalid input, or a step that diverged (inf/NaN): the message says "
                         "which"},
}


def _state(session: Session, status: int = 200) -> FastJSONResponse:
    return FastJSONResponse(session_state(session), status_code=status)


@contextmanager
def _checked_out(store, session_id: str, wait: bool = True) -> Iterator[Session]:
    """The session held for this request; a 404 if there is no such id."""
    with store.checkout(session_id, wait) as session:
        if session is None:
            raise HTTPException(404, f"no session {session_id!r}: it may have expired")
        yield session


def _move(store, session_id: str, settings, action: str, wait: bool = True,
          **args) -> Response:
    with _checked_out(store, session_id, wait) as session:
        if not too_long_for_the_loop(session, action, wait):
            try:
                perform(session, action, settings, **args)
            except StepOrderError as err:
                raise HTTPException(409, str(err)) from None
            except ActionLimitError as err:
                raise HTTPException(422, f"{err}") from None
            except Diverged as err:
                return FastJSONResponse({"detail": str(err), "message": str(err),
                                         "error": "diverged", "field": "learning_rate",
                                         "state": session_state(session)}, status_code=422)
            return _state(session)
    raise WouldBlock(session_id)  # left to the pool: see app/api/inline.py


@router.post("", status_code=201, responses=ERRORS)
def create_session(body: SessionCreate, store: StoreDep) -> Response:
    """Build a network from a config (every field has a default: `{}` gives XOR 2-2-1), or
    from a preset: `{"preset": "ufldl"}`, with any other field overriding the preset's."""
    try:
        config = body.config(PRESETS)
    except ValidationError as err:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in err.errors()]
                                     ) from None
    try:
        session = store.create(config)
    except ConfigError as err:
        raise HTTPException(422, f"{err.field}: {err}") from None
    with _checked_out(store, session.id) as held:
        return _state(held, 201)


@router.get("/{session_id}", responses=ERRORS)
def get_state(session_id: str, store: StoreDep) -> Response:
    """The state: position, loss, the current batch, every layer's arrays, the steps done."""
    with _checked_out(store, session_id) as session:
        return _state(session)


@router.delete("/{session_id}", status_code=204, responses=ERRORS)
def delete_session(session_id: str, store: StoreDep) -> Response:
    if not store.delete(session_id):
        raise HTTPException(404, f"no session {session_id!r}: it may have expired")
    return Response(status_code=204)


@router.post("/{session_id}/train", responses=ERRORS, name="train")
def train(session_id: str, body: TrainRequest, store: StoreDep, settings: SettingsDep
          ) -> Response:
    """Run whole iterations (bounded by the server's per-request limits)."""
    return _move(store, session_id, settings, "train", iterations=body.iterations)


@router.post("/{session_id}/goto", responses=ERRORS)
def goto(session_id: str, body: GotoRequest, store: StoreDep, settings: SettingsDep
         ) -> Response:
    """Return to the state after an earlier iteration (its steps recomputed from history)."""
    return _move(store, session_id, settings, "goto", iteration=body.iteration)


@router.post("/{session_id}/learning-rate", responses=ERRORS)
def learning_rate(session_id: str, body: LearningRateRequest, store: StoreDep,
                  settings: SettingsDep) -> Response:
    """Change α from the next update on, without resetting the network."""
    return _move(store, session_id, settings, "learning_rate",
                 learning_rate=body.learning_rate)


Move = Literal["next", "prev", "forward", "backward", "update", "iterate", "reset"]


@router.post("/{session_id}/{move}", responses=ERRORS)
async def move(session_id: str, move: Move, store: StoreDep, settings: SettingsDep
               ) -> Response:
    """One move: `next`/`prev` micro-step, `forward` (through the loss), `backward` (every
    gradient), `update`, `iterate` (one whole iteration) or `reset` (initial parameters)."""
    return await on_loop_if_free(store, lambda wait: _move(store, session_id, settings, move,
                                                            wait))
