"""The moves a learner can make, shared by the JSON API and the HTML pages."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal, get_args

from .engine import Diverged, StepOrderError, Stepper
from .limits import computation
from .messages import Phrase, Refusal
from .sessions import Session
from .settings import Settings

__all__ = ["ACTIONS", "MOVES", "ActionLimitError", "Diverged", "Move", "StepOrderError", "perform",
           "refusal"]


class ActionLimitError(Refusal):
    """A request over a configured limit; `field` names the culprit."""

    def __init__(self, code: str, field: str, **params: object):
        super().__init__(code, status=422, field=field, **params)


def refusal(err: StepOrderError | Diverged) -> Refusal:
    """The one map from the engine's errors to refusals: a move out of order is a 409, a step
    that is not finite a 422 that blames the learning rate."""
    if isinstance(err, StepOrderError):
        return Refusal(err.code, status=409, **err.params)
    trained = (Phrase("diverged_after", completed=err.completed) if err.completed
               else Phrase("diverged_at_once"))
    return Refusal("diverged", status=422, field="learning_rate", step=err.step_id,
                   iteration=err.iteration + 1, trained=trained)


# The moves of one step or pass, each a Stepper method of the same name; listed here only (the
# API's path parameter and the page's route take their names from it).
Move = Literal["next", "prev", "forward", "backward", "update", "iterate", "reset"]
MOVES: tuple[str, ...] = get_args(Move)
ACTIONS: dict[str, Callable[[Stepper], object]] = {name: getattr(Stepper, name) for name in MOVES}


def seek(stepper: Stepper, index: int) -> None:
    """Move within the current iteration to the point where `index` steps are done."""
    if not 0 <= index <= stepper.steps_per_iteration:
        raise ActionLimitError("index_out_of_range", "index", high=stepper.steps_per_iteration)
    while stepper.c > index:
        stepper.prev()
    while stepper.c < index:
        stepper.next()


def perform(session: Session, action: str, settings: Settings, **args: float) -> list[str]:
    """Run one move on a checked-out session. Raises a Refusal (a move out of order, a step
    that diverged, a request over a limit); the stepper is then left at its last consistent,
    finite state.

    Returns the passes the move ran first on the learner's behalf (Backward pass before the
    forward pass is done runs it: ["forward"]; Update may run ["forward", "backward"]), so that
    the page and the API can say so; [] for every other move."""
    if action == "train" and int(args["iterations"]) > settings.max_train_iterations:
        raise ActionLimitError("too_many_iterations", "iterations",
                               limit=settings.max_train_iterations)
    # Every move is charged to the client's CPU budget; the ones that can run long are refused
    # while it is spent (app/limits.py), and a run stops where the budget does.
    try:
        with computation(refuse_in_debt=action in COSTLY) as allowance:
            return _perform(session.stepper, action, settings, allowance, args)
    except (StepOrderError, Diverged) as err:
        raise refusal(err) from None


COSTLY = frozenset({"train", "goto", "iterate"})


def _perform(stepper: Stepper, action: str, settings: Settings, allowance: float,
             args: dict) -> list[str]:
    if action in ACTIONS:
        ran = ACTIONS[action](stepper)
        return ran if action in ("backward", "update") else []
    elif action == "train":
        deadline = time.monotonic() + min(settings.request_time_budget, allowance)
        stepper.train(int(args["iterations"]), lambda: time.monotonic() > deadline)
    elif action == "goto":
        stepper.goto(int(args["iteration"]))
    elif action == "seek":
        seek(stepper, int(args["index"]))
    elif action == "learning_rate":
        stepper.set_learning_rate(float(args["learning_rate"]))
    else:
        raise KeyError(action)
    return []
