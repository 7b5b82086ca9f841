"""Charts as plain values: the loss curve, the decision boundary and per-neuron maps (PNG heatmaps
made here with zlib, no imaging library), the fitted curve of a 1-D regression, gradient sizes."""

from __future__ import annotations

import base64
import json
import math
import struct
import zlib

import numpy as np

from ..engine import Stepper
from ..engine.evaluate import forward, grid
from .fmt import num
from .palette import NEGATIVE_LUT, POSITIVE_LUT, Scale

HIDDEN_MAP_RESOLUTION = 28  # the per-unit maps are drawn 56 px wide
MAX_POINTS = 400  # a curve is drawn from at most this many points (min and max kept per bucket)
CLASS_COLORS = ("#e08214", "#2166ac", "#1b9e77", "#7570b3", "#d95f02", "#e7298a", "#66a61e",
                "#a6761d", "#666666", "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6", "#ffff99",
                "#8dd3c7", "#bebada")


def png_data_uri(rgb: np.ndarray) -> str:
    """An (h, w, 3) uint8 image as a data: URI holding a PNG."""
    h, w, _ = rgb.shape
    # Filter byte 0 before every row, built in one array operation.
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rgb.reshape(h, w * 3)], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _hex_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


POS_RGB = np.array([_hex_rgb(c) for c in POSITIVE_LUT[0]], dtype=np.uint8)
NEG_RGB = np.array([_hex_rgb(c) for c in NEGATIVE_LUT[0]], dtype=np.uint8)
SIGNED_RGB = np.concatenate([NEG_RGB, POS_RGB])


def diverging_image(values: np.ndarray, scale: Scale) -> np.ndarray:
    """Colour every value of an (h, w) array with the diverging palette: (h, w, 3) uint8."""
    t = scale.positions(values)
    index = np.rint(np.abs(t) * (len(POS_RGB) - 1)).astype(np.intp)
    # One table, negative half first: a single take instead of two lookups and a where.
    signed = np.where(t < 0, index, index + len(POS_RGB))
    return SIGNED_RGB[signed]


def _downsample(series: list[list[float]]) -> list[tuple[int, ...]]:
    """[(iteration, v1, v2 …)], at most ~MAX_POINTS rows, keeping each bucket's extremes."""
    n = len(series[0])
    if n <= MAX_POINTS:
        return [(i, *(s[i] for s in series)) for i in range(n)]
    rows = []
    step = n / (MAX_POINTS / 2)
    for b in range(int(MAX_POINTS / 2)):
        lo, hi = int(b * step), min(n, int((b + 1) * step))
        if lo >= hi:
            continue
        first = series[0][lo:hi]
        for i in sorted({lo + int(np.argmin(first)), lo + int(np.argmax(first))}):
            rows.append((i, *(s[i] for s in series)))
    return rows


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.ceil(lo / step) * step
    return [start + k * step for k in range(int((hi - start) / step) + 1)]


def line_chart(series: dict[str, list[float]], width: int = 320, height: int = 180,
               log: bool = False) -> dict | None:
    """Polylines of one value per iteration (1-based on the x axis), with axes and hover data."""
    names = [k for k, v in series.items() if v]
    if not names:
        return None
    n = max(len(series[k]) for k in names)
    values = [list(series[k]) + [math.nan] * (n - len(series[k])) for k in names]
    if log:
        values = [[math.log10(v) if v > 0 else math.nan for v in vs] for vs in values]
    finite = [v for vs in values for v in vs if math.isfinite(v)]
    if not finite:
        return None
    lo, hi = min(finite), max(finite)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    left, right, top, bottom = 48, 8, 8, 22
    pw, ph = width - left - right, height - top - bottom

    def x(i: float) -> float:
        return left + (pw * i / max(n - 1, 1))

    def y(v: float) -> float:
        return top + ph * (1 - (v - lo) / (hi - lo))

    rows = _downsample(values)
    lines = []
    for k, name in enumerate(names):
        pts = " ".join(f"{x(r[0]):.1f},{y(r[k + 1]):.1f}" for r in rows if math.isfinite(r[k + 1]))
        lines.append({"name": name, "points": pts, "last": num(series[name][-1])})
    y_ticks = [{"y": round(y(v), 1), "label": num(10 ** v if log else v, 3)}
               for v in _ticks(lo, hi)]
    x_ticks = [{"x": round(x(i - 1), 1), "label": str(int(i))}
               for i in _ticks(1, n) if 1 <= i <= n and float(i).is_integer()]
    hover = [[r[0] + 1] + [None if not math.isfinite(v) else (10 ** v if log else v)
                           for v in r[1:]] for r in rows]
    return {"width": width, "height": height, "lines": lines, "y_ticks": y_ticks,
            "x_ticks": x_ticks, "left": left, "top": top, "plot_w": pw, "plot_h": ph,
            "names": names, "hover": json.dumps({"names": names, "rows": hover,
                                                 "x0": left, "xw": pw, "n": n})}


def boundary_view(stepper: Stepper, params, X_all, labels, resolution: int = 56,
                  test_X=None, test_labels=None) -> dict | None:
    """The network's output over the input plane (2-D inputs), with the data on top."""
    spec = stepper.spec
    if spec.layers[0] != 2:
        return None
    points, box = grid(X_all if test_X is None else np.hstack([X_all, test_X]), resolution)
    acts = forward(spec, params, points)
    out = acts[-1]
    if not np.isfinite(out).all():  # overflowed parameters: say so rather than draw garbage
        return {"src": "", "size": 260, "points": [], "hidden": [], "box": [], "overflow": True}
    if out.shape[0] == 1:
        image = diverging_image(2 * out[0].reshape(resolution, resolution) - 1, Scale(1.0))
    else:
        classes = out.argmax(axis=0)
        confidence = out.max(axis=0)
        base = np.array([_hex_rgb(CLASS_COLORS[c % len(CLASS_COLORS)]) for c in classes], float)
        strength = ((confidence - 1 / out.shape[0]) / (1 - 1 / out.shape[0]))[:, None]
        mixed = 247 + (base - 247) * (0.25 + 0.55 * strength)
        image = mixed.reshape(resolution, resolution, 3).astype(np.uint8)
    size = 260

    def place(X, lab, test: bool) -> list[dict]:
        if X is None:
            return []
        sx = (X[0] - box[0]) / (box[1] - box[0]) * size
        sy = (1 - (X[1] - box[2]) / (box[3] - box[2])) * size
        return [{"x": round(float(a), 1), "y": round(float(b), 1), "test": test,
                 "color": CLASS_COLORS[int(c) % len(CLASS_COLORS)]}
                for a, b, c in zip(sx[:600], sy[:600], lab[:600], strict=False)]

    hidden = []
    step = max(1, resolution // HIDDEN_MAP_RESOLUTION)  # small maps: every other grid point
    for l in range(1, spec.depth):
        for j in range(min(spec.layers[l], 8)):
            a = acts[l][j].reshape(resolution, resolution)[::step, ::step]
            hidden.append({"layer": l, "index": j,
                           "src": png_data_uri(diverging_image(a, Scale.for_values(a)))})
    return {"src": png_data_uri(image), "size": size, "overflow": False,
            "points": place(X_all, labels, False) + place(test_X, test_labels, True),
            "hidden": hidden, "box": [num(v, 3) for v in box]}


def regression_view(stepper: Stepper, params, X, Y, test_X=None, test_Y=None) -> dict | None:
    """The fitted curve of a 1-input, 1-output network over its data."""
    spec = stepper.spec
    if spec.layers[0] != 1 or spec.layers[-1] != 1:
        return None
    xs_all = X[0] if test_X is None else np.concatenate([X[0], test_X[0]])
    ys_all = Y[0] if test_Y is None else np.concatenate([Y[0], test_Y[0]])
    lo, hi = float(xs_all.min()), float(xs_all.max())
    grid_x = np.linspace(lo, hi, 120)[None, :]
    fit = forward(spec, params, grid_x)[-1][0]
    if not np.isfinite(fit).all():  # overflowed parameters: say so rather than draw garbage
        return {"width": 260, "height": 200, "curve": "", "points": [], "overflow": True}
    y_lo = float(min(ys_all.min(), fit.min()))
    y_hi = float(max(ys_all.max(), fit.max()))
    if y_hi - y_lo < 1e-9:
        y_lo, y_hi = y_lo - 1, y_hi + 1
    w, h = 260, 200

    def sx(v):
        return (v - lo) / (hi - lo + 1e-12) * (w - 20) + 10

    def sy(v):
        return (1 - (v - y_lo) / (y_hi - y_lo)) * (h - 20) + 10

    return {"width": w, "height": h, "overflow": False,
            "curve": " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in zip(grid_x[0], fit,
                                                                           strict=True)),
            "points": [{"x": round(sx(a), 1), "y": round(sy(b), 1), "test": False}
                       for a, b in zip(X[0][:600], Y[0][:600], strict=False)]
            + ([] if test_X is None else
               [{"x": round(sx(a), 1), "y": round(sy(b), 1), "test": True}
                for a, b in zip(test_X[0][:600], test_Y[0][:600], strict=False)])}

