"""The moves a learner can make, shared by the JSON API and the HTML pages."""

from __future__ import annotations

import time
from collections.abc import Callable

from .engine import Diverged, StepOrderError, Stepper
from .sessions import Session
from .settings import Settings

__all__ = ["ACTIONS", "ActionLimitError", "Diverged", "StepOrderError", "perform"]


class ActionLimitError(ValueError):
    """A request over a configured limit; `field` names the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


ACTIONS: dict[str, Callable[[Stepper], object]] = {
    "next": Stepper.next,
    "prev": Stepper.prev,
    "forward": Stepper.forward,
    "backward": Stepper.backward,
    "update": Stepper.update,
    "iterate": Stepper.iterate,
    "reset": Stepper.reset,
}


def seek(stepper: Stepper, index: int) -> None:
    """Move within the current iteration to the point where `index` steps are done."""
    if not 0 <= index <= stepper.steps_per_iteration:
        raise ActionLimitError("index", f"index: between 0 and {stepper.steps_per_iteration}")
    while stepper.c > index:
        stepper.prev()
    while stepper.c < index:
        stepper.next()


def perform(session: Session, action: str, settings: Settings, **args: float) -> list[str]:
    """Run one move on a checked-out session. Raises StepOrderError, Diverged or
    ActionLimitError; on any error the stepper is left at its last consistent, finite state.

    Returns the passes the move ran first on the learner's behalf (Backward pass before the
    forward pass is done runs it: ["forward"]; Update may run ["forward", "backward"]), so that
    the page and the API can say so; [] for every other move.
    """
    stepper = session.stepper
    if action in ACTIONS:
        ran = ACTIONS[action](stepper)
        return ran if action in ("backward", "update") else []
    elif action == "train":
        iterations = int(args["iterations"])
        if iterations > settings.max_train_iterations:
            raise ActionLimitError("iterations", "iterations: at most "
                                   f"{settings.max_train_iterations} per request")
        deadline = time.monotonic() + settings.request_time_budget
        stepper.train(iterations, lambda: time.monotonic() > deadline)
    elif action == "goto":
        stepper.goto(int(args["iteration"]))
    elif action == "seek":
        seek(stepper, int(args["index"]))
    elif action == "learning_rate":
        stepper.set_learning_rate(float(args["learning_rate"]))
    else:
        raise KeyError(action)
    return []
