"""Activation functions g(z), each with its backward pass next to its forward.

Every function takes Z of shape (n, m) (one example per column) and returns an array of the
same shape. All are numerically stable for |z| up to 1e4 and beyond: no overflow warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray
LEAKY_SLOPE = 0.01


def _sigmoid(z: Array) -> Array:
    # exp of a non-positive number never overflows: e = exp(−|z|), then σ(z) = 1/(1 + e) for
    # z ≥ 0 and e/(1 + e) below, with one division (in place: this runs every iteration).
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    out = np.where(z >= 0, 1.0, e)
    e += 1.0
    np.divide(out, e, out=out)
    return out


def _sigmoid_backward(da: Array, z: Array, a: Array) -> Array:
    out = 1.0 - a  # dZ = dA ⊙ a(1 − a), in place
    out *= a
    out *= da
    return out


def _tanh_backward(da: Array, z: Array, a: Array) -> Array:
    out = a * a  # dZ = dA ⊙ (1 − a²), in place
    np.subtract(1.0, out, out=out)
    out *= da
    return out


def _relu_backward(da: Array, z: Array, a: Array) -> Array:
    # A product with the 0/1 mask, not a selection: inf or NaN in dA stays non-finite in dZ
    # (inf·0 = NaN), which the stepper's finiteness check relies on. The mask is made a float
    # array first: a float-by-bool product casts element by element and takes twice as long.
    out = (z > 0).astype(da.dtype)
    out *= da
    return out


def _softmax(z: Array) -> Array:
    # Shift each column by its maximum so exp stays in (0, 1].
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _softmax_backward(da: Array, z: Array, a: Array) -> Array:
    # Jacobian-vector product of softmax, per column: dz = a ⊙ (da − Σ da⊙a).
    return a * (da - (da * a).sum(axis=0, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """g(z) with its derivative; `derivative` is None for softmax (not element-wise)."""

    name: str
    forward: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array] | None  # g'(z) from (z, a)
    latex: str  # g(z) as a formula
    latex_derivative: str  # g'(z) as a formula
    fused_backward: Callable[[Array, Array, Array], Array] | None = None  # (dA, Z, A) -> dZ

    def backward(self, da: Array, z: Array, a: Array) -> Array:
        """dZ = dA ⊙ g'(Z) (or the softmax Jacobian product); all arrays (n, m).

        Always an element-wise product with dA (never a selection), so a non-finite entry of dA
        leaves dZ non-finite."""
        if self.fused_backward is not None:
            return self.fused_backward(da, z, a)
        assert self.derivative is not None
        return da * self.derivative(z, a)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        "sigmoid",
        _sigmoid,
        lambda z, a: a * (1.0 - a),
        r"\sigma(z) = \frac{1}{1 + e^{-z}}",
        r"\sigma'(z) = a\,(1 - a)",
        _sigmoid_backward,
    ),
    "tanh": Activation(
        "tanh",
        np.tanh,
        lambda z, a: 1.0 - a * a,
        r"\tanh(z)",
        r"\tanh'(z) = 1 - a^2",
        _tanh_backward,
    ),
    "relu": Activation(
        "relu",
        lambda z: np.maximum(z, 0.0),
        lambda z, a: (z > 0).astype(z.dtype),
        r"\mathrm{relu}(z) = \max(0, z)",
        r"\mathrm{relu}'(z) = [z > 0]",
        _relu_backward,
    ),
    "leaky_relu": Activation(
        "leaky_relu",
        lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
        lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE),
        r"\mathrm{lrelu}(z) = \max(0.01z, z)",
        r"\mathrm{lrelu}'(z) = 1 \text{ if } z > 0 \text{ else } 0.01",
    ),
    "linear": Activation(
        "linear",
        lambda z: z.copy(),
        lambda z, a: np.ones_like(z),
        r"g(z) = z",
        r"g'(z) = 1",
    ),
    "softmax": Activation(
        "softmax",
        _softmax,
        None,
        r"\mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_k e^{z_k}}",
        r"\frac{\partial a_i}{\partial z_j} = a_i(\delta_{ij} - a_j)",
        _softmax_backward,
    ),
}

HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")
