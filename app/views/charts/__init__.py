"""Charts as plain values, one module per figure or job:

- png.py: PNG images as data: URIs (zlib, no imaging library);
- pixels.py: values to colours to uint8 pixels (the diverging palette, the classes' colours);
- numtext.py: SVG coordinate text built from a table, and round axis ticks;
- line.py: the line chart (loss, accuracy, gradient sizes; several runs on one set of axes);
- plane.py: the output plane of a 2-input network, its data and the per-unit maps;
- regression.py: the fitted curve of a 1-input regression.

They are rebuilt after every weight update, so the per-point work is done with array operations
and the repeated SVG elements (data points, map images) leave as ready-made markup: numbers and
fixed colours are written as they are, every name or other text goes through markupsafe."""

from .line import (
    MAX_POINTS,
    SERIES_COLORS,
    SERIES_DASHES,
    TABLE_ROWS,
    _downsample,
    _hover_json,
    end_marker,
    line_chart,
    series_keys,
    table_rows,
)
from .numtext import _ticks, format_pairs, polyline_points
from .pixels import CLASS_COLORS, CLASS_RGB, MARKERS, diverging_image
from .plane import (
    FLAT_SPREAD,
    HIDDEN_MAP_RESOLUTION,
    MARKER_DEFS,
    MAX_DATA_POINTS,
    PLANE_MARGIN,
    boundary_data,
    boundary_plot,
    boundary_view,
    plane_axes,
    plane_key,
)
from .png import png_data_uri
from .regression import regression_view

__all__ = [
    "CLASS_COLORS", "CLASS_RGB", "FLAT_SPREAD", "HIDDEN_MAP_RESOLUTION", "MARKERS", "MARKER_DEFS",
    "MAX_DATA_POINTS", "MAX_POINTS", "PLANE_MARGIN", "SERIES_COLORS", "SERIES_DASHES",
    "TABLE_ROWS", "_downsample", "_hover_json", "_ticks", "boundary_data", "boundary_plot",
    "boundary_view", "diverging_image", "end_marker", "format_pairs", "line_chart",
    "plane_axes", "plane_key", "png_data_uri", "polyline_points", "regression_view",
    "series_keys", "table_rows",
]
