"""The view-model of the gradient check's page fragment (_gradcheck.html): its summary, a table
row per parameter and a grid of each parameter's entries, from the report of
app/gradcheck_report.py."""

from __future__ import annotations

import math

from ..engine.gradcheck import CHECK, OK
from .fmt import num

GRID = 16  # entries shown per side in the per-entry grid of the page
GLYPHS = {"ok": "✓", "check": "!", "wrong": "✗"}


def sci(value: float) -> str:
    """Scientific notation with a real minus sign: 1.4e−10, 1e−7; 0 stays 0."""
    if value == 0 or not math.isfinite(value):
        return num(value)
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.removesuffix('.0')}e{int(exponent)}".replace("-", "−")


def _shape(shape) -> str:
    return "×".join(str(d) for d in shape)


def view(rep: dict, t) -> dict:
    """Context of _gradcheck.html: the summary, one table row per parameter, and per parameter
    a grid of its entries (at most GRID × GRID shown), every colour with its text or glyph."""
    verdict_text = {v: t(f"gc_{v}") for v in GLYPHS}
    rows, grids = [], []
    for key, p in rep["parameters"].items():
        rows.append({
            "name": key,
            "shape": _shape(p["shape"]),
            "error": sci(p["relative_error"]),
            "error_exact": p["relative_error"],
            "max_entry": sci(p["max_entry_error"]),
            "verdict": p["verdict"],
            "verdict_text": verdict_text[p["verdict"]],
            "glyph": GLYPHS[p["verdict"]],
        })
        n_rows, n_cols = p["shape"]
        shown_r, shown_c = min(n_rows, GRID), min(n_cols, GRID)
        cells = []
        for i in range(shown_r):
            line = []
            for j in range(shown_c):
                verdict = p["entry_verdicts"][i][j]
                line.append({
                    "verdict": verdict,
                    "glyph": GLYPHS[verdict],
                    "title": t("gc_cell", name=key, i=i + 1, j=j + 1,
                               g=num(float(p["backprop"][i, j])),
                               n=num(float(p["numeric"][i, j])),
                               e=sci(float(p["entry_errors"][i, j])),
                               v=verdict_text[verdict]),
                })
            cells.append(line)
        note = None
        if (shown_r, shown_c) != (n_rows, n_cols):
            note = t("gc_shown", shown=_shape((shown_r, shown_c)),
                     total=_shape((n_rows, n_cols)))
        grids.append({"name": key, "shape": _shape(p["shape"]), "rows": cells, "note": note})
    return {
        "verdict": rep["verdict"],
        "verdict_text": verdict_text[rep["verdict"]],
        "glyph": GLYPHS[rep["verdict"]],
        "error": sci(rep["relative_error"]),
        "error_exact": rep["relative_error"],
        "max_entry": sci(rep["max_entry_error"]),
        "meta": t("gc_meta", iteration=rep["iteration"], m=rep["examples"],
                  n=f"{rep['entries']:,}", h=sci(rep["h"]), J=num(rep["loss"]),
                  s=f"{rep['seconds']:.2f}"),
        "legend": t("gc_legend", ok=sci(OK), check=sci(CHECK)),
        "resolution": t("gc_resolution", r=sci(rep["resolution"])),
        "rows": rows,
        "grids": grids,
    }
