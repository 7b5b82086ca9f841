"""The network drawing as plain values: node and edge coordinates, fills, labels, data attributes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import Stepper
from .fmt import num, shape
from .palette import Scale

COL_W, RADIUS, ROW_H = 170, 19, 50
PAD_X, TOP, BOTTOM = 84, 92, 86
MAX_DRAWN = 12  # units drawn per layer; wider layers show their first and last units
NEUTRAL_FILL, NEUTRAL_STROKE = "#ffffff", "#9aa3ad"


@dataclass(frozen=True)
class ViewSettings:
    example: int = 0  # column of the batch shown in the neurons
    log_scale: bool = False
    rows: bool = False  # row-per-example notation
    neuron: tuple[int, int] | None = None  # (layer, index) worked out in the neuron panel


def drawn_units(n: int) -> list[int | None]:
    """Indices drawn for a layer of n units; None marks the gap of a summarised layer."""
    if n <= MAX_DRAWN:
        return list(range(n))
    head = MAX_DRAWN // 2
    tail = MAX_DRAWN - head - 1
    return list(range(head)) + [None] + list(range(n - tail, n))


def _value(values: dict, key: str, j: int, i: int) -> float | None:
    arr = values.get(key)
    return None if arr is None else float(arr[j, i])


def active_layers(stepper: Stepper) -> set[int]:
    """Layers the last step touched: a highlight for the drawing."""
    if stepper.c == 0:
        return set()
    step = stepper.plan[stepper.c - 1]
    if step.kind == "loss":
        return {stepper.spec.depth}
    if step.kind == "update":
        return set(range(1, stepper.spec.depth + 1))
    return {step.layer} if step.layer is not None else set()


def network_view(stepper: Stepper, view: ViewSettings, t) -> dict:
    """Everything the SVG template prints. `t` translates labels."""
    spec, v = stepper.spec, stepper.values
    L, m = spec.depth, v["A0"].shape[1]
    i = min(view.example, m - 1)
    delta_mode = any(f"dZ{l}" in v for l in range(1, L + 1))
    grads = [v[f"d{p}{l}"] for l in range(1, L + 1) for p in "Wb" if f"d{p}{l}" in v]
    edges_grad = stepper.phase == "backward" and bool(grads)
    params = stepper.current_params()
    drawn = [drawn_units(n) for n in spec.layers]
    height = TOP + max(len(d) for d in drawn) * ROW_H + BOTTOM
    width = 2 * PAD_X + L * COL_W

    node_key = "dZ" if delta_mode else "A"
    node_values = [v[f"{node_key}{l}"][:, i] for l in range(0 if not delta_mode else 1, L + 1)
                   if f"{node_key}{l}" in v]
    node_scale = Scale.for_values(np.concatenate(node_values) if node_values else [],
                                  view.log_scale)
    edge_source = grads if edges_grad else [params[k] for k in params]
    edge_scale = Scale.for_values(np.concatenate([a.ravel() for a in edge_source]),
                                  view.log_scale)
    active = active_layers(stepper)

    def ypos(layer: int, slot: int) -> float:
        offset = (max(len(d) for d in drawn) - len(drawn[layer])) * ROW_H / 2
        return TOP + offset + slot * ROW_H + ROW_H / 2

    layers, nodes, edges, gaps, biases = [], [], [], [], []
    for l, units in enumerate(drawn):
        x = PAD_X + l * COL_W
        kind = "input" if l == 0 else ("output" if l == L else "hidden")
        act = "" if l == 0 else spec.activations[l - 1]
        layers.append(_layer_label(l, kind, act, x, height, spec.layers, view.rows, t,
                                   l in active))
        for slot, j in enumerate(units):
            y = ypos(l, slot)
            if j is None:
                gaps.append({"x": x, "y": y, "hidden": spec.layers[l] - len(units) + 1})
                continue
            nodes.append(_node(v, l, j, i, x, y, delta_mode, node_scale))
        if l < L:  # the +1 bias unit feeding layer l + 1
            biases.append({"x": x, "y": TOP - 44, "layer": l + 1})

    for l in range(1, L + 1):
        w, b = params[f"W{l}"], params[f"b{l}"]
        dw, db = v.get(f"dW{l}"), v.get(f"db{l}")
        show_grad = edges_grad and dw is not None
        for slot, j in enumerate(drawn[l]):
            if j is None:
                continue
            y2 = ypos(l, slot)
            for slot0, k in enumerate(drawn[l - 1]):
                if k is None:
                    continue
                edges.append(_edge(l, j, k, PAD_X + (l - 1) * COL_W, ypos(l - 1, slot0),
                                   PAD_X + l * COL_W, y2, float(w[j, k]),
                                   None if dw is None else float(dw[j, k]),
                                   edge_scale, show_grad, edges_grad, l in active))
            edges.append(_edge(l, j, "bias", PAD_X + (l - 1) * COL_W, TOP - 44,
                               PAD_X + l * COL_W, y2, float(b[j, 0]),
                               None if db is None else float(db[j, 0]),
                               edge_scale, show_grad, edges_grad, l in active))
    summarised = [(n, len([u for u in d if u is not None])) for n, d in zip(spec.layers, drawn,
                                                                             strict=True)]
    return {
        "width": width, "height": height, "radius": RADIUS,
        "layers": layers, "nodes": nodes, "edges": edges, "gaps": gaps, "biases": biases,
        "delta_mode": delta_mode, "edges_grad": edges_grad, "example": i, "m": m,
        "node_legend": node_scale.legend(), "edge_legend": edge_scale.legend(),
        "min_width": int(width * 0.7),  # below this the SVG scrolls instead of shrinking
        "summarised": [s for s in summarised if s[0] != s[1]],
    }


def _layer_label(l, kind, act, x, height, sizes, rows, t, active) -> dict:
    n = sizes[l]
    def dims(a: int | str, b: int | str) -> str:
        return f"{b}×{a}" if rows else f"{a}×{b}"
    if l == 0:
        lines = [f"X  {dims(n, 'm')}"]
    else:
        lines = [f"W[{l}] {dims(n, sizes[l - 1])} · b[{l}] {shape((1, n) if rows else (n, 1))}",
                 f"Z[{l}], A[{l}]  {dims(n, 'm')}"]
    title = t(f"{kind}_layer") + (f" · {act}" if act else "")
    return {"x": x, "title": f"[{l}] {title}", "lines": lines, "y": height - BOTTOM + 22,
            "active": active, "top": TOP - 70, "bottom": height - 6, "index": l}


def _node(v, l, j, i, x, y, delta_mode, scale) -> dict:
    a = _value(v, "A0" if l == 0 else f"A{l}", j, i)
    z = None if l == 0 else _value(v, f"Z{l}", j, i)
    delta = None if l == 0 else _value(v, f"dZ{l}", j, i)
    shown = delta if delta_mode else a
    symbol = ("x" if l == 0 else f"a[{l}]") + f"_{j + 1}"
    title = [f"{symbol} = {num(a)}" if a is not None else f"{symbol}: —"]
    if z is not None:
        title.insert(0, f"z[{l}]_{j + 1} = {num(z)}")
    if delta is not None:
        title.append(f"δ[{l}]_{j + 1} = {num(delta)}")
    return {
        "x": x, "y": y, "layer": l, "index": j,
        "value": "" if a is None else repr(a),
        "delta": "" if delta is None else repr(delta),
        "z": "" if z is None else repr(z),
        "fill": NEUTRAL_FILL if shown is None else scale.color(shown),
        "text_color": "#5b6570" if shown is None else scale.text_color(shown),
        "label": "" if shown is None else num(shown, 3),
        "pending": shown is None,
        "title": " · ".join(title),
    }


def _edge(l, j, k, x1, y1, x2, y2, w, dw, scale, show_grad, grad_mode, active) -> dict:
    shown = dw if show_grad else w
    pending = grad_mode and not show_grad
    mag = 0.0 if shown is None else abs(scale.position(shown))
    name = f"b[{l}]_{j + 1}" if k == "bias" else f"W[{l}]_{j + 1},{k + 1}"
    title = f"{name} = {num(w)}" + ("" if dw is None else f" · d{name} = {num(dw)}")
    return {
        "x1": x1 + RADIUS, "y1": y1, "x2": x2 - RADIUS, "y2": y2,
        "layer": l, "row": j, "col": k, "bias": k == "bias",
        "value": repr(w), "grad": "" if dw is None else repr(dw),
        "stroke": "#c9ced4" if pending or shown is None else scale.line_color(shown),
        "width": round(0.6 + 4.4 * mag, 2) if not pending else 0.6,
        "active": active, "title": title,
    }
