"""The current step as plain values: its formula with every operand's shape, its numbers, why."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import numpy as np
from markupsafe import Markup, escape

from ..engine import Stepper, symbol
from ..sessions import ViewSettings
from .explain import explain, loss_sentence
from .fmt import num, shape
from .i18n import tex_words
from .palette import Scale

MAX_ROWS, MAX_COLS = 16, 8
EXAMPLE_AXIS = re.compile(r"^(A|Z|dA|dZ|Y)\d*$")  # these have one column per example


def plain_symbol(key: str) -> str:
    """A value's name as plain text: 'dW2' -> 'dW[2]', 'A0' -> 'X', 'J' -> 'J'."""
    if key == "A0":
        return "X"
    match = re.fullmatch(r"(new_)?(d?[A-Za-z])(\d+)", key)
    return f"{match.group(2)}[{match.group(3)}]" if match else key


def announcement(stepper: Stepper, view: ViewSettings, t) -> str:
    """One short sentence for a screen reader after a step: what was computed, its shape and
    its headline number (the first unit of the selected example, or the first entry), e.g.
    'Z[1] computed: 2×4, Z[1][1,1] = 0.52'."""
    if stepper.c == 0:
        if stepper.losses:  # after an update or a training run: where the loss stands
            return t("announce_next", n=stepper.t + 1, loss=num(stepper.losses[-1]))
        return t("announce_start", n=stepper.t + 1)
    step = stepper.plan[stepper.c - 1]
    if step.kind == "update":
        loss = stepper.loss if stepper.loss is not None else stepper.losses[-1]
        return t("announce_update", n=stepper.t + 1, loss=num(loss))
    key = step.writes[0]
    arr = np.atleast_2d(np.asarray(stepper.values[key], dtype=float))
    name = plain_symbol(key)
    if arr.size == 1:
        return t("announce_scalar", name=name, value=num(float(arr.flat[0])))
    row, col = 0, 0
    if EXAMPLE_AXIS.match(key):
        col = min(view.example, arr.shape[1] - 1)
    if view.rows:
        arr, row, col = arr.T, col, row
    return t("announce_step", name=name, shape=shape(arr.shape),
             cell=f"{name}[{row + 1},{col + 1}]", value=num(float(arr[row, col])))


def html_symbol(key: str) -> Markup:
    """A value's name as light HTML (no KaTeX): 'dW2' -> <i>dW</i><sup>[2]</sup>."""
    if key == "A0":
        return Markup("<i>X</i>")
    if "@" in key or key in EXAMPLE_NAMES or re.fullmatch(r"S[Wb]\d+", key):
        return _example_html(key)
    match = re.fullmatch(r"(new_)?(d?[A-Za-z])(\d+)", key)
    if not match:
        return Markup(f"<i>{escape(key)}</i>")
    return Markup(f"<i>{match.group(2)}</i><sup>[{match.group(3)}]</sup>")


EXAMPLE_NAMES = {"Lsum": "ΣL<sup>(i)</sup>", "average": "ΔW/m"}
_EXAMPLE_KEY = re.compile(r"(x|y|L|gW|gb|SW|Sb|da|dz|[az])(\d*)(?:@(\d+))?")


def _example_html(key: str) -> Markup:
    """Per-example keys as light HTML: 'z1@0' -> z[1](1), 'gW2@0' -> dW[2](1), 'SW2@1' -> ΔW[2],
    'a0@0' -> x(1), 'L@2' -> L(3)."""
    if key in EXAMPLE_NAMES:
        return Markup(EXAMPLE_NAMES[key])
    match = _EXAMPLE_KEY.fullmatch(key)
    if not match:
        return Markup(f"<i>{escape(key)}</i>")
    name, l, i = match.groups()
    name = {"gW": "dW", "gb": "db", "SW": "ΔW", "Sb": "Δb"}.get(name, name)
    if name == "a" and l == "0":
        name, l = "x", ""
    sup = (f"[{l}]" if l else "") + (f"({int(i) + 1})" if i is not None and not
                                      name.startswith("Δ") else "")
    return Markup(f"<i>{name}</i><sup>{sup}</sup>" if sup else f"<i>{name}</i>")


def _transposed_symbol(sym: str) -> str:
    if sym.endswith("}"):  # A^{[1]} -> A^{[1]\top}
        return sym[:-1] + r"\top}"
    return sym + r"^\top"  # X, Y, J: a bare "\top}" would match inside other symbols


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
    def brace(mt: re.Match) -> str:
        out = rf"\underbrace{{{mt.group(0)}}}_{{{table[mt.group(0)]}}}"
        # X_{:,1} (one example's column): a subscript of its own needs the brace grouped
        return "{" + out + "}" if formula.startswith("_", mt.end()) else out

    return pattern.sub(brace, formula)


def pick(n: int, cap: int, keep: int | None = None) -> list[int | None]:
    """Indices to show out of n, at most `cap`, always with `keep` and the last; None is a gap."""
    if n <= cap:
        return list(range(n))
    chosen = set(range(cap - 1)) | {n - 1}
    if keep is not None and keep not in chosen:
        chosen = set(range(cap - 2)) | {keep, n - 1}
    out: list[int | None] = []
    for i in sorted(chosen):
        if out and out[-1] is not None and i != out[-1] + 1:
            out.append(None)
        out.append(i)
    return out


def matrix_view(key: str, arr: np.ndarray, view: ViewSettings, t) -> dict:
    """A small table of the value: 4 significant digits, coloured like the drawing.

    Rows come out as ready <td> cells (numbers and colours only), built once per table.
    """
    a = np.atleast_2d(np.asarray(arr, dtype=float))
    per_example = bool(EXAMPLE_AXIS.match(key.removeprefix("new_")))
    if view.rows:
        a = a.T
    n_rows, n_cols = a.shape
    ex = view.example
    rows = pick(n_rows, MAX_ROWS, ex if per_example and view.rows else None)
    cols = pick(n_cols, MAX_COLS, ex if per_example and not view.rows else None)
    row_idx = [r for r in rows if r is not None]
    col_idx = [c for c in cols if c is not None]
    shown = a[np.ix_(row_idx, col_idx)]
    fills, texts = Scale.for_values(a, view.log_scale).colors(shown)
    values = shown.ravel().tolist()
    body: list[Markup | None] = []
    flat = 0
    for r in rows:
        if r is None:
            body.append(None)
            continue
        cells = []
        for c in cols:
            if c is None:
                cells.append('<td class="gap">…</td>')
                continue
            val = values[flat]
            sel = ' class="sel"' if per_example and (r if view.rows else c) == ex else ""
            cells.append(f'<td style="background:{fills[flat]};color:{texts[flat]}" '
                         f'title="{val!r}"{sel}>{num(val)}</td>')
            flat += 1
        body.append(Markup("".join(cells)))
    dims = tuple(np.shape(arr))
    # The selected example's row or column: marked in its header (bold, a ▸ and words for a
    # screen reader), not only by the outline of its cells.
    sel_row = ex if per_example and view.rows else None
    sel_col = ex if per_example and not view.rows else None
    shown_cols = len(col_idx)
    return {
        "key": key,
        "name": html_symbol(key) + (Markup("<sub>new</sub>") if key.startswith("new_") else ""),
        "shape": shape(tuple(reversed(dims)) if view.rows else dims),
        "rows": body,
        "row_heads": [None if r is None else (r + 1, r == sel_row) for r in rows],
        "col_heads": [None if c is None else (c + 1, c == sel_col) for c in cols],
        "selected_text": t("selected_example"),
        "width": len(cols),
        "note": t("columns_shown", shown=shown_cols, total=n_cols) if shown_cols < n_cols else "",
    }


def _head(cell: tuple[int, bool] | None, scope: str, selected: str) -> str:
    """A row or column header: its 1-based index, the selected example's marked."""
    if cell is None:
        return '<td class="gap" aria-hidden="true">…</td>' if scope == "col" else "<td></td>"
    index, sel = cell
    if not sel:
        return f'<th scope="{scope}">{index}</th>'
    return (f'<th scope="{scope}" class="sel"><span aria-hidden="true">▸</span>{index}'
            f'<span class="visually-hidden"> ({escape(selected)})</span></th>')


def matrix_html(mv: dict) -> Markup:
    """The table of matrix_view as one <figure> (the step page prints one to four per step),
    with row and column numbers as headers."""
    selected = mv.get("selected_text", "")
    head = "".join(_head(c, "col", selected) for c in mv["col_heads"])
    rows = "".join(
        f'<tr class="gap"><td></td><td colspan="{mv["width"]}">⋮</td></tr>' if row is None
        else f"<tr>{_head(rh, 'row', selected)}{row}</tr>"
        for row, rh in zip(mv["rows"], mv["row_heads"], strict=True))
    note = f'<p class="note">{escape(mv["note"])}</p>' if mv["note"] else ""
    return Markup(
        f'<figure class="matrix" data-key="{escape(mv["key"])}"><figcaption>'
        f'<span class="sym">{mv["name"]}</span> <span class="shape">{escape(mv["shape"])}</span>'
        f'</figcaption><div class="matrix-scroll"><table><thead><tr><td></td>{head}</tr></thead>'
        f'<tbody>{rows}</tbody></table></div>'
        f"{note}</figure>")


def step_view(stepper: Stepper, view: ViewSettings, lang: str, t,
              table: Callable[[str, np.ndarray], Any] | None = None) -> dict | None:
    """The last step done, ready to print; None before the first step of an iteration."""
    if stepper.c == 0:
        return None
    step, values = stepper.plan[stepper.c - 1], stepper.values
    formula = tex_words(step.formula_rows if view.rows else step.formula, lang)
    shapes = {}
    for key in step.reads + step.writes:
        dims = tuple(np.shape(values[key]))
        shapes[symbol(key)] = tuple(reversed(dims)) if view.rows else dims
    shown_reads = () if step.kind == "update" else step.reads
    if table is None:
        def table(key: str, arr: np.ndarray) -> dict:
            return matrix_view(key, arr, view, t)

    return {
        "id": step.id,
        "kind": step.kind,
        "phase": step.phase,
        "layer": step.layer,
        "formula": formula,
        "annotated": _annotated(formula, tuple(shapes.items())) if step.kind != "update"
        else formula,
        "operands": [table(k, values[k]) for k in shown_reads],
        "outputs": [table(k, values[k]) for k in step.writes],
        "update_check": update_view(stepper, view, t, table) if step.kind == "update" else None,
        "explanation": _explanation(step, stepper.spec.activations, stepper.spec.collapses,
                                    stepper.spec.weight_decay, lang, view.rows,
                                    values["A0"].shape[1] if step.rest is not None else None,
                                    stepper.spec.loss),
    }


def update_view(stepper: Stepper, view: ViewSettings, t, table) -> dict:
    """The update written out with its numbers, one row per parameter, so that the learner can
    check W − α·dW = W_new on screen: W, α, dW and the result; with weight decay λ, each dW
    split into its data part (1/m)·dZ·Aᵀ and λ·W (computed as the engine computes them)."""
    v, lam, L = stepper.values, stepper.spec.weight_decay, stepper.spec.depth
    rows = []
    for kind in ("W", "b"):
        for l in range(1, L + 1):
            p = f"{kind}{l}"
            row = {"param": p, "old": table(p, v[p]), "grad": table("d" + p, v["d" + p]),
                   "new": table("new_" + p, v["new_" + p]), "decay": None,
                   "grad_name": html_symbol("d" + p)}
            if kind == "W" and lam:
                dz, a_prev = v[f"dZ{l}"], v[f"A{l - 1}"]
                data = dz @ a_prev.T / dz.shape[1]  # run_dw's own expression: the same double
                row["decay"] = {
                    "data": _named_table(f"data_dW{l}", data, view, t,
                                         t("dw_data_part_rows" if view.rows else "dw_data_part",
                                           l=l, a="X" if l == 1 else f"A[{l - 1}]")),
                    "decay": _named_table(f"decay_dW{l}", lam * v[p], view, t,
                                          t("dw_decay_part", l=l)),
                }
            rows.append(row)
    return {"rows": rows, "lr": num(stepper.learning_rate), "lr_exact": stepper.learning_rate,
            "lam": num(lam) if lam else None}


def _named_table(key: str, arr: np.ndarray, view: ViewSettings, t, name: str) -> Markup:
    """A table like matrix_view's, captioned with `name` (plain text) instead of a symbol."""
    mv = matrix_view(key, arr, view, t)
    mv["name"] = escape(name)
    return matrix_html(mv)


@functools.lru_cache(maxsize=1024)
def _annotated(formula: str, shapes: tuple[tuple[str, tuple[int, ...]], ...]) -> str:
    return annotate(formula, dict(shapes))


@functools.lru_cache(maxsize=1024)
def _explanation(step, activations: tuple[str, ...], collapses: bool, weight_decay: float,
                 lang: str, rows: bool, m: int | None = None, loss: str | None = None) -> str:
    text = explain(step, activations, collapses, weight_decay, lang, rows, m)
    return text + loss_sentence(step, loss, lang) if loss else text


MARKS = {"done": "✓", "current": "▸", "todo": ""}  # the state without colour


def timeline_view(stepper: Stepper, update_label: str, states: dict[str, str] | None = None,
                  t=None) -> Markup:
    """The micro-steps of the iteration as <li> buttons: done, current (last done) or to come.

    Each button submits index = steps done once it is reached; one form around the list posts
    it (one htmx element per swap, not one per step). Each has an id (focus returns to it after
    the swap), the current one aria-current, and its state as a mark and, for screen readers,
    in words (`states`: done, current, todo in the page's language). In per-example mode (`t`
    given) the steps come in groups, one per example shown and one for the remaining examples:
    only the group under way is open, so a long plan stays one line per group."""
    states = states or {}
    items = []
    for index, step in enumerate(stepper.plan):
        state = ("done" if index < stepper.c - 1 else
                 "current" if index == stepper.c - 1 else "todo")
        if step.id == "update":
            label = escape(update_label)
        elif t is not None and step.id == "average":
            label = escape(t(f"timeline_{step.id}"))
        else:
            label = html_symbol(step.id)
        current = ' aria-current="step"' if state == "current" else ""
        mark = (f'<span class="mark" aria-hidden="true">{MARKS[state]}</span>' if MARKS[state]
                else "")
        words = (f'<span class="visually-hidden"> ({escape(states[state])})</span>'
                 if state in states else "")
        items.append(f'<li class="{state} {step.phase}" data-step="{step.id}"><button '
                     f'id="chip-{index + 1}" name="index" value="{index + 1}" title="{step.id}"'
                     f'{current}>{mark}{label}{words}</button></li>')
    if t is None or stepper.spec.gradient_mode != "per_example":
        return Markup("".join(items))
    return Markup("".join(_example_groups(stepper, items, t)))


def _group(step) -> int | str | None:
    """The timeline group of a per-example step: its example, "rest", or None (J and after)."""
    return "rest" if step.rest is not None else step.example


def _example_groups(stepper: Stepper, items: list[str], t) -> list[str]:
    """Per-example steps folded into one <details> per example, the remaining examples' steps
    into one more; J, the average and the update stay flat."""
    out: list[str] = []
    c, plan = stepper.c, stepper.plan
    under_way = _group(plan[c - 1]) if c else 0
    if c and under_way is None and c < len(plan) and _group(plan[c]) is not None:
        under_way = _group(plan[c])
    m, shown = stepper.values["A0"].shape[1], stepper.spec.examples_shown
    index = 0
    while index < len(plan):
        group = _group(plan[index])
        if group is None:
            out.append(items[index])
            index += 1
            continue
        end = index
        while end < len(plan) and _group(plan[end]) == group:
            end += 1
        state = "done" if end <= c else "todo" if index >= c else "current"
        open_ = " open" if group == under_way else ""
        if group == "rest":
            title = (t("rest_steps", s=shown + 1, m=m, n=end - index) if shown < m
                     else t("rest_steps_none", n=end - index))
            attr = 'data-example="rest"'
        else:
            title, attr = t("example_steps", i=group + 1, n=end - index), f'data-example="{group}"'
        out.append(f'<li class="example-group ex-{state}" {attr}><details{open_}>'
                   f'<summary>{escape(title)}</summary><ol>{"".join(items[index:end])}</ol>'
                   '</details></li>')
        index = end
    return out
