"""PNG images made here with zlib (no imaging library): the output plane and the per-unit maps
leave as data: URIs."""

from __future__ import annotations

import base64
import functools
import struct
import zlib

import numpy as np

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

