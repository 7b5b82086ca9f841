"""Gradient checking: backprop's dW, db against central finite differences of the loss J.

Shapes follow the engine (one example per column): X is (n[0], m), Y is (n[L], m), W[l] is
(n[l], n[l-1]) and b[l] is (n[l], 1), keyed `W1`, `b1`, … `WL`, `bL` as in the stepper.

J is the engine's own loss, weight decay included: the forward steps and the loss step of the
plan are run on a copy of the parameters, with one entry moved by ±h. The numeric gradient of
entry θ is (J(θ + h) − J(θ − h)) / 2h; backprop's gradient comes from running the plan through
its last backward step. Both are of the same batch: pass the batch the stepper is on.

Cost: two forward passes per parameter entry, so keep it to small networks (the API's limits
allow ~ 6·32·32 + 64·32 ≈ 8k entries, about 16k forward passes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .steps import NetworkSpec, StepSpec, Values, build_plan

Params = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class _Plan:
    forward: list[StepSpec]  # Z1 .. AL, J
    backward: list[StepSpec]  # dZL (or dAL, dZL) .. db1

    @classmethod
    def of(cls, spec: NetworkSpec) -> _Plan:
        plan = build_plan(spec)
        loss = next(i for i, step in enumerate(plan) if step.kind == "loss")
        return cls(plan[: loss + 1], plan[loss + 1 : -1])  # the update step is not needed


def _values(spec: NetworkSpec, params: Params, X: np.ndarray, Y: np.ndarray) -> Values:
    values: Values = {}
    for l in range(1, spec.depth + 1):
        w = np.array(params[f"W{l}"], dtype=float)
        b = np.array(params[f"b{l}"], dtype=float).reshape(-1, 1)
        if w.shape != (spec.layers[l], spec.layers[l - 1]) or b.shape != (spec.layers[l], 1):
            raise ValueError(f"W{l} must be {spec.layers[l]}×{spec.layers[l - 1]} and b{l} "
                             f"{spec.layers[l]}×1, got {w.shape} and {b.shape}")
        values[f"W{l}"], values[f"b{l}"] = w, b
    values["A0"], values["Y"] = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    return values


def _run(steps: list[StepSpec], values: Values) -> None:
    with np.errstate(all="ignore"):
        for step in steps:
            step.run(values, 0.0)


def loss(spec: NetworkSpec, params: Params, X: np.ndarray, Y: np.ndarray) -> float:
    """J of the batch (X, Y) at `params`, weight decay included."""
    values = _values(spec, params, X, Y)
    _run(_Plan.of(spec).forward, values)
    return float(values["J"])


def backprop_gradients(spec: NetworkSpec, params: Params, X: np.ndarray,
                       Y: np.ndarray) -> dict[str, np.ndarray]:
    """dW[l] (n[l], n[l-1]) and db[l] (n[l], 1) from the plan's backward steps, keyed `W1`, `b1`…"""
    values = _values(spec, params, X, Y)
    plan = _Plan.of(spec)
    _run(plan.forward + plan.backward, values)
    return {key: values["d" + key] for key in _param_keys(spec)}


def numeric_gradients(spec: NetworkSpec, params: Params, X: np.ndarray, Y: np.ndarray,
                      h: float = 1e-5) -> dict[str, np.ndarray]:
    """Central differences (J(θ+h) − J(θ−h)) / 2h for every entry, keyed and shaped like params."""
    values = _values(spec, params, X, Y)
    forward = _Plan.of(spec).forward
    base = {key: values[key] for key in _param_keys(spec)}

    def j() -> float:
        trial = dict(values)  # the steps only add keys: the parameter arrays are shared
        _run(forward, trial)
        return float(trial["J"])

    grads = {}
    for key, theta in base.items():
        grad = np.zeros_like(theta)
        for index in np.ndindex(theta.shape):
            saved = theta[index]
            theta[index] = saved + h
            j_plus = j()
            theta[index] = saved - h
            j_minus = j()
            theta[index] = saved
            grad[index] = (j_plus - j_minus) / (2.0 * h)
        grads[key] = grad
    return grads


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), and 0 when both are zero."""
    denominator = float(np.linalg.norm(a) + np.linalg.norm(b))
    return 0.0 if denominator == 0.0 else float(np.linalg.norm(a - b)) / denominator


def gradient_check(spec: NetworkSpec, params: Params, X: np.ndarray, Y: np.ndarray,
                   h: float = 1e-5) -> dict:
    """Compare backprop's gradients with central differences of J on the batch (X, Y).

    params: `W1`..`WL` of shape (n[l], n[l-1]) and `b1`..`bL` of shape (n[l], 1) (or (n[l],)).
    X: (n[0], m); Y: (n[L], m).

    Returns a dict of plain NumPy data:
      backprop:        {key: array shaped like params[key]}: dW, db from the backward steps
      numeric:         {key: array shaped like params[key]}: (J(θ+h) − J(θ−h)) / 2h per entry
      entry_errors:    {key: array}: |g − n| / (|g| + |n|) per entry (0 where both are 0)
      errors:          {key: float}: ‖g − n‖ / (‖g‖ + ‖n‖) per parameter
      relative_error:  float: the same over all parameters together
      max_entry_error: float: the largest entry error
      loss:            float: J at params
      h:               float: the step used

    Backprop is right when relative_error is ~1e-7 or smaller; kinks (relu at z = 0) within h
    of an entry, or a large h, make it bigger.
    """
    backprop = backprop_gradients(spec, params, X, Y)
    numeric = numeric_gradients(spec, params, X, Y, h)
    entry_errors, errors = {}, {}
    for key, g in backprop.items():
        n = numeric[key]
        scale = np.abs(g) + np.abs(n)
        entry_errors[key] = np.divide(np.abs(g - n), scale, out=np.zeros_like(scale),
                                      where=scale > 0)
        errors[key] = relative_error(g, n)
    flat_g = np.concatenate([g.ravel() for g in backprop.values()])
    flat_n = np.concatenate([n.ravel() for n in numeric.values()])
    return {
        "backprop": backprop,
        "numeric": numeric,
        "entry_errors": entry_errors,
        "errors": errors,
        "relative_error": relative_error(flat_g, flat_n),
        "max_entry_error": max(float(e.max(initial=0.0)) for e in entry_errors.values()),
        "loss": loss(spec, params, X, Y),
        "h": h,
    }


def check_stepper(stepper, h: float = 1e-5) -> dict:
    """gradient_check at the stepper's current iteration: its parameters before this iteration's
    update and the batch this iteration uses (what its backward steps differentiate)."""
    return gradient_check(stepper.spec, stepper.params, stepper.values["A0"],
                          stepper.values["Y"], h)


def _param_keys(spec: NetworkSpec) -> list[str]:
    return [f"{p}{l}" for l in range(1, spec.depth + 1) for p in ("W", "b")]
