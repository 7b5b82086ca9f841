"""Colour to pixels: values coloured with the diverging palette as uint8 images, in array
operations (a lookup copies 32-bit words), and the classes' colours."""

from __future__ import annotations

import numpy as np

from ..palette import NEGATIVE_LUT, POSITIVE_LUT, Scale
from .png import _filtered_rows

# Classes and chart series: each colour at least 3:1 against white (tests/test_contrast.py), and
# never the only cue: classes get a marker shape each, series a dash pattern and an end marker.
CLASS_COLORS = ("#b35806", "#2166ac", "#1b7e62", "#7570b3", "#d95f02", "#c51b7d", "#4d9221",
                "#a6761d", "#666666", "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6", "#ffff99",
                "#8dd3c7", "#bebada")
MARKERS = 4  # shapes that tell classes and series apart: circle, square, triangle, diamond


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

