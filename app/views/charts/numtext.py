"""Number text for the charts without a Python loop: SVG coordinates with one decimal put
together from a table, and the round axis ticks."""

from __future__ import annotations

import itertools
import math

import numpy as np


def _tenths_table(count: int) -> tuple[np.ndarray, np.ndarray]:
    """f"{k / 10:.1f}" for k < count as right-aligned bytes with a keep-mask (leading blanks off),
    and one more column for the separator that follows a number."""
    k = np.arange(count)
    width = len(str((count - 1) // 10)) + 2
    text = np.zeros((count, width + 1), np.uint8)
    keep = np.ones(text.shape, bool)
    text[:, width - 1] = ord("0") + k % 10
    text[:, width - 2] = ord(".")
    whole = k // 10
    for j in range(width - 3, -1, -1):
        text[:, j] = ord("0") + whole % 10
        keep[:, j] = (k // 10) >= 10 ** (width - 3 - j)
        whole //= 10
    keep[:, width - 3] = True  # the units digit, 0 included
    return text, keep


_TENTHS_TEXT, _TENTHS_KEEP = _tenths_table(10_000)  # 0.0 … 999.9: every chart coordinate
_TENTHS_SIZE = _TENTHS_KEEP.sum(axis=1)  # bytes written per number, separator included
_SMALL = 32  # fewer points than this: Python's own loop is as quick


def polyline_points(xs, ys, counts: list[int]) -> list[str]:
    """Consecutive runs of `counts` points (xs, ys flat), each as "x,y x,y …" with one decimal:
    exactly " ".join(f"{x:.1f},{y:.1f}" …) per run. When every number is in 0 ≤ v < 999.9 (the
    charts' range) the text is put together from a table, for all runs at once."""
    xs, ys = np.asarray(xs, float).ravel(), np.asarray(ys, float).ravel()
    total = len(xs)
    values = np.empty(2 * total)
    values[0::2], values[1::2] = xs, ys  # x0 y0 x1 y1 …
    if total < _SMALL or np.signbit(values).any() or not values.max() < 999.9:  # NaN too
        bounds = np.cumsum([0, *counts]).tolist()
        return [" ".join(map("{:.1f},{:.1f}".format, xs[a:b].tolist(), ys[a:b].tolist()))
                for a, b in itertools.pairwise(bounds)]
    t = values * 10
    tenths = np.rint(t)
    # f-strings round the exact binary value; t = v·10 is itself rounded, which can only matter
    # when the tenths land (almost) exactly half-way: those few values Python formats itself.
    tie = np.abs(t - tenths) > 0.5 - 1e-6
    if tie.any():
        tenths[tie] = [float(f"{v:.1f}".replace(".", "")) for v in values[tie].tolist()]
    index = tenths.astype(np.intp)
    text, keep = _TENTHS_TEXT[index], _TENTHS_KEEP[index]
    text[0::2, -1], text[1::2, -1] = ord(","), ord(" ")  # "," after x, " " after y
    whole = text[keep].tobytes().decode("ascii")
    size = _TENTHS_SIZE[index]
    ends = np.cumsum(size[0::2] + size[1::2])[np.cumsum(counts) - 1].tolist()  # after a run
    out, start = [], 0
    for count, end in zip(counts, ends, strict=True):
        if count:
            out.append(whole[start:end - 1])  # without the space after its last point
            start = end
        else:
            out.append("")
    return out


def format_pairs(xs, ys) -> str:
    """"x,y x,y …" with one decimal each: exactly " ".join(f"{x:.1f},{y:.1f}" …)."""
    return polyline_points(xs, ys, [np.size(xs)])[0]


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.ceil(lo / step) * step
    return [start + k * step for k in range(int((hi - start) / step) + 1)]
