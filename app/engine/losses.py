"""Losses J averaged over the m examples of a batch (one example per column).

Each loss gives its value from the output layer's Z and A (so log-terms can be computed stably
from Z) and dA = ∂L/∂A per example (the 1/m is applied later, in dW and db). Where the loss and
the output activation pair up, dZ collapses to A − Y and dA is never formed.

One record per loss (`LOSSES`), the single place where a loss's maths is written: its NumPy,
its LaTeX and its lines of the exported Python script. Its page texts sit in
app/views/maths_text.py under the same name.
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


@dataclass(frozen=True, kw_only=True)
class Loss:
    """One loss, described once.

    NumPy: `value` (Z[L], A[L], Y) -> J without decay; `grad_a` (A[L], Y) -> dA[L] per example.
    `pairs_with`: output activations for which dZ[L] = A[L] − Y; `requires`: the output
    activations this loss is defined for (None: any).

    LaTeX: `latex` is the loss of one example, @a and @y standing for its output and target;
    `latex_grad` is dA[L], written with A^{[L]} and Y.

    Script: `code` the lines that compute J from {z} and {a} (the output layer's Z and A) and Y
    (the last line assigns J; its "/ m" averages); `code_grad` dA[L] from {a} and Y with
    `code_grad_note` its comment; `collapse_note` names the pairing where dZ = A − Y; `helper`
    the source of a function the lines call.
    """

    name: str
    value: Callable[[Array, Array, Array], float]
    grad_a: Callable[[Array, Array], Array]
    pairs_with: frozenset[str]
    requires: frozenset[str] | None
    latex: str
    latex_grad: str
    code: tuple[str, ...]
    code_grad: str
    code_grad_note: str
    collapse_note: str
    helper: str | None = None

    def collapses(self, output_activation: str) -> bool:
        return output_activation in self.pairs_with


_SOFTPLUS_HELPER = '''def softplus(x):
    """log(1 + e^x) without overflow."""
    return np.logaddexp(0.0, x)'''

LOSSES: dict[str, Loss] = {
    "squared_error": Loss(
        name="squared_error",
        value=_squared_error,
        grad_a=lambda a, y: a - y,
        pairs_with=frozenset({"linear"}),
        requires=None,
        latex=r"\tfrac{1}{2}\lVert @a - @y \rVert^2",
        latex_grad=r"A^{[L]} - Y",
        code=("J = 0.5 * np.sum(({a} - Y) ** 2) / m  # (1/m) sum of 1/2 ||a - y||^2",),
        code_grad="{a} - Y",
        code_grad_note="d/da of 1/2 ||a - y||^2",
        collapse_note="linear output with squared error",
    ),
    "binary_cross_entropy": Loss(
        name="binary_cross_entropy",
        value=_binary_cross_entropy,
        grad_a=_bce_grad,
        pairs_with=frozenset({"sigmoid"}),
        requires=frozenset({"sigmoid"}),
        latex=r"-\sum_k \left[@y_k \log @a_k + (1 - @y_k)\log(1 - @a_k)\right]",
        latex_grad=r"-\frac{Y}{A^{[L]}} + \frac{1 - Y}{1 - A^{[L]}}",
        code=("# -[y log a + (1 - y) log(1 - a)] with a = sigmoid(z), written from Z as",
              "# y softplus(-z) + (1 - y) softplus(z): no log(0) when a rounds to 0 or 1",
              "J = np.sum(Y * softplus(-{z}) + (1.0 - Y) * softplus({z})) / m"),
        code_grad="-Y / {a} + (1.0 - Y) / (1.0 - {a})",
        code_grad_note="d/da of -[y log a + (1 - y) log(1 - a)]",
        collapse_note="sigmoid output with binary cross-entropy",
        helper=_SOFTPLUS_HELPER,
    ),
    "cross_entropy": Loss(
        name="cross_entropy",
        value=_cross_entropy,
        grad_a=_ce_grad,
        pairs_with=frozenset({"softmax"}),
        requires=frozenset({"softmax"}),
        latex=r"-\sum_k @y_k \log @a_k",
        latex_grad=r"-\frac{Y}{A^{[L]}}",
        code=("# -sum_k y_k log a_k with a = softmax(z); log softmax from the shifted Z",
              "shifted = {z} - {z}.max(axis=0, keepdims=True)",
              "log_{a} = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))",
              "J = -np.sum(Y * log_{a}) / m"),
        code_grad="-Y / {a}",
        code_grad_note="d/da_k of -sum_k y_k log a_k",
        collapse_note="softmax output with cross-entropy",
    ),
}
