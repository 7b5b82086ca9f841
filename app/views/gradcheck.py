"""The gradient check of a session's current iteration: the cost guard, the JSON report and the
view-model of the page fragment (_gradcheck.html)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..engine import NetworkSpec, Stepper
from ..engine.gradcheck import CHECK, OK, entry_verdicts, estimated_seconds, gradient_check
from ..messages import Refusal
from .fmt import num

MAX_SECONDS = 2.0  # estimated seconds of finite differences one request may ask for
GRID = 16  # entries shown per side in the per-entry grid of the page
GLYPHS = {"ok": "✓", "check": "!", "wrong": "✗"}


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


def sci(value: float) -> str:
    """Scientific notation with a real minus sign: 1.4e−10, 1e−7; 0 stays 0."""
    if value == 0 or not math.isfinite(value):
        return num(value)
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.removesuffix('.0')}e{int(exponent)}".replace("-", "−")


def _shape(shape) -> str:
    return "×".join(str(d) for d in shape)


def view(rep: dict, t) -> dict:
    """Context of _gradcheck.html: the summary, one table row per parameter, and per parameter
    a grid of its entries (at most GRID × GRID shown), every colour with its text or glyph."""
    verdict_text = {v: t(f"gc_{v}") for v in GLYPHS}
    rows, grids = [], []
    for key, p in rep["parameters"].items():
        rows.append({
            "name": key,
            "shape": _shape(p["shape"]),
            "error": sci(p["relative_error"]),
            "error_exact": p["relative_error"],
            "max_entry": sci(p["max_entry_error"]),
            "verdict": p["verdict"],
            "verdict_text": verdict_text[p["verdict"]],
            "glyph": GLYPHS[p["verdict"]],
        })
        n_rows, n_cols = p["shape"]
        shown_r, shown_c = min(n_rows, GRID), min(n_cols, GRID)
        cells = []
        for i in range(shown_r):
            line = []
            for j in range(shown_c):
                verdict = p["entry_verdicts"][i][j]
                line.append({
                    "verdict": verdict,
                    "glyph": GLYPHS[verdict],
                    "title": t("gc_cell", name=key, i=i + 1, j=j + 1,
                               g=num(float(p["backprop"][i, j])),
                               n=num(float(p["numeric"][i, j])),
                               e=sci(float(p["entry_errors"][i, j])),
                               v=verdict_text[verdict]),
                })
            cells.append(line)
        note = None
        if (shown_r, shown_c) != (n_rows, n_cols):
            note = t("gc_shown", shown=_shape((shown_r, shown_c)),
                     total=_shape((n_rows, n_cols)))
        grids.append({"name": key, "shape": _shape(p["shape"]), "rows": cells, "note": note})
    return {
        "verdict": rep["verdict"],
        "verdict_text": verdict_text[rep["verdict"]],
        "glyph": GLYPHS[rep["verdict"]],
        "error": sci(rep["relative_error"]),
        "error_exact": rep["relative_error"],
        "max_entry": sci(rep["max_entry_error"]),
        "meta": t("gc_meta", iteration=rep["iteration"], m=rep["examples"],
                  n=f"{rep['entries']:,}", h=sci(rep["h"]), J=num(rep["loss"]),
                  s=f"{rep['seconds']:.2f}"),
        "legend": t("gc_legend", ok=sci(OK), check=sci(CHECK)),
        "resolution": t("gc_resolution", r=sci(rep["resolution"])),
        "rows": rows,
        "grids": grids,
    }
