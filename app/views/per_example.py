"""What the step page adds around a step: per-example mode's outer product, sums and check
against batch mode, the move buttons' names, the output δ the long way, L(i) beside J.

Each extra is a plain dict: {"name": css hook, "text": sentence, "tex": LaTeX line,
"html": ready markup}; the template prints whichever it has."""

from __future__ import annotations

import numpy as np
from markupsafe import Markup

from ..engine import LOSSES, Stepper
from .activation_plot import activation_plot
from .fmt import num, tex_num
from .network import current_example
from .palette import Scale

MAX_OUTER = 8  # rows and columns of the outer product drawn


def move_labels(stepper: Stepper, t) -> dict[str, str]:
    """Names of the Forward pass / Backward pass buttons for what they would do from here."""
    labels = {"forward": t("forward"), "backward": t("backward")}
    if stepper.spec.gradient_mode != "per_example":
        return labels
    plan, n = stepper.plan, len(stepper.plan)
    c = 0 if stepper.c == n else stepper.c  # after the update the next iteration starts
    loss = next((k for k in range(c, n) if plan[k].kind == "loss"), None)
    if loss is not None:
        ex = plan[loss].example
        labels["forward"] = (t("forward_example", i=ex + 1) if ex is not None
                             else t("rest_examples"))
    if 0 < c < n and plan[c].phase == "backward":
        ex = plan[c].example
        if ex is not None and plan[c - 1].example == ex:
            labels["backward"] = t("backward_example", i=ex + 1)
        elif plan[c].rest is not None:
            labels["backward"] = t("backward_rest")
        elif plan[c].kind == "average":
            labels["backward"] = t("average_move")
    return labels


def batch_difference(values: dict, depth: int, decay: float) -> float:
    """Largest |dW − ((1/m)·dZ·Aᵀ + λW)| and |db − (1/m)·Σ dZ| over the layers: the averaged
    sums against batch mode's gradients from the batch matrices the remaining examples' steps
    wrote (over every example of the batch)."""
    m = values["Y"].shape[1]
    worst = 0.0
    for l in range(1, depth + 1):
        dz, a_prev, w = values[f"dZ{l}"], values[f"A{l-1}"], values[f"W{l}"]
        batch_w = dz @ a_prev.T / m + decay * w
        batch_b = dz.sum(axis=1, keepdims=True) / m
        worst = max(worst, float(np.max(np.abs(values[f"dW{l}"] - batch_w))),
                    float(np.max(np.abs(values[f"db{l}"] - batch_b))))
    return worst


def outer_product_html(delta: np.ndarray, a: np.ndarray, rows: bool, log: bool) -> Markup:
    """δ·aᵀ as a small table: a_k along the top, δ_j down the side, δ_j·a_k in the cells
    (the transpose, aᵀ·δ with a_k down the side, in row notation). delta is (n[l], 1), a is
    (n[l-1], 1)."""
    d, x = delta[:MAX_OUTER, 0], a[:MAX_OUTER, 0]
    prod = np.outer(d, x)
    side, top = (x, d) if rows else (d, x)
    if rows:
        prod = prod.T
    side_name, top_name = ("a", "δ") if rows else ("δ", "a")
    fills, inks = Scale.for_values(prod, log).colors(prod)
    flat = prod.ravel().tolist()
    head = "".join(f'<th scope="col">{top_name}<sub>{k + 1}</sub> = {num(v)}</th>'
                   for k, v in enumerate(top))
    body = []
    for r, v in enumerate(side):
        cells = "".join(
            f'<td style="background:{fills[r * len(top) + k]};color:{inks[r * len(top) + k]}" '
            f'title="{flat[r * len(top) + k]!r}">{num(flat[r * len(top) + k])}</td>'
            for k in range(len(top)))
        body.append(f'<tr><th scope="row">{side_name}<sub>{r + 1}</sub> = {num(v)}</th>'
                    f"{cells}</tr>")
    return Markup(f'<div class="matrix-scroll"><table class="outer-product"><thead><tr><th>×</th>'
                  f'{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def step_extras(stepper: Stepper, view, t) -> list[dict]:
    """Lines shown under the current step's numbers (empty for most steps)."""
    if stepper.c == 0:
        return []
    step, v, spec = stepper.plan[stepper.c - 1], stepper.values, stepper.spec
    m = v["A0"].shape[1]
    out: list[dict] = []
    if step.kind == "dW" and step.example is not None:
        l, at = step.layer, f"@{step.example}"
        out.append({"name": "outer-product", "text": t("outer_product", l=l, p=l - 1),
                    "html": outer_product_html(v[f"dz{l}{at}"], v[f"a{l-1}{at}"], view.rows,
                                               view.log_scale)})
    if step.kind == "accumulate":
        text = (t("sum_complete", l=step.layer, m=m) if step.rest is not None
                else t("sum_growth", l=step.layer, k=step.example + 1, m=m))
        out.append({"name": "sum-growth", "text": text})
    if step.kind == "average":
        diff = batch_difference(v, spec.depth, spec.weight_decay)
        out.append({"name": "batch-check", "text": t(
            "batch_check_rows" if view.rows else "batch_check", diff=num(diff, 2),
            verdict=t("batch_equal" if diff <= 1e-12 else "batch_differ"))})
    if step.kind == "dZ" and step.layer == spec.depth:
        found = chain_line(stepper, step, view.example)
        if found:
            ex, line = found
            out.append({"name": "chain-line", "text": t("chain_line", i=ex + 1,
                                                        n=len(stepper.values["Y"])),
                        "tex": line})
    if step.kind == "loss":
        out += _loss_beside(stepper, step, view.example, t)
    if step.kind == "activation":
        out.append(_activation_extra(stepper, step, view.example, t))
    return out


def _activation_extra(stepper: Stepper, step, selected: int, t) -> dict:
    """g and g' drawn, the shown example's z values marked (softmax: why there is no curve)."""
    l, v = step.layer, stepper.values
    name = stepper.spec.activations[l - 1]
    if step.example is not None:
        z, ex = v[f"z{l}@{step.example}"][:, 0], step.example
    else:
        ex = min(selected, v["A0"].shape[1] - 1)
        z = v[f"Z{l}"][:, ex]
    svg = activation_plot(name, z, t)
    if svg is None:
        return {"name": "activation-plot", "text": t("plot_softmax")}
    return {"name": "activation-plot", "text": t("plot_caption", g=name, i=ex + 1), "html": svg}


def _example_columns(stepper: Stepper, step, selected: int) -> tuple[int, dict] | None:
    """(example, {a, z, y, da}) columns (n[L],) of the output for the step's example (per
    example) or the selected one (batch)."""
    v, L = stepper.values, stepper.spec.depth
    if step.example is not None:
        at = f"@{step.example}"
        keys = {"a": f"a{L}{at}", "z": f"z{L}{at}", "y": f"y{at}", "da": f"da{L}{at}"}
        col, ex = 0, step.example
    else:
        keys = {"a": f"A{L}", "z": f"Z{L}", "y": "Y", "da": f"dA{L}"}
        ex = col = min(selected, v["A0"].shape[1] - 1)
    if any(keys[k] not in v for k in ("a", "y")):
        return None
    return ex, {k: v[key][:, col] for k, key in keys.items() if key in v}


def chain_line(stepper: Stepper, step, selected: int) -> tuple[int, str] | None:
    """With output_delta "chain" and an output/loss pair that collapses: (example, LaTeX) of the
    chain rule's product for every output unit k of the example, each with its numbers and equal
    to a_k − y_k: the product in letters first, then one row per unit (short enough for a
    phone to show each whole)."""
    spec = stepper.spec
    g, loss = spec.activations[-1], LOSSES[spec.loss]
    if spec.output_delta != "chain" or not loss.collapses(g):
        return None
    found = _example_columns(stepper, step, selected)
    if found is None:
        return None
    ex, col = found
    a, y, n = col["a"].tolist(), col["y"].tolist(), tex_num
    if g == "sigmoid":
        head = (r"&\left(-\frac{y_k}{a_k} + \frac{1-y_k}{1-a_k}\right) a_k(1-a_k) = a_k - y_k")
        rows = [rf"&\left(-\frac{{{n(yk)}}}{{{n(ak)}}} + \frac{{{n(1 - yk)}}}{{{n(1 - ak)}}}\right)"
                rf"\cdot {n(ak * (1 - ak))} = {n(ak - yk)}" for ak, yk in zip(a, y, strict=True)]
    elif g == "softmax":
        total = float(np.sum(col["y"]))
        head = (r"&a_k\Big(-\frac{y_k}{a_k} + \sum_j y_j\Big) = a_k - y_k\\"
                r"&\textstyle\sum_j y_j = 1")
        rows = [rf"&{n(ak)}\Big(-\frac{{{n(yk)}}}{{{n(ak)}}} + {n(total)}\Big)"
                rf" = {n(ak * (-yk / ak + total) if ak else ak - yk)}"
                for ak, yk in zip(a, y, strict=True)]
    else:
        head = r"&(a_k - y_k)\cdot 1 = a_k - y_k"
        rows = [rf"&({n(ak)} - {n(yk)})\cdot 1 = {n(ak - yk)}" for ak, yk in zip(a, y, strict=True)]
    lines = [head] + [rf"k{{=}}{k}{{:}}\ {row}" for k, row in enumerate(rows, start=1)]
    return ex, r"\begin{aligned}" + r"\\".join(lines) + r"\end{aligned}"


def _loss_beside(stepper: Stepper, step, selected: int, t) -> list[dict]:
    """L(i) of one example beside the batch's J (and J's place beside L(i))."""
    v, spec = stepper.values, stepper.spec
    loss = LOSSES[spec.loss]
    if step.example is not None:
        return [{"name": "loss-beside", "text": t("loss_example_first", i=step.example + 1)}]
    L = spec.depth
    i = min(selected, v["A0"].shape[1] - 1)
    if f"A{L}" not in v:
        return []
    li = loss.value(v[f"Z{L}"][:, i:i + 1], v[f"A{L}"][:, i:i + 1], v["Y"][:, i:i + 1])
    return [{"name": "loss-beside", "text": t("loss_beside", i=i + 1, li=num(li),
                                              j=num(float(v["J"])), m=v["A0"].shape[1])}]


def under_way_text(stepper: Stepper, t) -> str | None:
    """'Example 2 of 4 under way' in per-example mode, None outside an example's steps."""
    ex = current_example(stepper)
    if ex is None:
        return None
    return t("under_way", i=ex + 1, m=stepper.values["A0"].shape[1])

