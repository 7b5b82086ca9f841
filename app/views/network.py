"""The network drawing as plain values: node and edge coordinates, fills, labels, data attributes.

Colours are looked up for whole arrays at once, and each edge's attributes are joined here once,
so drawing a few hundred edges costs microseconds each, not a template lookup per attribute.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass

import numpy as np
from markupsafe import Markup, escape

from ..engine import Stepper
from .cache import RenderCache
from .fmt import num, shape, short
from .palette import Scale

COL_W, RADIUS, ROW_H = 170, 21, 52
WIDE_FROM = 640  # px of smallest drawing width above which it gets the page's whole width
PAD_X, TOP, BOTTOM = 84, 92, 86
BIAS_Y = TOP - 44
MAX_DRAWN = 12  # units drawn per layer; wider layers show their first and last units
NEUTRAL_FILL, PENDING_STROKE = "#ffffff", "#c9ced4"
# A neuron's label (its a or δ) must stay inside its circle, clear of the edges that end on the
# circle's border: labels longer than ~5 characters get a smaller font. Bold digits, the minus
# sign and "e" are at most ~0.62 em wide in the page's sans-serif fonts.
LABEL_FONT_PX, LABEL_CHAR_EM = 10.5, 0.62
LABEL_ROOM_PX = 2 * RADIUS - 6


def label_font_px(label: str) -> float:
    """The font size (px) at which `label` fits in LABEL_ROOM_PX: 10.5 px, smaller if longer."""
    fits = LABEL_ROOM_PX / (LABEL_CHAR_EM * max(len(label), 1))
    return LABEL_FONT_PX if fits >= LABEL_FONT_PX else math.floor(fits * 10) / 10


def neuron_label(v: float) -> str:
    """short(v), its mantissa cut to one digit if that leaves more than 7 characters:
    −3.3e−100 -> −3e−100 (the exact value is in the neuron's hover text)."""
    label = short(v)
    if len(label) > 7 and "e" in label:
        mantissa, exp = f"{v:.0e}".split("e")
        label = f"{mantissa}e{int(exp)}".replace("-", "−")
    return label


def label_width_px(label: str) -> float:
    """The width `label` takes at its font size, as estimated above."""
    return len(label) * LABEL_CHAR_EM * label_font_px(label)


@dataclass(frozen=True)
class ViewSettings:
    example: int = 0  # column of the batch shown in the neurons
    log_scale: bool = False
    rows: bool = False  # row-per-example notation
    neuron: tuple[int, int] | None = None  # (layer, index) worked out in the neuron panel
    quiz: str = ""  # quiz mode: app.quiz.Score, encoded (stored with the view)


def drawn_units(n: int) -> list[int | None]:
    """Indices drawn for a layer of n units; None marks the gap of a summarised layer."""
    if n <= MAX_DRAWN:
        return list(range(n))
    head = MAX_DRAWN // 2
    tail = MAX_DRAWN - head - 1
    return list(range(head)) + [None] + list(range(n - tail, n))


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


def current_example(stepper: Stepper) -> int | None:
    """The example under way in per-example mode (0-based), None outside one's steps."""
    if stepper.c == 0 or stepper.c > len(stepper.plan):
        return None
    return stepper.plan[stepper.c - 1].example


def example_values(v: dict, example: int, depth: int) -> dict:
    """One example's values of per-example mode under the batch names, one column each:
    a{l}@i -> A{l} (a0@i -> A0), z{l}@i -> Z{l}, da{l}@i -> dA{l}, dz{l}@i -> dZ{l}, y@i -> Y;
    and for the edges the sums so far, SW{l}@i -> dW{l}, Sb{l}@i -> db{l}.
    The drawing and the neuron panel read them as they read column 0 of a batch."""
    at = f"@{example}"
    out = {}
    for l in range(depth + 1):
        for small, big in (("a", "A"), ("z", "Z"), ("da", "dA"), ("dz", "dZ")):
            if f"{small}{l}{at}" in v:
                out[f"{big}{l}"] = v[f"{small}{l}{at}"]
    if "y" + at in v:
        out["Y"] = v["y" + at]
    for l in range(1, depth + 1):  # ΔW, Δb so far (this example's sum, else the one before)
        for i in (example, example - 1):
            if f"SW{l}@{i}" in v:
                out[f"dW{l}"], out[f"db{l}"] = v[f"SW{l}@{i}"], v[f"Sb{l}@{i}"]
                break
    return out


class _Geometry:
    def __init__(self, sizes: tuple[int, ...]):
        self.drawn = [drawn_units(n) for n in sizes]
        self.tallest = max(len(d) for d in self.drawn)
        self.height = TOP + self.tallest * ROW_H + BOTTOM
        self.width = 2 * PAD_X + (len(sizes) - 1) * COL_W

    def x(self, layer: int) -> int:
        return PAD_X + layer * COL_W

    def y(self, layer: int, slot: int) -> float:
        offset = (self.tallest - len(self.drawn[layer])) * ROW_H / 2
        return TOP + offset + slot * ROW_H + ROW_H / 2

    def slots(self, layer: int) -> list[tuple[int, int]]:
        """(slot, unit index) of the units drawn in a layer."""
        return [(slot, j) for slot, j in enumerate(self.drawn[layer]) if j is not None]


@functools.lru_cache(maxsize=64)
def _geometry(sizes: tuple[int, ...]) -> _Geometry:
    return _Geometry(sizes)


def network_view(stepper: Stepper, view: ViewSettings, t,
                 cache: RenderCache | None = None, have: frozenset[str] = frozenset()) -> dict:
    """Everything the SVG shows, and the SVG itself. `t` translates labels.

    Each layer's edges carry a version (a hash of their markup). Those the page already shows,
    named in `have`, are sent as an empty `hx-preserve` placeholder: htmx keeps the page's own
    copy, so a step that leaves the weights alone (the whole forward pass) neither sends nor
    rebuilds hundreds of <line> elements."""
    cache = cache or RenderCache()
    spec, v = stepper.spec, stepper.values
    L, m = spec.depth, v["A0"].shape[1]
    i = min(view.example, m - 1)
    col = i  # the column of the arrays drawn
    under_way = current_example(stepper)
    if under_way is not None:  # per-example mode: the example being processed, alone
        v, i, col = example_values(v, under_way, L), under_way, 0
    geo = _geometry(spec.layers)
    delta_mode = any(f"dZ{l}" in v for l in range(1, L + 1))
    grads = {k: v[k] for l in range(1, L + 1) for k in (f"dW{l}", f"db{l}") if k in v}
    edges_grad = stepper.phase == "backward" and bool(grads)
    params = stepper.current_params()
    active = active_layers(stepper)

    node_key = "dZ" if delta_mode else "A"
    columns = [v[f"{node_key}{l}"][:, col] for l in range(L + 1) if f"{node_key}{l}" in v]
    node_scale = Scale.for_values(np.concatenate(columns) if columns else [], view.log_scale)
    edge_arrays = list(grads.values()) if edges_grad else list(params.values())
    edge_scale = Scale.for_values(np.concatenate([a.ravel() for a in edge_arrays]),
                                  view.log_scale)

    nodes = []
    for l in range(L + 1):
        arrays = tuple(v.get(f"{k}{l}") for k in ("A", "Z", "dZ"))
        selected = view.neuron[1] if view.neuron and view.neuron[0] == l else None
        slot = ("nodes", l, i, under_way is not None, delta_mode, node_scale, selected)
        nodes.append(cache.get(slot, arrays, lambda l=l, sel=selected: Markup("".join(
            _layer_nodes(v, l, col, geo, delta_mode, node_scale, sel)))))
    edges = []
    for l in range(1, L + 1):
        show_grad = edges_grad and f"dW{l}" in grads
        pending = edges_grad and not show_grad
        arrays = (params[f"W{l}"], params[f"b{l}"], v.get(f"dW{l}"), v.get(f"db{l}"))
        slot = ("edges", l, edge_scale, show_grad, pending)
        lines, version = cache.get(slot, arrays, lambda l=l, a=arrays, s=show_grad, p=pending:
                                   _versioned("".join(_layer_edges(l, geo, *a, edge_scale, s, p))))
        edges.append({"layer": l, "active": l in active, "lines": lines, "version": version,
                      "kept": version in have})
    gaps = [{"x": geo.x(l), "y": geo.y(l, slot), "hidden": spec.layers[l] - len(d) + 1}
            for l, d in enumerate(geo.drawn) for slot, j in enumerate(d) if j is None]
    layers = [_layer_label(l, spec, geo, view.rows, t, l in active) for l in range(L + 1)]
    biases = [{"x": geo.x(l), "y": BIAS_Y, "layer": l + 1} for l in range(L)]
    # The frame (bands, bias units, gaps, labels) changes only with the highlighted layers,
    # the notation and the language: made once per combination, then joined with the pieces.
    head, tail = cache.get(("frame", tuple(sorted(active)), view.rows, t.lang), (),
                           lambda: _frame(geo, layers, biases, gaps, t))
    svg = Markup("".join([
        head,
        *(f'<g class="edge-layer{" active" * e["active"]}" data-layer="{e["layer"]}">'
          + (f'<g class="edges" id="edges-{e["layer"]}" hx-preserve="true"></g></g>' if e["kept"]
             else f'<g class="edges" id="edges-{e["layer"]}" data-v="{e["version"]}">'
                  f'{e["lines"]}</g></g>')
          for e in edges),
        '<g class="neurons">', *nodes, "</g>",
        tail]))
    return {
        "width": geo.width, "height": geo.height, "radius": RADIUS, "svg": svg,
        "layers": layers, "nodes": nodes, "edges": edges, "gaps": gaps, "biases": biases,
        "delta_mode": delta_mode, "edges_grad": edges_grad, "example": i, "m": m,
        "under_way": under_way,
        "node_scale": node_scale, "edge_scale": edge_scale,
        "min_width": int(geo.width * 0.8),  # below this the SVG scrolls instead of shrinking
        # Five layers or more do not fit beside the equation on a laptop screen: the drawing
        # then takes the whole width and the equation goes under it.
        "wide": geo.width * 0.8 > WIDE_FROM,
        "summarised": [(l, n, len(geo.slots(l))) for l, n in enumerate(spec.layers)
                       if len(geo.slots(l)) != n],  # (layer, units, units drawn)
    }


def _versioned(markup: str) -> tuple[Markup, str]:
    return Markup(markup), hashlib.blake2b(markup.encode(), digest_size=8).hexdigest()


def _frame(geo: _Geometry, layers: list[dict], biases: list[dict], gaps: list[dict], t
           ) -> tuple[str, str]:
    """The SVG around the edges and neurons: (start tag and layer bands, bias units + gaps +
    layer labels). Bias units are drawn over the edges that leave them, labels last."""
    # A group, not an image: an image's children are presentational, and the neurons inside
    # are buttons a screen reader must reach.
    head = [f'<svg class="network" viewBox="0 0 {geo.width} {geo.height}" role="group" '
            f'aria-label="{escape(t("network"))}" style="min-width: {int(geo.width * 0.8)}px" '
            'preserveAspectRatio="xMidYMin meet">']
    for lay in layers:
        head.append(f'<rect class="layer-band{" active" * lay["active"]}" '
                    f'data-layer="{lay["index"]}" x="{lay["x"] - 62}" y="{lay["top"]}" '
                    f'width="124" height="{lay["bottom"] - lay["top"]}" rx="10"></rect>')
    tail = []
    bias_title = escape(t("bias_unit"))
    for b in biases:
        tail.append(f'<g class="bias-unit" data-layer="{b["layer"] - 1}" data-index="bias" '
                    f'data-feeds="{b["layer"]}"><circle cx="{b["x"]}" cy="{b["y"]}" r="13">'
                    f'</circle><text x="{b["x"]}" y="{b["y"]}" dy="0.35em" '
                    f'text-anchor="middle">+1</text><title>{bias_title} → b[{b["layer"]}]'
                    '</title></g>')
    for g in gaps:
        tail.append(f'<text class="gap" x="{g["x"]}" y="{g["y"]}" dy="0.35em" '
                    f'text-anchor="middle">⋮ +{g["hidden"]}</text>')
    for lay in layers:
        tail.append(f'<g class="layer-label" data-layer="{lay["index"]}">'
                    f'<text x="{lay["x"]}" y="{lay["y"]}" text-anchor="middle" class="title">'
                    f'{escape(lay["title"])}</text>')
        tail += [f'<text x="{lay["x"]}" y="{lay["y"] + 18 * k}" text-anchor="middle" '
                 f'class="shape">{escape(line)}</text>' for k, line in enumerate(lay["lines"], 1)]
        tail.append("</g>")
    tail.append("</svg>")
    return "".join(head), "".join(tail)


def _layer_label(l: int, spec, geo: _Geometry, rows: bool, t, active: bool) -> dict:
    sizes = spec.layers
    n = sizes[l]

    def dims(a: int | str, b: int | str) -> str:
        return f"{b}×{a}" if rows else f"{a}×{b}"

    if l == 0:
        lines = [f"X  {dims(n, 'm')}"]
        title = t("input_layer")
    else:
        lines = [f"W[{l}] {dims(n, sizes[l - 1])} · b[{l}] {shape((1, n) if rows else (n, 1))}",
                 f"Z[{l}], A[{l}]  {dims(n, 'm')}"]
        title = t("output_layer" if l == spec.depth else "hidden_layer")
        title += f" · {spec.activations[l - 1]}"
    return {"x": geo.x(l), "title": f"[{l}] {title}", "lines": lines,
            "y": geo.height - BOTTOM + 22, "active": active, "top": TOP - 70,
            "bottom": geo.height - 6, "index": l}


def _column(v: dict, key: str, i: int) -> np.ndarray | None:
    arr = v.get(key)
    return None if arr is None else arr[:, i]


def _layer_nodes(v, l, i, geo: _Geometry, delta_mode: bool, scale: Scale,
                 selected: int | None = None) -> list[str]:
    """One clickable <g class="neuron"> per drawn unit, with its exact values in data-*."""
    a = _column(v, f"A{l}", i)
    z = None if l == 0 else _column(v, f"Z{l}", i)
    delta = None if l == 0 else _column(v, f"dZ{l}", i)
    shown = delta if delta_mode else a
    if shown is not None:
        fills, texts = scale.colors(shown)
    name = "x" if l == 0 else f"a[{l}]"
    x, nodes = geo.x(l), []
    for slot, j in geo.slots(l):
        title = []
        if z is not None:
            title.append(f"z[{l}]_{j + 1} = {num(z[j])}")
        title.append(f"{name}_{j + 1} = {num(a[j])}" if a is not None else f"{name}_{j + 1}: —")
        if delta is not None:
            title.append(f"δ[{l}]_{j + 1} = {num(delta[j])}")
        if shown is None:
            cls, fill, ink, label = "neuron pending", NEUTRAL_FILL, "#5b6570", ""
        else:
            cls, fill, ink, label = "neuron", fills[j], texts[j], neuron_label(shown[j])
        if j == selected:
            cls += " selected"
        y = geo.y(l, slot)
        font = label_font_px(label)
        size = "" if font == LABEL_FONT_PX else f' style="font-size:{font}px"'
        # An id, so that focus comes back to it after #stage is swapped (htmx restores focus by
        # id); its name says which unit and its numbers (starting with the rounded one it
        # shows), the pressed state which one is shown.
        nodes.append(
            f'<g class="{cls}" id="neuron-{l}-{j}" tabindex="0" role="button" '
            f'aria-pressed="{"true" if j == selected else "false"}" '
            f'aria-label="{label}{" · " if label else ""}[{l}] #{j + 1}: '
            f'{escape(" · ".join(title))}" '
            f'data-layer="{l}" data-index="{j}" '
            f'data-value="{"" if a is None else repr(float(a[j]))}" '
            f'data-delta="{"" if delta is None else repr(float(delta[j]))}" '
            f'data-z="{"" if z is None else repr(float(z[j]))}">'
            f'<circle cx="{x}" cy="{y}" r="{RADIUS}" fill="{fill}"></circle>'
            f'<text x="{x}" y="{y}" dy="0.35em" text-anchor="middle" fill="{ink}"{size}>{label}'
            "</text>"
            f'<title>{escape(" · ".join(title))}</title></g>')
    return nodes


def _strokes(values: np.ndarray | None, scale: Scale, pending: bool):
    """(colours, widths, values) per entry, flattened; None (thin grey lines) for values not
    computed yet."""
    if pending or values is None:
        return None
    widths = np.round(0.6 + 4.4 * np.abs(scale.positions(values)), 2).ravel().tolist()
    return scale.line_colors(values), widths, np.asarray(values, dtype=float).ravel().tolist()


def _layer_edges(l, geo: _Geometry, w, b, dw, db, scale: Scale, show_grad: bool,
                 pending: bool) -> list[str]:
    """One <line> per weight and per bias into layer l: the fixed part of each (geometry and
    names, the same for every step) joined once per layout, the values and colours per call."""
    w_style = _strokes(dw if show_grad else w, scale, pending)
    b_style = _strokes(db if show_grad else b, scale, pending)
    n_out, n_in = w.shape
    w_vals, b_vals = w.ravel().tolist(), b.ravel().tolist()
    dw_vals = None if dw is None else dw.ravel().tolist()
    db_vals = None if db is None else db.ravel().tolist()
    out = []
    for j, weights, bias in _edge_layout(geo, l, n_in):
        for flat, head in weights:
            out.append(_line(head, w_vals[flat], None if dw_vals is None else dw_vals[flat],
                             w_style, flat))
        out.append(_line(bias, b_vals[j], None if db_vals is None else db_vals[j], b_style, j))
    return out


@functools.lru_cache(maxsize=64)
def _edge_layout(geo: _Geometry, l: int, n_in: int) -> list[tuple[int, list, str]]:
    """Per drawn unit j of layer l: (j, [(flat index of W[j, k], fixed markup)], bias markup)."""
    x1, x2 = geo.x(l - 1) + RADIUS, geo.x(l) - RADIUS
    sources = geo.slots(l - 1)
    layout = []
    for slot, j in geo.slots(l):
        y2 = geo.y(l, slot)
        weights = [(j * n_in + k,
                    f'" x1="{x1}" y1="{geo.y(l - 1, slot0)}" x2="{x2}" '
                    f'y2="{y2}" data-layer="{l}" data-row="{j}" data-col="{k}" '
                    f'data-name="W[{l}]_{j + 1},{k + 1}" ')
                   for slot0, k in sources]
        bias = (f' bias" x1="{geo.x(l - 1)}" y1="{BIAS_Y}" x2="{x2}" '
                f'y2="{y2}" data-layer="{l}" data-row="{j}" data-col="bias" '
                f'data-name="b[{l}]_{j + 1}" ')
        layout.append((j, weights, bias))
    return layout


def _line(head: str, w: float, dw: float | None, style, flat: int) -> str:
    """One edge; `head` is its fixed markup from just after `class="edge`. A negative value
    (the one drawn: W, or dW while gradients show) is dashed as well as orange (class neg)."""
    if style is None:
        stroke, width, shown = PENDING_STROKE, 0.6, 0.0
    else:
        stroke, width, shown = style[0][flat], style[1][flat], style[2][flat]
    # The hover text is built in the browser from data-name/-value/-grad: less to send.
    return (f'<line class="edge{" neg" if shown < 0 else ""}{head}stroke="{stroke}" '
            f'stroke-width="{width}" data-value="{w!r}" '
            f'data-grad="{"" if dw is None else repr(dw)}"></line>')
