"""The current step as plain values: its formula with every operand's shape, its numbers, why."""

from __future__ import annotations

import re

import numpy as np

from ..engine import Stepper, symbol
from .explain import explain
from .fmt import num, shape
from .network import ViewSettings
from .palette import Scale

MAX_ROWS, MAX_COLS = 16, 10
EXAMPLE_AXIS = re.compile(r"^(A|Z|dA|dZ|Y)\d*$")  # these have one column per example


def _transposed_symbol(sym: str) -> str:
    return r"X^\top" if sym == "X" else sym[:-1] + r"\top}"


def annotate(formula: str, shapes: dict[str, tuple[int, ...]]) -> str:
    """Put each operand's shape under it: W^{[1]} -> \\underbrace{W^{[1]}}_{3\\times 2}."""
    table: dict[str, str] = {}
    for sym, dims in shapes.items():
        if len(dims) != 2:
            continue
        table[sym] = rf"{dims[0]}\times {dims[1]}"
        table[_transposed_symbol(sym)] = rf"{dims[1]}\times {dims[0]}"
    if not table:
        return formula
    alternatives = "|".join(re.escape(s) for s in sorted(table, key=len, reverse=True))
    pattern = re.compile(rf"(?<![A-Za-z\\])(?:{alternatives})")
    return pattern.sub(lambda mt: rf"\underbrace{{{mt.group(0)}}}_{{{table[mt.group(0)]}}}",
                       formula)


def pick(n: int, cap: int, keep: int | None = None) -> list[int | None]:
    """Indices to show out of n, at most `cap`, always with `keep` and the last; None is a gap."""
    if n <= cap:
        return list(range(n))
    chosen = set(range(cap - 2)) | {n - 1}
    if keep is not None and keep not in chosen:
        chosen = set(range(cap - 3)) | {keep, n - 1}
    out: list[int | None] = []
    for i in sorted(chosen):
        if out and out[-1] is not None and i != out[-1] + 1:
            out.append(None)
        out.append(i)
    return out


def matrix_view(key: str, arr: np.ndarray, view: ViewSettings, t) -> dict:
    """A small table of the value: 4 significant digits, coloured like the drawing."""
    a = np.atleast_2d(np.asarray(arr, dtype=float))
    per_example = bool(EXAMPLE_AXIS.match(key.removeprefix("new_")))
    if view.rows and a.ndim == 2:
        a = a.T
    n_rows, n_cols = a.shape
    ex = view.example
    rows = pick(n_rows, MAX_ROWS, ex if per_example and view.rows else None)
    cols = pick(n_cols, MAX_COLS, ex if per_example and not view.rows else None)
    scale = Scale.for_values(a.ravel(), view.log_scale)
    body = []
    for r in rows:
        if r is None:
            body.append(None)
            continue
        cells = []
        for c in cols:
            if c is None:
                cells.append(None)
                continue
            val = float(a[r, c])
            selected = per_example and (r if view.rows else c) == ex
            cells.append({"text": num(val), "bg": scale.color(val), "fg": scale.text_color(val),
                          "exact": repr(val), "selected": selected})
        body.append(cells)
    dims = tuple(np.shape(arr))
    shown_dims = tuple(reversed(dims)) if view.rows else dims
    shown_cols = sum(c is not None for c in cols)
    note = t("columns_shown", shown=shown_cols, total=n_cols) if shown_cols < n_cols else ""
    return {
        "key": key,
        "tex": symbol(key) + (r"_{\text{new}}" if key.startswith("new_") else ""),
        "shape": shape(shown_dims),
        "rows": body,
        "col_headers": [None if c is None else c + 1 for c in cols],
        "row_headers": [None if r is None else r + 1 for r in rows],
        "note": note,
        "scalar": a.size == 1 and not dims,
    }


def step_view(stepper: Stepper, view: ViewSettings, lang: str, t) -> dict | None:
    """The last step done, ready to print; None before the first step of an iteration."""
    if stepper.c == 0:
        return None
    step, values = stepper.plan[stepper.c - 1], stepper.values
    formula = step.formula_rows if view.rows else step.formula
    shapes = {}
    for key in step.reads + step.writes:
        dims = tuple(np.shape(values[key]))
        shapes[symbol(key)] = tuple(reversed(dims)) if view.rows else dims
    shown_reads = () if step.kind == "update" else step.reads
    return {
        "id": step.id,
        "kind": step.kind,
        "phase": step.phase,
        "layer": step.layer,
        "formula": formula,
        "annotated": annotate(formula, shapes) if step.kind != "update" else formula,
        "operands": [matrix_view(k, values[k], view, t) for k in shown_reads],
        "outputs": [matrix_view(k, values[k], view, t) for k in step.writes],
        "explanation": explain(step, stepper.spec.activations, stepper.spec.collapses,
                               stepper.spec.weight_decay, lang),
    }


def timeline_view(stepper: Stepper) -> list[dict]:
    """The micro-steps of the iteration: done, current (last done) or to come."""
    out = []
    for index, step in enumerate(stepper.plan):
        state = "done" if index < stepper.c - 1 else ("current" if index == stepper.c - 1
                                                       else "todo")
        out.append({"index": index, "id": step.id, "tex": None if step.id == "update"
                    else symbol(step.id), "phase": step.phase, "state": state,
                    "seek": index + 1})
    return out
