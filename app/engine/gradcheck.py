"""Gradient checking: backprop's dW, db against central finite differences of the loss J.

Shapes follow the engine (one example per column): X is (n[0], m), Y is (n[L], m), W[l] is
(n[l], n[l-1]) and b[l] is (n[l], 1), keyed `W1`, `b1`, … `WL`, `bL` as in the stepper.

J is the engine's own loss, weight decay included: the forward steps and the loss step of the
plan are run on a copy of the parameters, with one entry moved by ±h. The numeric gradient of
entry θ is (J(θ + h) − J(θ − h)) / 2h; backprop's gradient comes from running the plan through
its last backward step. Both are of the same batch: pass the batch the stepper is on.

Cost: two forward passes per parameter entry, so keep it to small networks (the API's limits
allow ~ 6·32·32 + 64·32 ≈ 8k entries, about 16k forward passes). estimated_seconds() predicts
the time from the layer sizes and the batch size, so a caller can refuse before starting.

Verdicts: a relative error below 1e-7 is "ok", below 1e-4 "check", else "wrong" — except that a
difference no larger than the resolution of the central difference (its rounding error
~ε·|J|/h plus its truncation error ~h²) is "ok" whatever its relative size: where backprop's
gradient is exactly 0 (zero initialisation, a dead relu) the numeric one is a few 1e-12 of
rounding noise, and their relative error is 1 although both are right.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .steps import NetworkSpec, StepSpec, Values, build_plan

Params = Mapping[str, np.ndarray]

H = 1e-5  # the step of the central difference
OK, CHECK = 1e-7, 1e-4  # relative error: below OK is "ok", below CHECK is "check", else "wrong"
VERDICTS = ("ok", "check", "wrong")  # from best to worst

# Cost model of numeric_gradients, fitted to timings on a 2-core x86 machine (OpenBLAS with one
# thread, 15 networks from 2-2-1 to 64-32×6-16, 1 to 2000 examples; within 2× of each):
# seconds per forward step run (Python and NumPy call overhead), per multiply-add of W·A and
# per element of an activation or loss (exp, tanh, log dominate).
SECONDS_PER_STEP, SECONDS_PER_MULTIPLY_ADD, SECONDS_PER_ELEMENT = 7.5e-6, 5e-11, 9e-9


@dataclass(frozen=True)
class _Plan:
    forward: list[StepSpec]  # Z1 .. AL, J
    backward: list[StepSpec]  # dZL (or dAL, dZL) .. db1

    @classmethod
    def of(cls, spec: NetworkSpec) -> _Plan:
        # The batch plan in the notes' order: per-example mode and the UFLDL order compute the
        # same J and gradients, and the batch plan's forward steps come first, two per layer.
        plan = build_plan(dataclasses.replace(spec, gradient_mode="batch",
                                              backward_order="by_layer"))
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
                      h: float = H) -> dict[str, np.ndarray]:
    """Central differences (J(θ+h) − J(θ−h)) / 2h for every entry, keyed and shaped like params.

    Moving an entry of W[l] or b[l] leaves Z[1] … A[l-1] unchanged, so those are computed once
    per layer and only the steps from Z[l] on are rerun: the same operations on the same
    numbers as a full forward pass, so the same result to the last bit, in fewer steps."""
    values = _values(spec, params, X, Y)
    forward = _Plan.of(spec).forward
    grads = {}
    for l in range(1, spec.depth + 1):
        first = 2 * (l - 1)  # index of step Z[l]: two forward steps (Z, A) per earlier layer
        prefix = dict(values)
        _run(forward[:first], prefix)
        rest = forward[first:]

        def j(prefix: Values = prefix, rest: list[StepSpec] = rest) -> float:
            trial = dict(prefix)  # the steps only add keys: the parameter arrays are shared
            _run(rest, trial)
            return float(trial["J"])

        for key in (f"W{l}", f"b{l}"):
            theta = values[key]
            grad = np.zeros_like(theta)
            kinked = _near_kink(spec, key, theta, h)
            for index in np.ndindex(theta.shape):
                saved = theta[index]
                # |w| of the L1 penalty has its kink at 0: keep θ ± step on one side of it
                step = abs(saved) / 2 if kinked[index] else h
                theta[index] = saved + step
                j_plus = j()
                theta[index] = saved - step
                j_minus = j()
                theta[index] = saved
                grad[index] = (j_plus - j_minus) / (2.0 * step)
            grads[key] = grad
    return grads


def _near_kink(spec: NetworkSpec, key: str, theta: np.ndarray, h: float) -> np.ndarray:
    """Entries of W whose ±h would cross the kink of the L1 penalty λ|w| at w = 0 (w = 0 itself
    is fine: both sides give λh, the difference 0 is the subgradient backprop uses)."""
    if spec.regularization != "l1" or not spec.weight_decay or not key.startswith("W"):
        return np.zeros(theta.shape, dtype=bool)
    return (np.abs(theta) < h) & (theta != 0)


def kink_entries(spec: NetworkSpec, params: Params, h: float = H) -> int:
    """How many entries the central difference took with a smaller step (see _near_kink)."""
    return sum(int(_near_kink(spec, key, np.asarray(params[key]), h).sum())
               for key in _param_keys(spec))


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), and 0 when both are zero."""
    denominator = float(np.linalg.norm(a) + np.linalg.norm(b))
    return 0.0 if denominator == 0.0 else float(np.linalg.norm(a - b)) / denominator


def gradient_check(spec: NetworkSpec, params: Params, X: np.ndarray, Y: np.ndarray,
                   h: float = H) -> dict:
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
      differences:     {key: array}: |g − n| per entry
      resolution:      float: differences up to this are finite-difference noise (resolution())
      verdicts:        {key: "ok" | "check" | "wrong"}: per parameter (verdict())
      verdict:         the worst of the parameters' verdicts and that of relative_error

      kink_entries:    int: entries of W within h of the L1 penalty's kink at 0, whose
                       difference used the step |w|/2 instead, so as not to straddle it

    Backprop is right when relative_error is ~1e-7 or smaller; kinks (relu at z = 0) within h
    of an entry, or a large h, make it bigger.
    """
    backprop = backprop_gradients(spec, params, X, Y)
    numeric = numeric_gradients(spec, params, X, Y, h)
    entry_errors, errors, differences = {}, {}, {}
    for key, g in backprop.items():
        n = numeric[key]
        scale = np.abs(g) + np.abs(n)
        differences[key] = np.abs(g - n)
        entry_errors[key] = np.divide(differences[key], scale, out=np.zeros_like(scale),
                                      where=scale > 0)
        errors[key] = relative_error(g, n)
    flat_g = np.concatenate([g.ravel() for g in backprop.values()])
    flat_n = np.concatenate([n.ravel() for n in numeric.values()])
    j = loss(spec, params, X, Y)
    tol = resolution(j, h)
    verdicts = {key: verdict(errors[key], float(d.max(initial=0.0)), tol)
                for key, d in differences.items()}
    overall = relative_error(flat_g, flat_n)
    largest = max(float(d.max(initial=0.0)) for d in differences.values())
    return {
        "backprop": backprop,
        "numeric": numeric,
        "entry_errors": entry_errors,
        "errors": errors,
        "relative_error": overall,
        "max_entry_error": max(float(e.max(initial=0.0)) for e in entry_errors.values()),
        "loss": j,
        "h": h,
        "differences": differences,
        "resolution": tol,
        "verdicts": verdicts,
        "verdict": worst([verdict(overall, largest, tol), *verdicts.values()]),
        "kink_entries": kink_entries(spec, params, h),
    }


def resolution(j: float, h: float = H) -> float:
    """The smallest |g − n| the central difference can resolve at loss J: its rounding error
    ~ε·|J|/h (J is known to a few ε·|J|, then divided by 2h) plus its truncation error ~h²,
    with a safety factor of 50 on the rounding (measured: at most ~3e-10 on the presets)."""
    return 50.0 * float(np.finfo(float).eps) * max(1.0, abs(j)) / h + h * h


def verdict(error: float, difference: float, tolerance: float) -> str:
    """"ok" if the relative error is below 1e-7 or the absolute difference within the
    resolution of the finite differences; "check" below 1e-4; "wrong" otherwise."""
    if error < OK or difference <= tolerance:
        return "ok"
    return "check" if error < CHECK else "wrong"


def entry_verdicts(entry_errors: np.ndarray, differences: np.ndarray,
                   tolerance: float) -> np.ndarray:
    """verdict() of every entry at once: an array of "ok" / "check" / "wrong"."""
    ok = (entry_errors < OK) | (differences <= tolerance)
    return np.where(ok, "ok", np.where(entry_errors < CHECK, "check", "wrong"))


def worst(verdicts) -> str:
    return max(verdicts, key=VERDICTS.index, default="ok")


def estimated_seconds(spec: NetworkSpec, m: int) -> float:
    """Predicted time of numeric_gradients on a batch of m examples (see the cost constants).

    An entry of W[l] or b[l] costs two runs of the forward steps from Z[l] to J: 2(L − l) + 3
    steps, m·n[k]·n[k-1] multiply-adds and m·n[k] activation elements per layer k ≥ l."""
    n, L = spec.layers, spec.depth
    total = 0.0
    for l in range(1, L + 1):
        entries = n[l] * (n[l - 1] + 1)
        steps = 2 * (L - l) + 3
        multiply_adds = m * sum(n[k] * n[k - 1] for k in range(l, L + 1))
        elements = m * sum(n[k] for k in range(l, L + 1))
        total += 2 * entries * (steps * SECONDS_PER_STEP
                                + multiply_adds * SECONDS_PER_MULTIPLY_ADD
                                + elements * SECONDS_PER_ELEMENT)
    return total


def check_stepper(stepper, h: float = H) -> dict:
    """gradient_check at the stepper's current iteration: its parameters before this iteration's
    update and the batch this iteration uses (what its backward steps differentiate)."""
    return gradient_check(stepper.spec, stepper.params, stepper.values["A0"],
                          stepper.values["Y"], h)


def _param_keys(spec: NetworkSpec) -> list[str]:
    return [f"{p}{l}" for l in range(1, spec.depth + 1) for p in ("W", "b")]
