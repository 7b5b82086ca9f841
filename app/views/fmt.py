"""Number formatting for people: significant digits, a real minus sign, no '-0'."""

from __future__ import annotations


def num(v: float, digits: int = 4) -> str:
    """4 significant digits: 0.6936, −1.234e−5, 12.35; ±inf and NaN spelled out."""
    text = f"{v:.{digits}g}"
    if text[-1].isdigit() and "e" not in text:  # the common case: a plain finite number
        if text[0] == "-":
            return "0" if text == "-0" else "−" + text[1:]
        return text
    if text in ("nan", "-nan"):
        return "NaN"
    if text.endswith("inf"):
        return "−∞" if text[0] == "-" else "∞"
    mantissa, exp = text.split("e")
    return f"{mantissa}e{int(exp)}".replace("-", "−")


def short(v: float) -> str:
    """At most ~6 characters, to fit inside a neuron: 0.126, −0.02, 1.1e−4, 12.3."""
    a = abs(v)
    if a == 0 or not a < float("inf"):
        return num(v)
    if 0.1 <= a < 1000:
        return num(v, 3)
    if 0.01 <= a < 0.1:
        return num(v, 2)
    mantissa, exp = f"{v:.1e}".split("e")
    return f"{mantissa.removesuffix('.0')}e{int(exp)}".replace("-", "−")


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
