"""What the training charts show, per iteration, as JSON (for a notebook to plot)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ...schemas import RefusalOut
from ..deps import CheckoutDep
from ..json import FastJSONResponse

router = APIRouter(tags=["sessions"])


@router.get("/api/sessions/{session_id}/history", responses={
    404: {"model": RefusalOut, "description": "No such session (unknown id, deleted or expired)"},
    422: {"model": RefusalOut, "description": "Invalid input"}})
def history(session_id: str, checkout: CheckoutDep) -> Response:
    """One entry per completed iteration, in order (`iteration` 1 is the first): its loss J
    and the learning rate α its update used, ‖dW[l]‖ per layer (`grad_norms`), and where the
    session has them, accuracy, test loss and test accuracy (parameters before the update).
    `pinned`: the run pinned beside this one (POST /api/sessions/{id}/pinned), or null: its
    `config`, α `schedule`, `completed` and the same curves, one value per iteration."""
    with checkout(session_id) as session:
        s = session.stepper
        body = {"completed": s.completed,
                "iteration": list(range(1, s.completed + 1)),
                "loss": list(s.losses),
                "learning_rate": [s.lr_at(t) for t in range(s.completed)],
                **{name: list(series) for name, series in s.metrics.items()},
                "pinned": session.pinned.document if session.pinned else None}
    return FastJSONResponse(body)
