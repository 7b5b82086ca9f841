"""The JSON API: create a session, move through its steps, read its state."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError

from ...actions import Move, perform
from ...messages import Invalid, Refusal
from ...presets import PRESETS
from ...schemas import (
    GotoRequest,
    LearningRateRequest,
    RefusalOut,
    SessionCreate,
    TrainRequest,
)
from ...sessions import Session, session_state, state_parts
from ...store import WouldBlock
from ...views.training import ran_first_text
from ..deps import CheckoutDep, SettingsDep, StoreDep, checked_out, missing
from ..inline import on_loop_if_free, too_long_for_the_loop
from ..json import FastJSONResponse

router = APIRouter(prefix="/api/sessions", tags=["sessions"])

ERRORS = {
    404: {"model": RefusalOut, "description": "No such session (unknown id, deleted or "
                                              "expired): `session_not_found`"},
    409: {"model": RefusalOut, "description": "The move does not fit the current step (e.g. "
                                              "backward before forward): `error` names the "
                                              "rule (e.g. `backward_already_done`)"},
    422: {"model": RefusalOut, "description": "Invalid input (`validation`, with `field` and "
                                              "`errors`), or a step that diverged "
                                              "(`diverged`, with the last finite `state`)"},
}


def _state(session: Session, status: int = 200, ran_first: list[str] | None = None
           ) -> FastJSONResponse:
    state = session_state(session)
    if ran_first is not None:  # a move's answer: the passes it ran first, said in English
        state["ran_first"] = ran_first
        state["notice"] = ran_first_text(ran_first, session.stepper, "en")
    return FastJSONResponse(state, status_code=status)


def _moved(session: Session, action: str, settings, args: dict) -> Response | Refusal:
    """The state after the move; or, for a move that diverged, its refusal carrying the last
    finite state (raised once the session, moved as far as that, is stored: see _move_state)."""
    state_parts(session)  # parts asked for over the size limit: refused before moving
    try:
        ran = perform(session, action, settings, **args)
    except Refusal as refusal:
        if refusal.code != "diverged":
            raise
        refusal.extra["state"] = session_state(session)
        return refusal
    return _state(session, ran_first=ran)


def _move_state(checkout, session_id: str, settings, action: str, wait: bool = True,
          **args) -> Response:
    with checkout(session_id, wait) as session:
        answer = None if too_long_for_the_loop(session, action, wait) else \
            _moved(session, action, settings, args)
    if answer is None:
        raise WouldBlock(session_id)  # left to the pool: see app/api/inline.py
    if isinstance(answer, Refusal):
        raise answer
    return answer


@router.post("", status_code=201, responses=ERRORS)
def create_session(body: SessionCreate, store: StoreDep) -> Response:
    """Build a network from a config (every field has a default: `{}` gives XOR 2-2-1), or
    from a preset: `{"preset": "ufldl"}`, with any other field overriding the preset's."""
    try:
        config = body.config(PRESETS)
    except ValidationError as err:  # a preset's fields with the body's: said as the body's
        raise Invalid([{**e, "loc": ("body", *e["loc"])} for e in err.errors()]) from None
    with checked_out(store, store.create(config).id) as held:
        return _state(held, 201)


@router.get("/{session_id}", responses=ERRORS)
def get_state(session_id: str, checkout: CheckoutDep) -> Response:
    """The state: position, loss, the current batch, every layer's arrays, the steps done.

    Numbering: `iteration` is the iteration in progress or being viewed, from 1 (the number
    the page shows); `completed` the iterations the history holds (updates applied);
    `updates` the updates the parameters shown have had (iteration − 1, or iteration once its
    update step is done); `earliest` the lowest iteration `goto` accepts."""
    with checkout(session_id) as session:
        return _state(session)


@router.delete("/{session_id}", status_code=204, responses=ERRORS)
def delete_session(session_id: str, store: StoreDep) -> Response:
    if not store.delete(session_id):
        raise missing(session_id)
    return Response(status_code=204)


@router.post("/{session_id}/train", responses=ERRORS, name="train")
def train(session_id: str, body: TrainRequest, checkout: CheckoutDep, settings: SettingsDep
          ) -> Response:
    """Run whole iterations (bounded by the server's per-request limits)."""
    return _move_state(checkout, session_id, settings, "train", iterations=body.iterations)


@router.post("/{session_id}/goto", responses=ERRORS)
def goto(session_id: str, body: GotoRequest, checkout: CheckoutDep, settings: SettingsDep
         ) -> Response:
    """Return to the state after an earlier iteration (its steps recomputed from history)."""
    return _move_state(checkout, session_id, settings, "goto", iteration=body.iteration)


@router.post("/{session_id}/learning-rate", responses=ERRORS)
def learning_rate(session_id: str, body: LearningRateRequest, checkout: CheckoutDep,
                  settings: SettingsDep) -> Response:
    """Change α from the next update on, without resetting the network. Viewing an earlier
    iteration (after `goto`), the later iterations of the history were trained with the old α:
    they are discarded, and the answer's `discarded` says how many (0: none)."""
    with checkout(session_id) as session:
        discarded = session.stepper.learning_rate_drops(body.learning_rate)
        perform(session, "learning_rate", settings, learning_rate=body.learning_rate)
        state = session_state(session)
        state["discarded"] = discarded
        return FastJSONResponse(state)


@router.post("/{session_id}/{move}", responses=ERRORS)
async def move(session_id: str, move: Move, checkout: CheckoutDep, settings: SettingsDep
               ) -> Response:
    """One move: `next`/`prev` micro-step, `forward` (through the loss), `backward` (every
    gradient), `update`, `iterate` (one whole iteration) or `reset` (initial parameters).

    `backward` before the forward pass is done runs it first, and `update` runs whatever of
    both passes is missing (after an update: the next iteration's), as the page does; the
    answer's `ran_first` names those passes (`[]`: none) and `notice` says it in a sentence.
    Asking for a pass already done (forward twice, backward twice) is a 409."""
    return await on_loop_if_free(checkout.store, lambda wait: _move_state(
        checkout, session_id, settings, move, wait))
