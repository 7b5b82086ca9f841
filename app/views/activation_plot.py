"""An activation g and its derivative g' as a small SVG, the current z values marked on both
(note 002 draws σ and tanh with their derivatives)."""

from __future__ import annotations

import numpy as np
from markupsafe import Markup, escape

from ..engine import ACTIVATIONS
from .fmt import num

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 280, 150, 30, 10, 10, 22
SAMPLES = 41  # points per curve: smooth at this size, and a light response


def _span(z: np.ndarray) -> float:
    """Half-width of the z axis: at least 4, enough for the values marked (at most 10)."""
    finite = z[np.isfinite(z)]
    return float(min(10.0, max(4.0, np.max(np.abs(finite)) * 1.1 if finite.size else 4.0)))


def activation_plot(name: str, z: np.ndarray, t) -> Markup | None:
    """g (solid) and g' (dashed) over z in [−s, s], with a dot on each at every value of `z`
    (the units of one example); None for softmax (not element-wise)."""
    act = ACTIVATIONS[name]
    if act.derivative is None:
        return None
    z = np.asarray(z, dtype=float).ravel()[:32]
    span = _span(z)
    grid = np.linspace(-span, span, SAMPLES)[None, :]
    g = act.forward(grid)
    d = act.derivative(grid, g)
    marked = np.clip(z, -span, span)[None, :]
    g_at, d_at = act.forward(marked), act.derivative(marked, act.forward(marked))
    low = float(min(g.min(), d.min(), 0.0))
    high = float(max(g.max(), d.max(), 1.0))

    def sx(v):
        return PAD_L + (v + span) / (2 * span) * (W - PAD_L - PAD_R)

    def sy(v):
        return PAD_T + (high - v) / (high - low) * (H - PAD_T - PAD_B)

    def path(ys) -> str:
        return " ".join(f"{sx(x):.0f},{sy(y):.1f}" for x, y in zip(grid[0], ys[0], strict=True))

    parts = [f'<svg class="activation-plot" viewBox="0 0 {W} {H}" role="img" '
             f'aria-label="{escape(t("plot_label", g=name))}" data-activation="{name}">',
             f'<line class="axis" x1="{PAD_L}" x2="{W - PAD_R}" y1="{sy(0):.1f}" y2="{sy(0):.1f}">'
             f'</line><line class="axis" x1="{sx(0):.1f}" x2="{sx(0):.1f}" y1="{PAD_T}" '
             f'y2="{H - PAD_B}"></line>',
             f'<polyline class="g" points="{path(g)}"></polyline>',
             f'<polyline class="g-prime" points="{path(d)}"></polyline>',
             f'<text x="{PAD_L - 4}" y="{sy(high) + 8:.1f}" text-anchor="end">'
             f'{num(high, 2)}</text>',
             f'<text x="{PAD_L - 4}" y="{sy(low):.1f}" text-anchor="end">{num(low, 2)}</text>',
             f'<text x="{PAD_L}" y="{H - 6}">z = −{num(span, 2)}</text>',
             f'<text x="{W - PAD_R}" y="{H - 6}" text-anchor="end">{num(span, 2)}</text>']
    for k, (zk, gk, dk) in enumerate(zip(marked[0], g_at[0], d_at[0], strict=True)):
        parts.append(f'<circle class="at-g" cx="{sx(zk):.1f}" cy="{sy(gk):.1f}" r="3.5" '
                     f'data-z="{float(z[k])!r}"><title>z{k + 1} = {num(float(z[k]))}: '
                     f'g = {num(float(gk))}, g\' = {num(float(dk))}</title></circle>'
                     f'<circle class="at-g-prime" cx="{sx(zk):.1f}" cy="{sy(dk):.1f}" r="3.5">'
                     f'</circle>')
    parts.append("</svg>")
    return Markup("".join(parts))
