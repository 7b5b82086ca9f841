"""A diverging, colour-blind-safe palette centred on zero, with linear or log-magnitude scaling.

Orange is negative, blue is positive (as in TensorFlow Playground), white is zero. Orange and blue
stay distinct under the common colour-vision deficiencies.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .fmt import num

NEGATIVE = ((0xF7, 0xF7, 0xF7), (0xFE, 0xE0, 0xB6), (0xFD, 0xB8, 0x63), (0xE0, 0x82, 0x14),
            (0xB3, 0x58, 0x06))
POSITIVE = ((0xF7, 0xF7, 0xF7), (0xD1, 0xE5, 0xF0), (0x92, 0xC5, 0xDE), (0x43, 0x93, 0xC3),
            (0x21, 0x66, 0xAC))
LOG_DECADES = 6  # a log scale spans this many powers of ten below its maximum


def _ramp(stops: tuple, t: float) -> tuple[int, int, int]:
    """Interpolate along the stops for t in [0, 1]."""
    pos = min(max(t, 0.0), 1.0) * (len(stops) - 1)
    i = min(int(pos), len(stops) - 2)
    f = pos - i
    a, b = stops[i], stops[i + 1]
    return tuple(round(a[k] + (b[k] - a[k]) * f) for k in range(3))  # type: ignore[return-value]


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0 black … 1 white)."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def rgb_of(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 … 21)."""
    la, lb = sorted((luminance(rgb_of(a)), luminance(rgb_of(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# Text on a fill is black or white, whichever contrasts more. With pure black the worse of the
# two never drops below 4.58:1 (the crossover at luminance 0.18), so every number stays
# readable (WCAG AA, 4.5:1) on every fill; a dark grey would leave mid-tones at 4.4:1.
DARK_TEXT, LIGHT_TEXT = "#000000", "#ffffff"


def text_on(fill: str) -> str:
    """The text colour (black or white) with the higher contrast against `fill`."""
    return DARK_TEXT if contrast(fill, DARK_TEXT) >= contrast(fill, LIGHT_TEXT) else LIGHT_TEXT


LUT_STEPS = 200  # colours precomputed per side: t in [0, 1] in steps of 1/200


def _lut(stops: tuple) -> tuple[list[str], list[str]]:
    fills = [_hex(_ramp(stops, k / LUT_STEPS)) for k in range(LUT_STEPS + 1)]
    return fills, [text_on(c) for c in fills]


@dataclass(frozen=True)
class Scale:
    """Maps a value to a position t in [-1, 1] and to a colour.

    linear: t = v / vmax.  log: t = sign(v)·(log10|v| − log10 vmin) / (log10 vmax − log10 vmin),
    with vmin = vmax·10^−6, so values a millionth of the largest still show a tint.
    """

    vmax: float
    log: bool = False

    @classmethod
    def for_values(cls, values, log: bool = False) -> Scale:
        arr = np.abs(np.asarray(values, dtype=float))
        arr = arr[np.isfinite(arr)]
        vmax = float(arr.max()) if arr.size else 0.0
        return cls(vmax if vmax > 0 else 1.0, log)

    def positions(self, values: np.ndarray) -> np.ndarray:
        """position() for a whole array at once (non-finite values map to 0)."""
        v = np.asarray(values, dtype=float)
        v = np.where(np.isfinite(v), v, 0.0)
        if not self.log:
            return np.clip(v / self.vmax, -1.0, 1.0)
        with np.errstate(divide="ignore"):
            mag = (np.log10(np.abs(v)) - math.log10(self.vmin)) / LOG_DECADES
        return np.sign(v) * np.clip(mag, 0.0, 1.0)  # log10(0) = -inf clips to 0

    def colors(self, values: np.ndarray) -> tuple[list[str], list[str]]:
        """Fill and text colours for every value of an array (flattened), via lookup tables."""
        t = self.positions(values).ravel()
        index = np.rint(np.abs(t) * LUT_STEPS).astype(int).tolist()
        fills, texts = [], []
        for k, negative in zip(index, (t < 0).tolist(), strict=True):
            lut = NEGATIVE_LUT if negative else POSITIVE_LUT
            fills.append(lut[0][k])
            texts.append(lut[1][k])
        return fills, texts

    @property
    def vmin(self) -> float:
        return self.vmax * 10.0 ** -LOG_DECADES

    # One value at a time: the same lookups as the array methods above.
    def position(self, v: float) -> float:
        return float(self.positions(np.array([v]))[0])

    def color(self, v: float) -> str:
        return self.colors(np.array([v]))[0][0]

    def rgb(self, v: float) -> tuple[int, int, int]:
        c = self.color(v)
        return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)

    def text_color(self, v: float) -> str:
        """Black or white, whichever contrasts more with color(v) (at least 4.58:1)."""
        return self.colors(np.array([v]))[1][0]

    def line_colors(self, values: np.ndarray, floor: float = 0.3) -> list[str]:
        """Colours for thin lines, at least `floor` of the way out so the sign stays visible."""
        t = self.positions(values).ravel()
        index = np.rint(np.maximum(np.abs(t), floor) * LUT_STEPS).astype(int).tolist()
        signs = (np.asarray(values).ravel() < 0).tolist()
        return [(NEGATIVE_LUT if neg else POSITIVE_LUT)[0][k]
                for k, neg in zip(index, signs, strict=True)]

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - Scale is a small frozen value
    def legend(self) -> dict:
        """Gradient stops (offset %, colour) and labelled ticks for a legend bar."""
        if self.log:
            ticks = [(-1.0, -self.vmax), (-0.5, -self.vmax * 1e-3), (0.0, 0.0),
                     (0.5, self.vmax * 1e-3), (1.0, self.vmax)]
        else:
            ticks = [(t, t * self.vmax) for t in (-1.0, -0.5, 0.0, 0.5, 1.0)]
        return {
            "gradient": LEGEND_GRADIENT,
            "ticks": [{"offset": round(50 * (t + 1), 2), "label": num(v, 2)} for t, v in ticks],
            "log": self.log,
            "vmax": self.vmax,
        }


POSITIVE_LUT, NEGATIVE_LUT = _lut(POSITIVE), _lut(NEGATIVE)
LEGEND_GRADIENT = tuple(
    {"offset": round(100 * i / 8, 2),
     "color": _hex(_ramp(POSITIVE if i >= 4 else NEGATIVE, abs(-1 + i / 4)))}
    for i in range(9))
