"""Losses J averaged over the m examples of a batch (one example per column).

Each loss gives its value from the output layer's Z and A (so log-terms can be computed stably
from Z) and dA = ∂L/∂A per example (the 1/m is applied later, in dW and db). Where the loss and
the output activation pair up, dZ collapses to A − Y and dA is never formed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


def _squared_error(z: Array, a: Array, y: Array) -> float:
    m = y.shape[1]
    return float(0.5 * np.sum((a - y) ** 2) / m)


def _binary_cross_entropy(z: Array, a: Array, y: Array) -> float:
    # -[y log σ(z) + (1-y) log(1-σ(z))] = y·softplus(-z) + (1-y)·softplus(z)
    #                                   = max(z, 0) − y·z + log(1 + e^(−|z|)),
    # one exp and one log1p per entry; max(z, 0) − y·z is exactly 0 for a confident right
    # answer (y = 1, z > 0 or y = 0, z < 0), so its tiny loss is not lost to cancellation.
    m = y.shape[1]
    t = np.abs(z)
    np.negative(t, out=t)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    t += np.maximum(z, 0.0)
    t -= y * z
    return float(np.add.reduce(t, axis=None)) / m


def _cross_entropy(z: Array, a: Array, y: Array) -> float:
    # -Σ y log softmax(z), with log-softmax computed from shifted z.
    m = y.shape[1]
    shifted = z - z.max(axis=0, keepdims=True)
    log_a = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    return float(-np.sum(y * log_a) / m)


def _bce_grad(a: Array, y: Array) -> Array:
    eps = np.finfo(float).tiny
    return -y / np.maximum(a, eps) + (1.0 - y) / np.maximum(1.0 - a, eps)


def _ce_grad(a: Array, y: Array) -> Array:
    return -y / np.maximum(a, np.finfo(float).tiny)


@dataclass(frozen=True)
class Loss:
    name: str
    value: Callable[[Array, Array, Array], float]  # (Z[L], A[L], Y) -> J without decay
    grad_a: Callable[[Array, Array], Array]  # (A[L], Y) -> dA[L] per example
    pairs_with: frozenset[str]  # output activations for which dZ[L] = A[L] − Y
    requires: frozenset[str] | None  # output activations this loss is defined for (None: any)
    latex: str  # loss of one example; @a and @y stand for its output and target
    latex_grad: str  # dA[L]

    def collapses(self, output_activation: str) -> bool:
        return output_activation in self.pairs_with


LOSSES: dict[str, Loss] = {
    "squared_error": Loss(
        "squared_error",
        _squared_error,
        lambda a, y: a - y,
        frozenset({"linear"}),
        None,
        r"\tfrac{1}{2}\lVert @a - @y \rVert^2",
        r"A^{[L]} - Y",
    ),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy",
        _binary_cross_entropy,
        _bce_grad,
        frozenset({"sigmoid"}),
        frozenset({"sigmoid"}),
        r"-\sum_k \left[@y_k \log @a_k + (1 - @y_k)\log(1 - @a_k)\right]",
        r"-\frac{Y}{A^{[L]}} + \frac{1 - Y}{1 - A^{[L]}}",
    ),
    "cross_entropy": Loss(
        "cross_entropy",
        _cross_entropy,
        _ce_grad,
        frozenset({"softmax"}),
        frozenset({"softmax"}),
        r"-\sum_k @y_k \log @a_k",
        r"-\frac{Y}{A^{[L]}}",
    ),
}
