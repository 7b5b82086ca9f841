"""Weight initialisation. Biases start at zero (as in the course notes); W[l] is (n[l], n[l-1])."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

INITIALIZERS = ("normal", "xavier", "he", "uniform", "constant", "zeros")


def init_weights(
    layers: Sequence[int], method: str, scale: float, rng: np.random.Generator
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return W (list of (n[l], n[l-1])) and b (list of (n[l], 1)) for l = 1..L.

    normal:  N(0, scale²), the UFLDL notes' ε = 0.01 by default.
    uniform: U(−scale, scale).
    xavier:  N(0, 2 / (n[l-1] + n[l])) (Glorot).
    he:      N(0, 2 / n[l-1]).
    constant: every entry of every W equals `scale`: the units of a layer start identical and
             stay identical (the symmetry problem), while the loss can still fall.
    zeros:   all zero: every hidden unit of a layer stays identical; on data whose errors
             cancel (Σ(a − y) = 0, as on XOR) every gradient is exactly 0 and nothing moves.
    """
    weights, biases = [], []
    for n_in, n_out in zip(layers[:-1], layers[1:], strict=True):
        shape = (n_out, n_in)
        if method == "normal":
            w = rng.normal(0.0, scale, shape)
        elif method == "uniform":
            w = rng.uniform(-scale, scale, shape)
        elif method == "xavier":
            w = rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), shape)
        elif method == "he":
            w = rng.normal(0.0, np.sqrt(2.0 / n_in), shape)
        elif method == "constant":
            w = np.full(shape, float(scale))
        elif method == "zeros":
            w = np.zeros(shape)
        else:
            raise ValueError(f"unknown init {method!r}; choose one of {', '.join(INITIALIZERS)}")
        weights.append(w)
        biases.append(np.zeros((n_out, 1)))
    return weights, biases
