"""One training iteration as an ordered list of micro-steps, each computing one equation.

A step is data: its id, its formula in column-per-example notation (Z = W·A + b, W of shape
(n[l], n[l-1])) and in row-per-example notation (Z = A·W + b, W of shape (n[l-1], n[l])), the
keys it reads and the keys it writes. All values of an iteration live in one dict keyed like the
cs231n code (`W1`, `Z1`, `dZ1`, `dW1`; `A0` is X), so parameters, caches and gradients share names.
Steps only ever add keys, never overwrite: undoing a step is deleting what it wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES

Values = dict[str, np.ndarray]

PHASES = ("forward", "loss", "backward", "update")


@dataclass(frozen=True)
class NetworkSpec:
    """The shape and the maths of a network; everything else (data, parameters) is state."""

    layers: tuple[int, ...]  # n[0] .. n[L]
    activations: tuple[str, ...]  # g[1] .. g[L]
    loss: str
    weight_decay: float = 0.0
    # "fused": dZ[L] = A[L] − Y where the output activation and the loss pair up; "chain": the
    # long way of the lecture, dA[L] = ∂L/∂A[L] first, then dZ[L] = dA[L] ⊙ g'(Z[L]).
    output_delta: str = "fused"
    # "by_layer": dW[l], db[l] as soon as δ[l] is known (the course notes); "deltas_first":
    # every δ first, then every gradient (the order of the UFLDL derivation).
    backward_order: str = "by_layer"

    @property
    def depth(self) -> int:
        return len(self.layers) - 1

    @property
    def collapses(self) -> bool:
        """True when dZ[L] = A[L] − Y directly (sigmoid + BCE, softmax + CE, linear + ½‖·‖²),
        unless the long way through dA[L] was asked for."""
        return self.output_delta == "fused" and LOSSES[self.loss].collapses(self.activations[-1])


@dataclass(frozen=True)
class StepSpec:
    id: str
    kind: str  # linear | activation | loss | dA_out | dZ | dW | db | dA | update
    phase: str  # one of PHASES
    layer: int | None
    formula: str  # LaTeX, column-per-example
    formula_rows: str  # LaTeX, row-per-example
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    run: Callable[[Values, float], None] = field(repr=False, compare=False)  # (values, α)
    # Reads whose inf/NaN entries always reach this step's outputs (element-wise arithmetic or
    # a sum over them: inf·0 = NaN, inf − inf = NaN). Matrix products are not trusted to (a
    # BLAS may skip zeros), and activations saturate (tanh(inf) = 1). See Stepper checks.
    covers: tuple[str, ...] = ()
    # Outputs that are finite whenever the inputs are (activations: g maps finite to finite).
    bounded: bool = False


def symbol(key: str) -> str:
    """LaTeX symbol of a value key: 'dW2' -> 'dW^{[2]}', 'A0' -> 'X', 'new_W1' -> 'W^{[1]}'."""
    if key == "A0":
        return "X"
    if key in ("Y", "J"):
        return key
    match = re.fullmatch(r"(new_)?(d?[A-Za-z])(\d+)", key)
    if not match:
        return key
    return f"{match.group(2)}^{{[{match.group(3)}]}}"


def _a(l: int) -> str:
    return "X" if l == 0 else f"A^{{[{l}]}}"


def _a_t(l: int) -> str:
    return r"X^\top" if l == 0 else f"A^{{[{l}]\\top}}"


def _g(name: str, arg: str) -> str:
    return {
        "sigmoid": rf"\sigma({arg})",
        "tanh": rf"\tanh({arg})",
        "relu": rf"\mathrm{{relu}}({arg})",
        "leaky_relu": rf"\mathrm{{lrelu}}({arg})",
        "linear": arg,
        "softmax": rf"\mathrm{{softmax}}({arg})",
    }[name]


def _g_prime(name: str, l: int) -> str:
    a, z = f"A^{{[{l}]}}", f"Z^{{[{l}]}}"
    return {
        "sigmoid": rf"{a} \odot (1 - {a})",
        "tanh": rf"(1 - {a} \odot {a})",
        "relu": rf"[{z} > 0]",
        "leaky_relu": rf"\mathrm{{lrelu}}'({z})",
        "linear": "1",
    }[name]


def _forward_steps(spec: NetworkSpec) -> list[StepSpec]:
    steps = []
    for l in range(1, spec.depth + 1):
        w, b, a_prev, z, a = f"W{l}", f"b{l}", f"A{l-1}", f"Z{l}", f"A{l}"
        act = ACTIVATIONS[spec.activations[l - 1]]

        def run_linear(v: Values, lr: float, w=w, b=b, a_prev=a_prev, z=z) -> None:
            out = v[w] @ v[a_prev]
            out += v[b]  # in place: one pass and one allocation fewer
            v[z] = out

        def run_activation(v: Values, lr: float, z=z, a=a, g=act.forward) -> None:
            v[a] = g(v[z])

        W, B, Z = f"W^{{[{l}]}}", f"b^{{[{l}]}}", f"Z^{{[{l}]}}"
        steps.append(StepSpec(
            z, "linear", "forward", l,
            rf"{Z} = {W}\,{_a(l-1)} + {B}",
            rf"{Z} = {_a(l-1)}\,{W} + {B}",
            (w, a_prev, b), (z,), run_linear))
        steps.append(StepSpec(
            a, "activation", "forward", l,
            rf"{_a(l)} = {_g(act.name, Z)}",
            rf"{_a(l)} = {_g(act.name, Z)}",
            (z,), (a,), run_activation, bounded=True))
    return steps


def _loss_step(spec: NetworkSpec) -> StepSpec:
    L, lam = spec.depth, spec.weight_decay
    loss = LOSSES[spec.loss]
    z_out, a_out = f"Z{L}", f"A{L}"
    weights = tuple(f"W{l}" for l in range(1, L + 1))

    def run(v: Values, lr: float) -> None:
        j = loss.value(v[z_out], v[a_out], v["Y"])
        if lam:
            j += 0.5 * lam * sum(float(np.sum(v[w] * v[w])) for w in weights)
        v["J"] = np.array(j)

    per_example = loss.latex.replace("@a", f"a^{{[{L}](i)}}").replace("@y", "y^{(i)}")
    decay = r" + \frac{\lambda}{2}\sum_{l}\lVert W^{[l]}\rVert_F^2" if lam else ""
    formula = rf"J = \frac{{1}}{{m}}\sum_{{i=1}}^{{m}} {per_example}{decay}"
    reads = (z_out, a_out, "Y") + (weights if lam else ())
    return StepSpec("J", "loss", "loss", None, formula, formula, reads, ("J",), run)


def _output_delta_steps(spec: NetworkSpec) -> list[StepSpec]:
    L = spec.depth
    loss, act = LOSSES[spec.loss], ACTIVATIONS[spec.activations[-1]]
    a_out, z_out, da_out, dz_out = f"A{L}", f"Z{L}", f"dA{L}", f"dZ{L}"
    dZ, dA = f"dZ^{{[{L}]}}", f"dA^{{[{L}]}}"
    if spec.collapses:
        def run_collapsed(v: Values, lr: float) -> None:
            v[dz_out] = v[a_out] - v["Y"]

        f = rf"{dZ} = A^{{[{L}]}} - Y"
        return [StepSpec(dz_out, "dZ", "backward", L, f, f, (a_out, "Y"), (dz_out,), run_collapsed,
                         covers=(a_out,))]

    def run_da(v: Values, lr: float) -> None:
        v[da_out] = loss.grad_a(v[a_out], v["Y"])

    def run_dz(v: Values, lr: float) -> None:
        v[dz_out] = act.backward(v[da_out], v[z_out], v[a_out])

    f_da = rf"{dA} = {loss.latex_grad.replace('[L]', f'[{L}]')}"
    if act.name == "softmax":
        f_dz = (rf"{dZ} = A^{{[{L}]}} \odot \left({dA} - "
                rf"\mathbf{{1}}\mathbf{{1}}^\top({dA} \odot A^{{[{L}]}})\right)")
        f_dz_rows = (rf"{dZ} = A^{{[{L}]}} \odot \left({dA} - "
                     rf"({dA} \odot A^{{[{L}]}})\mathbf{{1}}\mathbf{{1}}^\top\right)")
    else:
        f_dz = f_dz_rows = rf"{dZ} = {dA} \odot {_g_prime(act.name, L)}"
    return [
        StepSpec(da_out, "dA_out", "backward", L, f_da, f_da, (a_out, "Y"), (da_out,), run_da),
        StepSpec(dz_out, "dZ", "backward", L, f_dz, f_dz_rows, (da_out, z_out, a_out), (dz_out,),
                 run_dz, covers=(da_out,)),
    ]


def _layer_gradient_steps(spec: NetworkSpec, l: int) -> list[StepSpec]:
    """dW[l] and db[l] from δ[l] = dZ[l]."""
    lam = spec.weight_decay
    dz, a_prev, w, dw, db = f"dZ{l}", f"A{l-1}", f"W{l}", f"dW{l}", f"db{l}"

    def run_dw(v: Values, lr: float) -> None:
        grad = v[dz] @ v[a_prev].T / v[dz].shape[1]
        v[dw] = grad + lam * v[w] if lam else grad

    def run_db(v: Values, lr: float) -> None:
        v[db] = v[dz].sum(axis=1, keepdims=True) / v[dz].shape[1]

    dZ, W = f"dZ^{{[{l}]}}", f"W^{{[{l}]}}"
    decay = rf" + \lambda {W}" if lam else ""
    return [
        StepSpec(dw, "dW", "backward", l,
                 rf"dW^{{[{l}]}} = \frac{{1}}{{m}}\,{dZ}\,{_a_t(l-1)}{decay}",
                 rf"dW^{{[{l}]}} = \frac{{1}}{{m}}\,{_a_t(l-1)}\,{dZ}{decay}",
                 (dz, a_prev) + ((w,) if lam else ()), (dw,), run_dw),
        StepSpec(db, "db", "backward", l,
                 rf"db^{{[{l}]}} = \frac{{1}}{{m}}\sum_{{\text{{columns}}}} {dZ}",
                 rf"db^{{[{l}]}} = \frac{{1}}{{m}}\sum_{{\text{{rows}}}} {dZ}",
                 (dz,), (db,), run_db, covers=(dz,)),
    ]


def _layer_delta_steps(spec: NetworkSpec, l: int) -> list[StepSpec]:
    """dA[l-1] = W[l]ᵀ·dZ[l] and δ[l-1] = dZ[l-1] = dA[l-1] ⊙ g'(Z[l-1]); none for l = 1."""
    if l == 1:
        return []  # x is fixed data: it needs no gradient
    dz, w, dZ = f"dZ{l}", f"W{l}", f"dZ^{{[{l}]}}"
    da, z, a = f"dA{l-1}", f"Z{l-1}", f"A{l-1}"
    act = ACTIVATIONS[spec.activations[l - 2]]

    def run_da(v: Values, lr: float) -> None:
        if spec.layers[l] == 1:  # one unit: an outer product, exactly W^T·dZ, ~2× faster
            v[da] = v[w].T * v[dz]
        else:
            v[da] = v[w].T @ v[dz]

    def run_dz(v: Values, lr: float) -> None:
        v[f"dZ{l-1}"] = act.backward(v[da], v[z], v[a])

    dA = f"dA^{{[{l-1}]}}"
    dz_formula = rf"dZ^{{[{l-1}]}} = {dA} \odot {_g_prime(act.name, l - 1)}"
    return [
        StepSpec(da, "dA", "backward", l - 1,
                 rf"{dA} = W^{{[{l}]\top}} {dZ}", rf"{dA} = {dZ}\,W^{{[{l}]\top}}",
                 (w, dz), (da,), run_da),
        StepSpec(f"dZ{l-1}", "dZ", "backward", l - 1, dz_formula, dz_formula,
                 (da, z, a), (f"dZ{l-1}",), run_dz, covers=(da,)),
    ]


def _update_step(spec: NetworkSpec) -> StepSpec:
    L = spec.depth
    names = [(f"W{l}", f"dW{l}", f"new_W{l}") for l in range(1, L + 1)]
    names += [(f"b{l}", f"db{l}", f"new_b{l}") for l in range(1, L + 1)]

    def run(v: Values, lr: float) -> None:
        for p, g, new in names:
            v[new] = v[p] - lr * v[g]

    f = (r"W^{[l]} := W^{[l]} - \alpha\, dW^{[l]},\quad b^{[l]} := b^{[l]} - \alpha\, db^{[l]}"
         rf"\qquad (l = 1, \dots, {L})")
    reads = tuple(k for p, g, _ in names for k in (p, g))
    return StepSpec("update", "update", "update", None, f, f, reads,
                    tuple(new for _, _, new in names), run, covers=tuple(g for _, g, _ in names))


def build_plan(spec: NetworkSpec) -> list[StepSpec]:
    """Z1, A1, …, ZL, AL, J, [dAL], dZL, then per layer L..1: dW, db, [dA(l-1), dZ(l-1)],
    then the update; with backward_order "deltas_first", every dA, dZ first, then every dW, db."""
    steps = _forward_steps(spec) + [_loss_step(spec)] + _output_delta_steps(spec)
    layers = range(spec.depth, 0, -1)
    if spec.backward_order == "deltas_first":
        steps += [s for l in layers for s in _layer_delta_steps(spec, l)]
        steps += [s for l in layers for s in _layer_gradient_steps(spec, l)]
    else:
        for l in layers:
            steps += _layer_gradient_steps(spec, l) + _layer_delta_steps(spec, l)
    return steps + [_update_step(spec)]


def row_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Shape of the same value in row-per-example notation (every matrix transposed)."""
    return tuple(reversed(shape))


def step_record(step: StepSpec, values: Values, with_values: bool = True,
                arrays: bool = False) -> dict:
    """The step as plain data: formulas, operands with shapes, outputs with shapes and values."""

    def describe(key: str, value: bool) -> dict:
        arr = values[key]
        item = {"key": key, "symbol": symbol(key), "shape": list(arr.shape),
                "shape_rows": list(row_shape(arr.shape))}
        if value:
            item["value"] = arr if arrays else arr.tolist()
        return item

    return {
        "id": step.id,
        "kind": step.kind,
        "phase": step.phase,
        "layer": step.layer,
        "formula": step.formula,
        "formula_rows": step.formula_rows,
        "operands": [describe(k, False) for k in step.reads],
        "outputs": [describe(k, with_values) for k in step.writes],
    }
