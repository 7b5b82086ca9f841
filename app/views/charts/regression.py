"""The fitted curve of a 1-input, 1-output network over its data."""

from __future__ import annotations

import numpy as np
from markupsafe import Markup

from ...engine import Stepper
from ...engine.evaluate import forward
from .numtext import format_pairs
from .pixels import CLASS_COLORS
from .plane import MAX_DATA_POINTS, _data_points


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
        return {"width": 260, "height": 200, "curve": "", "points": [],
                "points_svg": Markup(""), "overflow": True}
    y_lo = float(min(ys_all.min(), fit.min()))
    y_hi = float(max(ys_all.max(), fit.max()))
    if y_hi - y_lo < 1e-9:
        y_lo, y_hi = y_lo - 1, y_hi + 1
    w, h = 260, 200

    def sx(v):
        return (v - lo) / (hi - lo + 1e-12) * (w - 20) + 10

    def sy(v):
        return (1 - (v - y_lo) / (y_hi - y_lo)) * (h - 20) + 10

    points, svg = [], []
    for xs, ys, test in ((X, Y, False), (test_X, test_Y, True)):
        if xs is None:
            continue
        m = min(len(xs[0]), len(ys[0]), MAX_DATA_POINTS)
        # The text of round(np.float64, 1), NumPy's rounding, as the page has always shown.
        part, html = _data_points(list(map(repr, np.round(sx(xs[0][:m]), 1).tolist())),
                                  list(map(repr, np.round(sy(ys[0][:m]), 1).tolist())),
                                  [CLASS_COLORS[0]] * m, test, "3")
        points += part
        svg.append(html)
    return {"width": w, "height": h, "overflow": False,
            "curve": format_pairs(sx(grid_x[0]), sy(fit)),
            "points": points, "points_svg": Markup("".join(svg))}
