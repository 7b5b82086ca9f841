"""Number formatting for people: significant digits, a real minus sign, no '-0'."""

from __future__ import annotations

import math


def num(v: float, digits: int = 4) -> str:
    """4 significant digits: 0.6936, −1.234e−05, 12.35; ±inf and NaN spelled out."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == 0:
        return "0"
    text = f"{v:.{digits}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}e{int(exp)}"
    return text.replace("-", "−")


def tex_num(v: float, digits: int = 4) -> str:
    """The same number as LaTeX: 1.2 \\times 10^{-5} instead of 1.2e-05."""
    text = num(v, digits).replace("−", "-")
    if "e" in text:
        mantissa, exp = text.split("e")
        return rf"{mantissa} \times 10^{{{exp}}}"
    return text


def shape(dims) -> str:
    """(3, 4) -> '3×4'; a scalar -> '1×1'."""
    dims = tuple(dims)
    return "×".join(str(d) for d in dims) if dims else "1×1"
