"""Charts as plain values: the loss curve, the decision boundary and per-neuron maps (PNG heatmaps
made here with zlib, no imaging library), the fitted curve of a 1-D regression, gradient sizes.

They are rebuilt after every weight update, so the per-point work is done with array operations
and the repeated SVG elements (data points, map images) leave here as ready-made markup."""

from __future__ import annotations

import base64
import functools
import itertools
import math
import struct
import zlib

import numpy as np
import orjson
from markupsafe import Markup, escape

from ..engine import Stepper
from ..engine.evaluate import forward, grid
from .fmt import num
from .palette import LEGEND_GRADIENT, NEGATIVE_LUT, POSITIVE_LUT, Scale

HIDDEN_MAP_RESOLUTION = 28  # the per-unit maps are drawn 56 px wide
# The per-unit maps are stored, not deflated: 2.4 KB each instead of ~1.2 KB, but deflating
# them was half the cost of rebuilding the panel. The larger boundary image stays deflated.
HIDDEN_MAP_ZLIB_LEVEL = 0
MAX_POINTS = 400  # a curve is drawn from at most this many points (min and max kept per bucket)
MAX_DATA_POINTS = 600  # data points drawn per split
# Classes and chart series: each colour at least 3:1 against white (tests/test_contrast.py), and
# never the only cue: classes get a marker shape each, series a dash pattern and an end marker.
CLASS_COLORS = ("#b35806", "#2166ac", "#1b7e62", "#7570b3", "#d95f02", "#c51b7d", "#4d9221",
                "#a6761d", "#666666", "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6", "#ffff99",
                "#8dd3c7", "#bebada")
SERIES_COLORS = ("#2166ac", "#b35806", "#1b7e62", "#7570b3", "#d95f02", "#c51b7d", "#4d9221")
SERIES_DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 2", "1 2", "10 4")
MARKERS = 4  # shapes that tell classes and series apart: circle, square, triangle, diamond
# The class markers of the output plane, drawn once (<use href="#mark-k">) and centred on 0, 0.
MARKER_DEFS = Markup(
    '<defs><circle id="mark-0" r="3.6"></circle><rect id="mark-1" x="-3.3" y="-3.3" '
    'width="6.6" height="6.6"></rect><path id="mark-2" d="M0 -4.4L4 2.8H-4Z"></path>'
    '<path id="mark-3" d="M0 -4.6L4.6 0L0 4.6L-4.6 0Z"></path></defs>')
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


@functools.lru_cache(maxsize=64)
def _png_head(w: int, h: int) -> bytes:
    return _PNG_SIGNATURE + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))


_PNG_END = _png_chunk(b"IEND", b"")


def _png_uri(rows: np.ndarray, level: int = 1) -> str:
    """A PNG data: URI from (h, 1 + 3w) uint8 rows, each starting with its filter byte (0),
    deflated at zlib `level`."""
    h, stride = rows.shape
    png = (_png_head((stride - 1) // 3, h)
           + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), level)) + _PNG_END)
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _filtered_rows(rgb: np.ndarray) -> np.ndarray:
    """(…, h, w, 3) uint8 images as (…, h, 1 + 3w) rows, each after a filter byte 0."""
    *lead, h, w, _ = rgb.shape
    rows = np.zeros((*lead, h, 1 + 3 * w), np.uint8)
    rows[..., 1:] = rgb.reshape(*lead, h, 3 * w)
    return rows


def png_data_uri(rgb: np.ndarray) -> str:
    """An (h, w, 3) uint8 image as a data: URI holding a PNG."""
    return _png_uri(_filtered_rows(rgb))


def _hex_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


POS_RGB = np.array([_hex_rgb(c) for c in POSITIVE_LUT[0]], dtype=np.uint8)
NEG_RGB = np.array([_hex_rgb(c) for c in NEGATIVE_LUT[0]], dtype=np.uint8)
SIGNED_RGB = np.concatenate([NEG_RGB, POS_RGB])  # one table, negative half first
# The same table as one 32-bit word per colour (RGB and a pad byte): a lookup copies words.
_SIGNED_WORDS = np.pad(SIGNED_RGB, ((0, 0), (0, 1))).view(np.uint32).ravel()
CLASS_RGB = np.array([_hex_rgb(c) for c in CLASS_COLORS], dtype=float)
_CLASS_COLOR_ARRAY = np.array(CLASS_COLORS, dtype=object)


def _finite(values) -> np.ndarray:
    """The values as floats, non-finite ones as 0 (as Scale.positions takes them)."""
    v = np.asarray(values, dtype=float)
    return v if np.isfinite(v).all() else np.where(np.isfinite(v), v, 0.0)


def _diverging_pixels(values: np.ndarray, vmax) -> np.ndarray:
    """The colours Scale(vmax).colors gives every one of finite `values` (any shape), vmax > 0
    broadcasting against them: (…, 3) uint8."""
    # |clip(v / vmax, −1, 1)| · steps, as Scale.positions and the lookup tables have it.
    steps = np.abs(values) / vmax
    np.minimum(steps, 1.0, out=steps)
    steps *= len(POS_RGB) - 1
    index = np.rint(steps).astype(np.intp)
    index += (values >= 0) * len(NEG_RGB)  # the positive half (0 and −0 alike: both are white)
    return _SIGNED_WORDS[index].view(np.uint8).reshape(*values.shape, 4)[..., :3]


def diverging_image(values: np.ndarray, scale: Scale) -> np.ndarray:
    """Colour every value of an (h, w) array with the diverging palette of a linear scale:
    (h, w, 3) uint8."""
    if scale.log:
        raise ValueError("the heatmaps use linear scales")
    return _diverging_pixels(_finite(values), scale.vmax)


def _maps_rows(maps: np.ndarray) -> np.ndarray:
    """(k, h, w) maps, each coloured on its own scale (Scale.for_values), as PNG rows."""
    maps = _finite(maps)
    vmax = np.abs(maps).max(axis=(1, 2), initial=0.0)
    vmax[~(vmax > 0)] = 1.0
    return _filtered_rows(_diverging_pixels(maps, vmax[:, None, None]))


# -- number text without a Python loop -----------------------------------------------------
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


# -- line charts ---------------------------------------------------------------------------
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


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.ceil(lo / step) * step
    return [start + k * step for k in range(int((hi - start) / step) + 1)]


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
               log: bool = False, marker: int | None = None, labelledby: str = "") -> dict | None:
    """Polylines of one value per iteration (1-based on the x axis), with axes and hover data;
    "svg" is the whole chart as markup, named by the elements `labelledby` lists; "key_html" the
    series' names, each after a sample of its line and marker; "table" a few of the values as
    text (table_rows). `marker` (an iteration, 1-based) draws a vertical line there with a dot
    on each series: the iteration the page is viewing."""
    names = [k for k, v in series.items() if len(v)]
    if not names:
        return None
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
            ends.append(end_marker(k, float(xs[at[-1]]), float(ys[k, at[-1]])))
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
        "".join(f'<polyline points="{line["points"]}" class="series s{k}" data-name="'
                f'{escape(line["name"])}"><title>{escape(line["name"])}: '
                f'{line["last"]}</title></polyline>' for k, line in enumerate(lines)),
        "".join(ends),
        _marker(marker, n, x, y, values, finite, top, ph),
        f'<line class="cursor" x1="0" x2="0" y1="{top}" y2="{top + ph}" visibility="hidden">'
        "</line>")) + "\n</svg>"
    return {"width": width, "height": height, "lines": lines, "y_ticks": y_ticks,
            "x_ticks": x_ticks, "left": left, "top": top, "plot_w": pw, "plot_h": ph,
            "names": names, "hover": hover, "svg": Markup(svg), "key_html": series_keys(names),
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


def series_keys(names: list[str]) -> Markup:
    """Each series' name after a sample of its line (colour and dash) and its end marker."""
    return Markup("".join(
        f'<span class="key"><svg class="swatch" viewBox="0 0 26 10" width="26" height="10" '
        f'aria-hidden="true"><line class="series s{k}" x1="1" x2="25" y1="5" y2="5"></line>'
        f'{end_marker(k, 20, 5)}</svg>{escape(name)}</span>' for k, name in enumerate(names)))


def _marker(k: int | None, n: int, x, y, values: np.ndarray, finite: np.ndarray, top: int,
            ph: int) -> str:
    """The viewed iteration k (1-based) on a line chart: a dashed line and a ring per series."""
    if k is None or not 1 <= k <= n:
        return ""
    cx = x(k - 1)
    rings = "".join(f'<circle class="viewed-dot s{j}" cx="{cx:.1f}" cy="{y(values[j, k - 1]):.1f}" '
                    'r="4.5"></circle>' for j in range(len(values)) if finite[j, k - 1])
    return (f'<g class="viewed" data-iteration="{k}"><line x1="{cx:.1f}" x2="{cx:.1f}" '
            f'y1="{top}" y2="{top + ph}"></line>{rings}</g>')


# -- the decision boundary -----------------------------------------------------------------
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
