"""Activation functions g(z): one record each (`ACTIVATIONS`), the single place where an
activation's maths is written. A record holds g and g' in NumPy, the fused in-place backward
that training runs, the LaTeX the step formulas and the worked neuron print, and the lines of
the exported Python script. Its explanation texts, being page text, sit in
app/views/maths_text.py under the same name (a test checks that both tables list every one).

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


@dataclass(frozen=True, kw_only=True)
class Activation:
    r"""One activation g, described once.

    NumPy: `forward` g(Z) and `derivative` g'(Z) from (Z, A), all (n, m); `derivative` is None
    for softmax (not element-wise: its backward is the Jacobian product `fused_backward`).
    `fused_backward` (dA, Z, A) -> dZ is the in-place kernel training runs; a test checks it
    gives the numbers of dA ⊙ g'(Z).

    LaTeX: `symbol` names g in a worked line (\sigma(0.3) = …); `tex_apply` is A = g(Z) with
    @z for the argument; `tex_prime` is g'(Z[l]) as the backward formula multiplies it, with
    @a and @z for the layer's A and Z (None for softmax); `tex_backward` is dZ from @dA in the
    column notation and in the row notation (they differ only for softmax, whose Jacobian sums
    over a column in one and over a row in the other); `latex`, `latex_derivative` define g
    and g' for one z.

    Script: `code` is g in Python with {z} for the layer's Z, `code_note` its comment;
    `code_backward` is dZ with {da}, {a}, {z}, `code_backward_note` its comment; `helper` the
    source of a function the lines call (None if they call only NumPy).
    """

    name: str
    forward: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array] | None  # g'(z) from (z, a)
    fused_backward: Callable[[Array, Array, Array], Array] | None = None  # (dA, Z, A) -> dZ
    symbol: str
    tex_apply: str
    tex_prime: str | None
    latex: str
    latex_derivative: str
    code: str
    code_note: str
    code_backward: str
    code_backward_note: str
    helper: str | None = None
    tex_backward: tuple[str, str] = (r"@dA \odot @gprime", r"@dA \odot @gprime")

    def backward(self, da: Array, z: Array, a: Array) -> Array:
        """dZ = dA ⊙ g'(Z) (or the softmax Jacobian product); all arrays (n, m).

        Always an element-wise product with dA (never a selection), so a non-finite entry of dA
        leaves dZ non-finite."""
        if self.fused_backward is not None:
            return self.fused_backward(da, z, a)
        assert self.derivative is not None
        return da * self.derivative(z, a)

    def tex_of(self, arg: str) -> str:
        """g applied to `arg` as the step formulas write it: \\sigma(Z^{[1]}), Z itself for
        the linear g."""
        return self.tex_apply.replace("@z", arg)

    def tex_prime_of(self, a: str, z: str) -> str:
        """g'(Z) written with the layer's A (`a`) or Z (`z`), whichever is simpler."""
        assert self.tex_prime is not None, self.name
        return self.tex_prime.replace("@a", a).replace("@z", z)

    def tex_dz(self, da: str, a: str, z: str, rows: bool = False) -> str:
        """dZ from dA, as printed in the column notation or (`rows`) the row notation."""
        form = self.tex_backward[rows]
        if "@gprime" in form:
            form = form.replace("@gprime", self.tex_prime_of("@a", "@z"))
        return form.replace("@dA", da).replace("@a", a).replace("@z", z)


_SIGMOID_HELPER = '''def sigmoid(z):
    """1 / (1 + e^-z) without overflow: e^-|z| is at most 1, and both branches are exact."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))'''

_SOFTMAX_HELPER = '''def softmax(z):
    """Softmax of each column; subtracting the column's maximum keeps exp() in (0, 1]."""
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)'''

ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        name="sigmoid",
        forward=_sigmoid,
        derivative=lambda z, a: a * (1.0 - a),
        fused_backward=_sigmoid_backward,
        symbol=r"\sigma",
        tex_apply=r"\sigma(@z)",
        tex_prime=r"@a \odot (1 - @a)",
        latex=r"\sigma(z) = \frac{1}{1 + e^{-z}}",
        latex_derivative=r"\sigma'(z) = a\,(1 - a)",
        code="sigmoid({z})",
        code_note="sigmoid(z) = 1 / (1 + e^-z)",
        code_backward="{da} * ({a} * (1.0 - {a}))",
        code_backward_note="sigmoid'(z) = a (1 - a)",
        helper=_SIGMOID_HELPER,
    ),
    "tanh": Activation(
        name="tanh",
        forward=np.tanh,
        derivative=lambda z, a: 1.0 - a * a,
        fused_backward=_tanh_backward,
        symbol=r"\tanh",
        tex_apply=r"\tanh(@z)",
        tex_prime=r"(1 - @a \odot @a)",
        latex=r"\tanh(z)",
        latex_derivative=r"\tanh'(z) = 1 - a^2",
        code="np.tanh({z})",
        code_note="tanh(z)",
        code_backward="{da} * (1.0 - {a} * {a})",
        code_backward_note="tanh'(z) = 1 - a^2",
    ),
    "relu": Activation(
        name="relu",
        forward=lambda z: np.maximum(z, 0.0),
        derivative=lambda z, a: (z > 0).astype(z.dtype),
        fused_backward=_relu_backward,
        symbol=r"\mathrm{relu}",
        tex_apply=r"\mathrm{relu}(@z)",
        tex_prime=r"[@z > 0]",
        latex=r"\mathrm{relu}(z) = \max(0, z)",
        latex_derivative=r"\mathrm{relu}'(z) = [z > 0]",
        code="np.maximum({z}, 0.0)",
        code_note="relu(z) = max(0, z)",
        code_backward="{da} * ({z} > 0)",
        code_backward_note="relu'(z) = 1 where z > 0, else 0",
    ),
    "leaky_relu": Activation(
        name="leaky_relu",
        forward=lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
        derivative=lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE),
        symbol=r"\mathrm{lrelu}",
        tex_apply=r"\mathrm{lrelu}(@z)",
        tex_prime=r"\mathrm{lrelu}'(@z)",
        latex=r"\mathrm{lrelu}(z) = \max(0.01z, z)",
        latex_derivative=r"\mathrm{lrelu}'(z) = 1 \text{ if } z > 0 \text{ else } 0.01",
        code=f"np.where({{z}} > 0, {{z}}, {LEAKY_SLOPE!r} * {{z}})",
        code_note=f"leaky relu: z if z > 0 else {LEAKY_SLOPE!r} z",
        code_backward=f"{{da}} * np.where({{z}} > 0, 1.0, {LEAKY_SLOPE!r})",
        code_backward_note=f"leaky relu'(z) = 1 or {LEAKY_SLOPE!r}",
    ),
    "linear": Activation(
        name="linear",
        forward=lambda z: z.copy(),
        derivative=lambda z, a: np.ones_like(z),
        symbol="g",
        tex_apply="@z",
        tex_prime="1",
        latex=r"g(z) = z",
        latex_derivative=r"g'(z) = 1",
        code="{z}.copy()",
        code_note="linear: g(z) = z",
        code_backward="{da}.copy()",
        code_backward_note="linear: g'(z) = 1",
    ),
    "softmax": Activation(
        name="softmax",
        forward=_softmax,
        derivative=None,
        fused_backward=_softmax_backward,
        symbol=r"\mathrm{softmax}",
        tex_apply=r"\mathrm{softmax}(@z)",
        tex_prime=None,
        latex=r"\mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_k e^{z_k}}",
        latex_derivative=r"\frac{\partial a_i}{\partial z_j} = a_i(\delta_{ij} - a_j)",
        # Column notation: 1·1ᵀ sums each column (one example); row notation: each row.
        tex_backward=(r"@a \odot \left(@dA - \mathbf{1}\mathbf{1}^\top(@dA \odot @a)\right)",
                      r"@a \odot \left(@dA - (@dA \odot @a)\mathbf{1}\mathbf{1}^\top\right)"),
        code="softmax({z})",
        code_note="softmax over each column",
        code_backward="{a} * ({da} - np.sum({da} * {a}, axis=0, keepdims=True))",
        code_backward_note="softmax: dZ = A * (dA - sum over the column of dA * A)",
        helper=_SOFTMAX_HELPER,
    ),
}

HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")
