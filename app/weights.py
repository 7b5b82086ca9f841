"""Weights typed on the page: W[l] and b[l] as text, one row per unit, parsed for SessionConfig.

W[l] is written in the column notation, n[l] rows of n[l-1] numbers: row j holds the weights
into unit j of layer l. Numbers are separated by spaces, commas or semicolons; rows by new lines.
Every mistake is a Refusal naming its field (W1, b2, …), said in either language."""

from __future__ import annotations

import math
import re

import numpy as np

from .messages import Refusal
from .schemas import MAX_ABS_VALUE

_SEPARATORS = re.compile(r"[\s,;，；]+")


def _numbers(text: str, field: str, name: str) -> list[float]:
    values = []
    for token in _SEPARATORS.split(text.strip()):
        if not token:
            continue
        try:
            value = float(token.replace("−", "-"))
        except ValueError:
            raise Refusal("weights_not_a_number", field=field, name=name,
                          text=token[:20]) from None
        if not math.isfinite(value) or abs(value) > MAX_ABS_VALUE:
            raise Refusal("weights_out_of_range", field=field, name=name, text=token[:20])
        values.append(value)
    return values


def parse_weights(form, layers: list[int]) -> tuple[list[list[list[float]]], list[list[float]]]:
    """W (per layer, a list of n[l] rows of n[l-1] numbers) and b (per layer, n[l] numbers)
    from form fields W1, b1, W2, b2, …"""
    weights, biases = [], []
    for l in range(1, len(layers)):
        rows_wanted, cols_wanted = layers[l], layers[l - 1]
        field, name = f"W{l}", f"W[{l}]"
        lines = [line for line in str(form.get(field, "")).splitlines() if line.strip()]
        if len(lines) != rows_wanted:
            raise Refusal("weights_rows", field=field, name=name, rows=rows_wanted,
                          cols=cols_wanted, l=l, got=len(lines))
        matrix = []
        for r, line in enumerate(lines, start=1):
            row = _numbers(line, field, name)
            if len(row) != cols_wanted:
                raise Refusal("weights_cols", field=field, name=name, row=r, cols=cols_wanted,
                              p=l - 1, got=len(row))
            matrix.append(row)
        field, name = f"b{l}", f"b[{l}]"
        bias = _numbers(str(form.get(field, "")), field, name)
        if len(bias) != rows_wanted:
            raise Refusal("bias_count", field=field, name=name, n=rows_wanted, l=l,
                          got=len(bias))
        weights.append(matrix)
        biases.append(bias)
    return weights, biases


def weights_text(params: dict[str, np.ndarray], depth: int) -> list[dict]:
    """The form's starting text: per layer its shape and W, b written as parse_weights reads
    them (6 significant digits)."""
    out = []
    for l in range(1, depth + 1):
        w, b = params[f"W{l}"], params[f"b{l}"].ravel()
        out.append({"l": l, "rows": w.shape[0], "cols": w.shape[1],
                    "W": "\n".join("  ".join(f"{v:.6g}" for v in row) for row in w.tolist()),
                    "b": "  ".join(f"{v:.6g}" for v in b.tolist())})
    return out
