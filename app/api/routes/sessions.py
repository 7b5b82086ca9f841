"""The JSON API: create a session, move through its steps, read its state."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, Response

from ...actions import ActionLimitError, Diverged, StepOrderError, perform
from ...schemas import GotoRequest, LearningRateRequest, SessionConfig, TrainRequest
from ...sessions import ConfigError, Session, session_state
from ..deps import SessionDep, SettingsDep, StoreDep

router = APIRouter(prefix="/api/sessions", tags=["sessions"])

ERRORS = {
    404: {"description": "No such session (unknown id, deleted or expired)"},
    409: {"description": "The move does not fit the current step (e.g. backward before forward)"},
    422: {"description": "Invalid input, or a step that diverged (inf/NaN): the message says "
                         "which"},
}


def _locked_state(session: Session) -> dict:
    # Under the session's lock: a concurrent move must not change the stepper mid-read.
    with session.lock:
        return session_state(session)


def _state(session: Session, status: int = 200) -> JSONResponse:
    return JSONResponse(_locked_state(session), status_code=status)


def _move(session: Session, settings, action: str, **args) -> JSONResponse:
    try:
        perform(session, action, settings, **args)
    except StepOrderError as err:
        raise HTTPException(409, str(err)) from None
    except ActionLimitError as err:
        raise HTTPException(422, f"{err}") from None
    except Diverged as err:
        return JSONResponse({"detail": str(err), "message": str(err), "error": "diverged",
                             "field": "learning_rate", "state": _locked_state(session)},
                            status_code=422)
    return _state(session)


@router.post("", status_code=201, responses=ERRORS)
def create_session(config: SessionConfig, store: StoreDep) -> JSONResponse:
    """Build a network from a config (every field has a default: `{}` gives XOR 2-2-1)."""
    try:
        session = store.create(config)
    except ConfigError as err:
        raise HTTPException(422, f"{err.field}: {err}") from None
    return _state(session, 201)


@router.get("/{session_id}", responses=ERRORS)
def get_state(session: SessionDep) -> JSONResponse:
    """The state: position, loss, the current batch, every layer's arrays, the steps done."""
    return _state(session)


@router.delete("/{session_id}", status_code=204, responses=ERRORS)
def delete_session(session_id: str, session: SessionDep, store: StoreDep) -> Response:
    store.delete(session_id)
    return Response(status_code=204)


@router.post("/{session_id}/train", responses=ERRORS, name="train")
def train(body: TrainRequest, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """Run whole iterations (bounded by the server's per-request limits)."""
    return _move(session, settings, "train", iterations=body.iterations)


@router.post("/{session_id}/goto", responses=ERRORS)
def goto(body: GotoRequest, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """Return to the state after an earlier iteration (its steps recomputed from history)."""
    return _move(session, settings, "goto", iteration=body.iteration)


@router.post("/{session_id}/learning-rate", responses=ERRORS)
def learning_rate(body: LearningRateRequest, session: SessionDep,
                  settings: SettingsDep) -> JSONResponse:
    """Change α from the next update on, without resetting the network."""
    return _move(session, settings, "learning_rate", learning_rate=body.learning_rate)


Move = Literal["next", "prev", "forward", "backward", "update", "iterate", "reset"]


@router.post("/{session_id}/{move}", responses=ERRORS)
def move(move: Move, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """One move: `next`/`prev` micro-step, `forward` (through the loss), `backward` (every
    gradient), `update`, `iterate` (one whole iteration) or `reset` (initial parameters)."""
    return _move(session, settings, move)
