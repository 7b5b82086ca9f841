"""The output plane of a 2-input network: its output over the input plane as a PNG, the data on
top (a marker shape per class), the per-unit maps of the hidden layers, axes and colour key."""

from __future__ import annotations

import itertools

import numpy as np
from markupsafe import Markup

from ...engine import Stepper
from ...engine.evaluate import forward, grid
from ..fmt import num
from ..palette import LEGEND_GRADIENT, Scale
from .numtext import _ticks
from .pixels import (
    _CLASS_COLOR_ARRAY,
    CLASS_COLORS,
    CLASS_RGB,
    MARKERS,
    _finite,
    _maps_rows,
    diverging_image,
)
from .png import _png_uri, png_data_uri

HIDDEN_MAP_RESOLUTION = 28  # the per-unit maps are drawn 56 px wide
# The per-unit maps are stored, not deflated: 2.4 KB each instead of ~1.2 KB, but deflating
# them was half the cost of rebuilding the panel. The larger boundary image stays deflated.
HIDDEN_MAP_ZLIB_LEVEL = 0
MAX_DATA_POINTS = 600  # data points drawn per split
# The class markers of the output plane, drawn once (<use href="#mark-k">) and centred on 0, 0.
MARKER_DEFS = Markup(
    '<defs><circle id="mark-0" r="3.6"></circle><rect id="mark-1" x="-3.3" y="-3.3" '
    'width="6.6" height="6.6"></rect><path id="mark-2" d="M0 -4.4L4 2.8H-4Z"></path>'
    '<path id="mark-3" d="M0 -4.6L4.6 0L0 4.6L-4.6 0Z"></path></defs>')


_CIRCLE = {False: '<circle cx="{}" cy="{}" r="{}" class="train" fill="{}"></circle>'.format,
           True: '<circle cx="{}" cy="{}" r="{}" class="test" fill="none" stroke="{}">'
                 "</circle>".format}
_MARK = {False: '<use href="#mark-{}" x="{}" y="{}" class="train" fill="{}"></use>'.format,
         True: '<use href="#mark-{}" x="{}" y="{}" class="test" fill="none" stroke="{}"></use>'
               .format}


def _data_points(xs: list[str], ys: list[str], colors: list[str], test: bool,
                 r: str, classes: list[int] | None = None) -> tuple[list[dict], str]:
    """Drawn data points from their coordinates as text: the values and the <circle> elements
    (train filled, test hollow), or with `classes` a marker of the class's shape each (MARKER_DEFS);
    numbers and fixed colours, nothing to escape."""
    points = [{"x": float(a), "y": float(b), "test": test, "color": c}
              for a, b, c in zip(xs, ys, colors, strict=True)]
    if classes is not None:
        shapes = [k % MARKERS for k in classes]
        return points, "".join(map(_MARK[test], shapes, xs, ys, colors))
    return points, "".join(map(_CIRCLE[test], xs, ys, itertools.repeat(r), colors))


def boundary_data(X_all, labels, resolution: int = 56, test_X=None, test_labels=None) -> dict:
    """What the boundary plot takes from the data alone (the same for every set of parameters):
    the input grid and its box, the data points, and their markup."""
    points, box = grid(X_all if test_X is None else np.hstack([X_all, test_X]), resolution)
    size = 260
    drawn, svg = [], []
    for X, lab, test in ((X_all, labels, False), (test_X, test_labels, True)):
        if X is None:
            continue
        X, lab = X[:, :MAX_DATA_POINTS], np.asarray(lab[:MAX_DATA_POINTS]).astype(int)
        m = min(X.shape[1], len(lab))
        sx = (X[0, :m] - box[0]) / (box[1] - box[0]) * size
        sy = (1 - (X[1, :m] - box[2]) / (box[3] - box[2])) * size
        colors = _CLASS_COLOR_ARRAY[lab[:m] % len(CLASS_COLORS)].tolist()
        # f"{v:.1f}" is the text of round(v, 1)
        part, html = _data_points(list(map("{:.1f}".format, sx.tolist())),
                                  list(map("{:.1f}".format, sy.tolist())), colors, test, "3.6",
                                  lab[:m].tolist())
        drawn += part
        svg.append(html)
    return {"grid": points, "box": box, "resolution": resolution, "size": size,
            "points": drawn, "points_svg": MARKER_DEFS + Markup("".join(svg)),
            "box_labels": [num(v, 3) for v in box]}


FLAT_SPREAD = 0.05  # a map whose a varies by less than this share of its max |a| looks flat


def _hidden_maps(spec, acts: list[np.ndarray], resolution: int) -> tuple[list[dict], Markup]:
    """The small map of each hidden unit (at most 8 per layer), each on its own colour scale,
    one row per layer named a[l], each tile numbered as its unit. "flat" marks a map whose a
    varies by less than FLAT_SPREAD of its largest |a|: on its scale it shows as one colour."""
    step = max(1, resolution // HIDDEN_MAP_RESOLUTION)  # small maps: every other grid point
    units = [(l, j) for l in range(1, spec.depth) for j in range(min(spec.layers[l], 8))]
    if not units:
        return [], Markup("")
    maps = np.concatenate([acts[l][:min(spec.layers[l], 8)] for l in range(1, spec.depth)])
    maps = maps.reshape(-1, resolution, resolution)[:, ::step, ::step]
    rows = _maps_rows(maps)
    finite = _finite(maps)
    top = np.abs(finite).max(axis=(1, 2))
    spread = finite.max(axis=(1, 2)) - finite.min(axis=(1, 2))
    flat = (spread <= FLAT_SPREAD * top).tolist()
    hidden = [{"layer": l, "index": j, "src": _png_uri(r, HIDDEN_MAP_ZLIB_LEVEL), "flat": f}
              for (l, j), r, f in zip(units, rows, flat, strict=True)]
    html = []
    for l, tiles in itertools.groupby(hidden, key=lambda h: h["layer"]):
        cells = "".join(
            f'<figure class="tile{" flat" * h["flat"]}"><img src="{h["src"]}" width="56" '
            f'height="56" alt="[{l}] #{h["index"] + 1}" title="a[{l}]_{h["index"] + 1}">'
            f'<figcaption>{h["index"] + 1}</figcaption></figure>' for h in tiles)
        more = spec.layers[l] - min(spec.layers[l], 8)
        html.append(f'<div class="map-layer" data-layer="{l}"><span class="map-layer-name">'
                    f'a<sup>[{l}]</sup></span><div class="map-tiles">{cells}'
                    + (f'<span class="muted small">+{more}</span>' if more else "")
                    + "</div></div>")  # base64 and numbers: nothing to escape
    return hidden, Markup("".join(html))


def boundary_view(stepper: Stepper, params, X_all, labels, resolution: int = 56,
                  test_X=None, test_labels=None) -> dict | None:
    """The network's output over the input plane (2-D inputs), with the data on top."""
    if stepper.spec.layers[0] != 2:
        return None
    return boundary_plot(stepper, params,
                         boundary_data(X_all, labels, resolution, test_X, test_labels))


def boundary_plot(stepper: Stepper, params, data: dict) -> dict:
    """boundary_view() for 2-D inputs, from the data's part made beforehand by boundary_data()."""
    spec = stepper.spec
    resolution = data["resolution"]
    acts = forward(spec, params, data["grid"])
    out = acts[-1]
    if not np.isfinite(out).all():  # overflowed parameters: say so rather than draw garbage
        return {"src": "", "size": 260, "points": [], "points_svg": Markup(""), "hidden": [],
                "hidden_html": Markup(""), "box": [], "overflow": True}
    if out.shape[0] == 1:
        image = diverging_image(2 * out[0].reshape(resolution, resolution) - 1, Scale(1.0))
    else:
        classes = out.argmax(axis=0)
        confidence = out.max(axis=0)
        base = CLASS_RGB[classes % len(CLASS_COLORS)]
        strength = ((confidence - 1 / out.shape[0]) / (1 - 1 / out.shape[0]))[:, None]
        mixed = 247 + (base - 247) * (0.25 + 0.55 * strength)
        image = mixed.reshape(resolution, resolution, 3).astype(np.uint8)
    hidden, hidden_html = _hidden_maps(spec, acts, resolution)
    return {"src": png_data_uri(image), "size": data["size"], "overflow": False,
            "points": data["points"], "points_svg": data["points_svg"],
            "hidden": hidden, "hidden_html": hidden_html, "box": data["box_labels"],
            "flat": sum(h["flat"] for h in hidden), "axes": plane_axes(data["box"], data["size"]),
            "key": plane_key(out.shape[0])}


PLANE_MARGIN = {"left": 40, "top": 8, "right": 10, "bottom": 34}


def plane_axes(box, size: int) -> dict:
    """Ticks of the input plane's two axes: x1 across (left to right), x2 up, in the drawing's
    pixels inside PLANE_MARGIN."""
    x_lo, x_hi, y_lo, y_hi = (float(v) for v in box)
    m = PLANE_MARGIN
    x_ticks = [{"at": round(m["left"] + (v - x_lo) / (x_hi - x_lo) * size, 1), "label": num(v, 3)}
               for v in _ticks(x_lo, x_hi, 4) if x_lo <= v <= x_hi]
    y_ticks = [{"at": round(m["top"] + (1 - (v - y_lo) / (y_hi - y_lo)) * size, 1),
                "label": num(v, 3)} for v in _ticks(y_lo, y_hi, 4) if y_lo <= v <= y_hi]
    bottom, left = m["top"] + size, m["left"]
    marks = "".join(f"M{t['at']} {bottom}v4" for t in x_ticks) + "".join(
        f"M{left - 4} {t['at']}h4" for t in y_ticks)  # one path: the tick marks of both axes
    return {"x": x_ticks, "y": y_ticks, "marks": marks, "width": m["left"] + size + m["right"],
            "height": m["top"] + size + m["bottom"], "left": m["left"], "top": m["top"],
            "bottom": m["top"] + size, "right": m["left"] + size}


def plane_key(outputs: int) -> dict:
    """What the plane's colours mean: one output's value a from 0 (orange) through 0.5 (white)
    to 1 (blue); or, with several outputs, the colour of the largest one, paler where less sure."""
    if outputs == 1:
        return {"kind": "value", "gradient": LEGEND_GRADIENT,
                "ticks": [{"offset": 25 * k, "label": num(k / 4, 2)} for k in range(5)],
                "class_colors": CLASS_COLORS[:2]}
    return {"kind": "classes", "classes": [{"color": CLASS_COLORS[k % len(CLASS_COLORS)],
                                            "label": str(k + 1)} for k in range(outputs)]}

