"""The line chart: one value per iteration per series (loss, accuracy, gradient sizes), with
axes, hover data, a legend and a table of values."""

from __future__ import annotations

import numpy as np
import orjson
from markupsafe import Markup, escape

from ..fmt import num
from .numtext import _ticks, polyline_points
from .pixels import MARKERS

MAX_POINTS = 400  # a curve is drawn from at most this many points (min and max kept per bucket)
SERIES_COLORS = ("#2166ac", "#b35806", "#1b7e62", "#7570b3", "#d95f02", "#c51b7d", "#4d9221")
SERIES_DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 2", "1 2", "10 4")


def _bucket_first(values: np.ndarray, starts: np.ndarray, bucket: np.ndarray,
                  ufunc: np.ufunc) -> np.ndarray:
    """Per bucket (from each start to the next, the last to the end), the index of its first
    minimum or maximum (ufunc), NaN winning as with np.argmin / np.argmax."""
    best = ufunc.reduceat(values, starts)[bucket]  # NaN if the bucket holds one
    hit = values == best
    if np.isnan(best).any():
        hit |= np.isnan(values) & np.isnan(best)
    hits = np.flatnonzero(hit)
    return hits[np.searchsorted(hits, starts)]


def _downsample(first: np.ndarray) -> np.ndarray:
    """Iterations (0-based) to draw, at most ~MAX_POINTS, keeping each bucket's extremes of the
    first series."""
    n = len(first)
    if n <= MAX_POINTS:
        return np.arange(n)
    buckets = MAX_POINTS // 2
    edges = (np.arange(buckets + 1) * (n / buckets)).astype(np.intp)  # int(b · n/B), b ≤ B
    seen = first[:min(n, int(edges[-1]))]
    starts = edges[:-1]  # n > MAX_POINTS: every bucket holds at least two iterations
    bucket = np.repeat(np.arange(buckets), np.diff(starts, append=len(seen)))
    a = _bucket_first(seen, starts, bucket, np.minimum)
    b = _bucket_first(seen, starts, bucket, np.maximum)
    rows = np.empty(2 * buckets, np.intp)  # per bucket its two extremes in order: all sorted
    rows[0::2], rows[1::2] = np.minimum(a, b), np.maximum(a, b)
    keep = np.ones(len(rows), bool)
    keep[1::2] = a != b  # one row when one iteration is both
    return rows[keep]



def _hover_json(names: list[str], iterations: np.ndarray, values: np.ndarray, x0: int, xw: int,
                n: int) -> str:
    """{"names", "rows": [[iteration, value per series (null where not drawn)], …], "x0", "xw",
    "n"}: the values themselves, not 10^log10(v). orjson writes the (series, rows) array in one
    go; each row then gets its iteration number in front."""
    table = orjson.dumps(np.ascontiguousarray(values.T),
                         option=orjson.OPT_SERIALIZE_NUMPY).decode()  # [[v, …], …], NaN: null
    rows = ",".join(map("[{},{}]".format, iterations.tolist(), table[2:-2].split("],[")))
    head = orjson.dumps({"names": names}).decode()[:-1]
    return f'{head},"rows":[{rows}],"x0":{x0},"xw":{xw},"n":{n}}}'


def line_chart(series: dict, width: int = 320, height: int = 180,
               log: bool = False, marker: int | None = None, labelledby: str = "",
               styles: dict[str, int] | None = None, runs: dict[str, str] | None = None
               ) -> dict | None:
    """Polylines of one value per iteration (1-based on the x axis), with axes and hover data;
    "svg" is the whole chart as markup, named by the elements `labelledby` lists; "key_html" the
    series' names, each after a sample of its line and marker; "table" a few of the values as
    text (table_rows). `marker` (an iteration, 1-based) draws a vertical line there with a dot
    on each series: the iteration the page is viewing. `styles` gives a series its look (colour,
    dash, marker: s0…s6) whatever its place, so a run keeps its look when another series is
    empty; `runs` names the run a series belongs to (data-run, e.g. "pinned")."""
    names = [k for k, v in series.items() if len(v)]
    if not names:
        return None
    looks = [(styles or {}).get(name, k) for k, name in enumerate(names)]
    run_attr = [f' data-run="{escape(runs[name])}"' if runs and name in runs else ""
                for name in names]
    n = max(len(series[k]) for k in names)
    raw = np.full((len(names), n), np.nan)
    for row, name in zip(raw, names, strict=True):
        given = series[name]
        row[:len(given)] = given if isinstance(given, np.ndarray) else np.fromiter(
            given, float, count=len(given))
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.log10(np.where(raw > 0, raw, np.nan))
    else:
        values = raw
    finite = np.isfinite(values)
    if not finite.any():
        return None
    lo, hi = float(values[finite].min()), float(values[finite].max())
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    tick_values = _ticks(lo, hi)
    tick_labels = [num(10 ** v if log else v, 3) for v in tick_values]
    # Room for the longest y label (~6.5 px a character at the charts' 11.5 px): 1.5e184 too.
    left = max(48, round(10 + 6.5 * max(map(len, tick_labels), default=0)))
    right, top, bottom = 8, 8, 22
    pw, ph = width - left - right, height - top - bottom

    def x(i: float) -> float:
        return left + (pw * i / max(n - 1, 1))

    def y(v: float) -> float:
        return top + ph * (1 - (v - lo) / (hi - lo))

    if runs:  # runs of different lengths: each keeps its own extremes
        lengths = [len(series[name]) for name in names]
        rows = np.unique(np.concatenate([_downsample(values[j, :lengths[j]])
                                         for j in range(len(names))]))
    else:
        rows = _downsample(values[0])
    if len(rows) == n:  # every iteration drawn
        drawn, drawn_finite, drawn_raw = values, finite, raw
    else:
        drawn, drawn_finite, drawn_raw = values[:, rows], finite[:, rows], raw[:, rows]
    xs = left + (pw * rows / max(n - 1, 1))  # x() and y() over whole arrays
    ys = top + ph * (1 - (drawn - lo) / (hi - lo))
    every = bool(drawn_finite.all())
    if every:
        points = polyline_points(np.tile(xs, len(names)), ys, [len(rows)] * len(names))
    else:
        points = polyline_points(np.broadcast_to(xs, ys.shape)[drawn_finite], ys[drawn_finite],
                                 drawn_finite.sum(axis=1).tolist())
    lines = [{"name": name, "points": text, "last": num(float(series[name][-1]))}
             for name, text in zip(names, points, strict=True)]
    # Each series' latest drawn point gets a dot: the value now, and a visible mark while a
    # series has a single point (a one-point polyline draws nothing).
    ends = []
    for k, row in enumerate(drawn_finite):
        at = np.flatnonzero(row)
        if len(at):
            ends.append(end_marker(looks[k], float(xs[at[-1]]), float(ys[k, at[-1]])))
    y_ticks = [{"y": round(y(v), 1), "label": label}
               for v, label in zip(tick_values, tick_labels, strict=True)]
    x_ticks = [{"x": round(x(i - 1), 1), "label": str(int(i))}
               for i in _ticks(1, n) if 1 <= i <= n and float(i).is_integer()]
    hover = _hover_json(names, rows + 1, drawn_raw if every else np.where(
        drawn_finite, drawn_raw, np.nan), left, pw, n)
    label = f' aria-labelledby="{escape(labelledby)}"' if labelledby else ""
    svg = "\n  ".join((
        f'<svg viewBox="0 0 {width} {height}" class="line-chart" role="img"{label} '
        f'data-hover="{escape(hover)}">',
        # Colours of the frame, gridlines, labels and series come from app.css (both themes).
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" class="frame"></rect>',
        "".join(f'<line x1="{left}" x2="{left + pw}" y1="{t["y"]}" y2="{t["y"]}" class="grid">'
                f'</line><text x="{left - 4}" y="{t["y"]}" dy="0.32em" text-anchor="end">'
                f'{t["label"]}</text>' for t in y_ticks),  # num(): nothing to escape
        # A label centred on the right edge would be cut off: the last ones end there instead.
        "".join(f'<text x="{t["x"]}" y="{top + ph + 15}" text-anchor="'
                f'{"end" if t["x"] + 3.5 * len(t["label"]) > width else "middle"}">{t["label"]}'
                "</text>" for t in x_ticks),
        "".join(f'<polyline points="{line["points"]}" class="series s{looks[k]}" data-name="'
                f'{escape(line["name"])}"{run_attr[k]}><title>{escape(line["name"])}: '
                f'{line["last"]}</title></polyline>' for k, line in enumerate(lines)),
        "".join(ends),
        _marker(marker, n, x, y, values, finite, top, ph, looks),
        f'<line class="cursor" x1="0" x2="0" y1="{top}" y2="{top + ph}" visibility="hidden">'
        "</line>")) + "\n</svg>"
    return {"width": width, "height": height, "lines": lines, "y_ticks": y_ticks,
            "x_ticks": x_ticks, "left": left, "top": top, "plot_w": pw, "plot_h": ph,
            "names": names, "hover": hover, "svg": Markup(svg),
            "key_html": series_keys(names, looks),
            "table": table_rows(raw), "iterations": n,
            "first": [num(float(v)) for v in raw[:, 0]],
            "last": [num(float(series[name][-1])) for name in names]}


TABLE_ROWS = 21  # iterations a chart's table of values lists (evenly spread, the last included)


def table_rows(raw: np.ndarray) -> list[tuple[int, list[str]]]:
    """(iteration, value of each series as text) for at most TABLE_ROWS iterations of the
    (series, iterations) array: the chart's values for a screen reader or a keyboard."""
    n = raw.shape[1]
    picked = np.unique(np.rint(np.linspace(0, n - 1, min(n, TABLE_ROWS))).astype(int))
    return [(int(i) + 1, ["—" if not np.isfinite(v) else num(float(v)) for v in raw[:, i]])
            for i in picked.tolist()]


def end_marker(k: int, x: float, y: float) -> str:
    """The marker of series k at (x, y): circle, square, triangle or diamond, by k."""
    cls, shape = f"end s{k}", k % MARKERS
    if shape == 0:
        return f'<circle class="{cls}" cx="{x:.1f}" cy="{y:.1f}" r="3"></circle>'
    if shape == 1:
        return (f'<rect class="{cls}" x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6">'
                "</rect>")
    if shape == 2:
        return f'<path class="{cls}" d="M{x:.1f} {y - 4:.1f}l3.6 6.4h-7.2z"></path>'
    return f'<path class="{cls}" d="M{x:.1f} {y - 4.2:.1f}l4.2 4.2l-4.2 4.2l-4.2 -4.2z"></path>'


def series_keys(names: list[str], looks: list[int] | None = None) -> Markup:
    """Each series' name after a sample of its line (colour and dash) and its end marker;
    `looks`: each series' style (s0…), by default its place."""
    looks = looks or list(range(len(names)))
    return Markup("".join(
        f'<span class="key"><svg class="swatch" viewBox="0 0 26 10" width="26" height="10" '
        f'aria-hidden="true"><line class="series s{k}" x1="1" x2="25" y1="5" y2="5"></line>'
        f'{end_marker(k, 20, 5)}</svg>{escape(name)}</span>' for k, name in zip(
            looks, names, strict=True)))


def _marker(k: int | None, n: int, x, y, values: np.ndarray, finite: np.ndarray, top: int,
            ph: int, looks: list[int]) -> str:
    """The viewed iteration k (1-based) on a line chart: a dashed line and a ring per series."""
    if k is None or not 1 <= k <= n:
        return ""
    cx = x(k - 1)
    rings = "".join(f'<circle class="viewed-dot s{looks[j]}" cx="{cx:.1f}" '
                    f'cy="{y(values[j, k - 1]):.1f}" r="4.5"></circle>'
                    for j in range(len(values)) if finite[j, k - 1])
    return (f'<g class="viewed" data-iteration="{k}"><line x1="{cx:.1f}" x2="{cx:.1f}" '
            f'y1="{top}" y2="{top + ph}"></line>{rings}</g>')


