"""The gradient check of a session's current iteration as a service: what it needs copied out of
the session (`Inputs`), the cost guard, and the report the JSON API answers and the page's
fragment shows (app/views/gradcheck.py). The maths is app/engine/gradcheck.py."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .engine import NetworkSpec, Stepper
from .engine.gradcheck import CHECK, OK, entry_verdicts, estimated_seconds, gradient_check
from .messages import Refusal

MAX_SECONDS = 2.0  # estimated seconds of finite differences one request may ask for


class GradcheckNotFinite(Refusal):
    """The loss or a gradient is inf or NaN at these parameters: nothing to compare (409)."""

    def __init__(self, loss: float):
        super().__init__("gradcheck.not_finite", status=409, loss=loss)


class GradcheckTooCostly(Refusal):
    """The check would take longer than MAX_SECONDS (estimated): the message says why (422,
    blaming the batch size)."""

    def __init__(self, entries: int, examples: int, seconds: float):
        super().__init__("gradcheck.too_costly", status=422, field="batch_size",
                         entries=entries, examples=examples, seconds=seconds,
                         limit=MAX_SECONDS)


@dataclass(frozen=True)
class Inputs:
    """What the check needs, copied out of a checked-out session so that it can run after the
    session is released (it reads nothing else)."""

    spec: NetworkSpec
    params: dict[str, np.ndarray]
    X: np.ndarray
    Y: np.ndarray
    iteration: int  # numbered from 1, as the API and the page number them
    step: int

    @classmethod
    def of(cls, stepper: Stepper) -> Inputs:
        """The current iteration: its parameters before the update and its batch."""
        return cls(stepper.spec, {k: np.array(v, dtype=float) for k, v in stepper.params.items()},
                   np.array(stepper.values["A0"], dtype=float),
                   np.array(stepper.values["Y"], dtype=float), stepper.t + 1, stepper.c)

    @property
    def entries(self) -> int:
        return sum(p.size for p in self.params.values())


def guard(inputs: Inputs) -> float:
    """The estimated time; GradcheckTooCostly beyond MAX_SECONDS."""
    m = inputs.X.shape[1]
    seconds = estimated_seconds(inputs.spec, m)
    if seconds > MAX_SECONDS:
        raise GradcheckTooCostly(inputs.entries, m, seconds)
    return seconds


def report(inputs: Inputs) -> dict:
    """Run the check (after guard()) and return it as plain data for the JSON API."""
    estimate = guard(inputs)
    start = time.perf_counter()
    with np.errstate(all="ignore"):  # an overflow is reported below, not warned about
        result = gradient_check(inputs.spec, inputs.params, inputs.X, inputs.Y)
    seconds = time.perf_counter() - start
    if not (np.isfinite(result["loss"]) and np.isfinite(result["relative_error"])
            and all(np.isfinite(g).all() for g in result["numeric"].values())):
        raise GradcheckNotFinite(float(result["loss"]))
    tolerance = result["resolution"]
    parameters = {}
    for key, g in result["backprop"].items():
        differences = result["differences"][key]
        errors = result["entry_errors"][key]
        parameters[key] = {
            "name": key,
            "shape": list(g.shape),
            "backprop": g,
            "numeric": result["numeric"][key],
            "entry_errors": errors,
            "differences": differences,
            "entry_verdicts": entry_verdicts(errors, differences, tolerance).tolist(),
            "relative_error": result["errors"][key],
            "max_entry_error": float(errors.max(initial=0.0)),
            "max_difference": float(differences.max(initial=0.0)),
            "verdict": result["verdicts"][key],
        }
    return {
        "iteration": inputs.iteration,
        "step": inputs.step,
        "examples": int(inputs.X.shape[1]),
        "entries": inputs.entries,
        "loss": result["loss"],
        "h": result["h"],
        "relative_error": result["relative_error"],
        "max_entry_error": result["max_entry_error"],
        "max_difference": max(p["max_difference"] for p in parameters.values()),
        "resolution": tolerance,
        "verdict": result["verdict"],
        "kink_entries": result["kink_entries"],
        "thresholds": {"ok": OK, "check": CHECK},
        "estimated_seconds": estimate,
        "seconds": seconds,
        "parameters": parameters,
    }
