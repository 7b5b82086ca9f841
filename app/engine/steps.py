"""One training iteration as an ordered list of micro-steps, each computing one equation.

A step is data: its id, its formula in column-per-example notation (Z = W·A + b, W of shape
(n[l], n[l-1])) and in row-per-example notation (Z = A·W + b, W of shape (n[l-1], n[l])), the
keys it reads and the keys it writes. All values of an iteration live in one dict keyed like the
cs231n code (`W1`, `Z1`, `dZ1`, `dW1`; `A0` is X), so parameters, caches and gradients share names.
Steps only ever add keys, never overwrite: undoing a step is deleting what it wrote.

Each step's `run` is its formula in plain NumPy, as the notes write it: Z = W·A + b,
dZ = dA ⊙ g'(Z), dW = (1/m)·dZ·A[l-1]ᵀ. Training runs use the same steps through
app/engine/fast.py (in-place kernels, outputs checked together), which gives the same bits.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .activations import ACTIVATIONS, Activation
from .losses import LOSSES
from .regularizers import REGULARIZERS, Regularizer

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
    # "batch": every step over the whole batch at once (one example per column); "per_example":
    # UFLDL's batch gradient descent, one example at a time, ΔW accumulated, then averaged.
    gradient_mode: str = "batch"
    # per_example: how many examples get their own steps; the remaining ones are done together,
    # one batch-mode step per layer (a move of the learner's jumps over them all).
    examples_shown: int = 3
    # The penalty λ applies to (app/engine/regularizers.py): "l2" weight decay or "l1".
    regularization: str = "l2"

    @property
    def regularizer(self) -> Regularizer:
        return REGULARIZERS[self.regularization]

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
    kind: str  # linear | activation | loss | dA_out | dZ | dW | db | dA | update, and
    # per example: example | accumulate | loss_sum | average
    phase: str  # one of PHASES
    layer: int | None
    formula: str  # LaTeX, column-per-example
    formula_rows: str  # LaTeX, row-per-example
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    run: Callable[[Values, float], None] = field(repr=False, compare=False)  # (values, α)
    # per_example mode: the 0-based example (column of the batch) this step works on.
    example: int | None = None
    # per_example mode, a step for the remaining examples (those without steps of their own),
    # all at once as batch mode computes them: the 0-based index of the first of them (the
    # number of examples shown); None for every other step.
    rest: int | None = None


def symbol(key: str) -> str:
    """LaTeX symbol of a value key: 'dW2' -> 'dW^{[2]}', 'A0' -> 'X', 'new_W1' -> 'W^{[1]}';
    one example's values: 'z1@0' -> 'z^{[1](1)}', 'SW2@0' -> 'ΔW^{[2]}', 'L@3' -> 'L^{(4)}'."""
    if key == "A0":
        return "X"
    if key in ("Y", "J"):
        return key
    if key == "Lsum":
        return r"\textstyle\sum_i L^{(i)}"
    example = re.fullmatch(r"(L|x|y|[a-z]+|gW|gb|SW|Sb)(\d*)@(\d+)", key)
    if example:
        name, l, i = example.groups()
        return _example_symbol(name, l, f"({int(i) + 1})")
    match = re.fullmatch(r"(SW|Sb)(\d+)", key)
    if match:
        return _example_symbol(*match.groups(), "")
    match = re.fullmatch(r"(new_)?(d?[A-Za-z])(\d+)", key)
    if not match:
        return key
    return f"{match.group(2)}^{{[{match.group(3)}]}}"


def _example_symbol(name: str, l: str, i: str) -> str:
    layer = f"[{l}]" if l else ""
    base = {"gW": "dW", "gb": "db", "SW": r"\Delta W", "Sb": r"\Delta b"}.get(name, name)
    if name in ("SW", "Sb"):
        return f"{base}^{{{layer}}}"
    if name == "a" and l == "0":
        return f"x^{{{i}}}"
    return f"{base}^{{{layer}{i}}}"


def _a(l: int) -> str:
    return "X" if l == 0 else f"A^{{[{l}]}}"


def _a_t(l: int) -> str:
    return r"X^\top" if l == 0 else f"A^{{[{l}]\\top}}"


def _g(name: str, arg: str) -> str:
    return ACTIVATIONS[name].tex_of(arg)


def _g_prime(name: str, l: int) -> str:
    return ACTIVATIONS[name].tex_prime_of(f"A^{{[{l}]}}", f"Z^{{[{l}]}}")


def chain(act: Activation, da: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """dZ = dA ⊙ g'(Z), all (n, m); softmax is not element-wise: per column, the Jacobian
    product dz = a ⊙ (da − Σ_k da_k·a_k)."""
    if act.derivative is None:  # softmax
        return a * (da - (da * a).sum(axis=0, keepdims=True))
    return da * act.derivative(z, a)


def _forward_steps(spec: NetworkSpec) -> list[StepSpec]:
    steps = []
    for l in range(1, spec.depth + 1):
        w, b, a_prev, z, a = f"W{l}", f"b{l}", f"A{l-1}", f"Z{l}", f"A{l}"
        act = ACTIVATIONS[spec.activations[l - 1]]

        def run_linear(v: Values, lr: float, w=w, b=b, a_prev=a_prev, z=z) -> None:
            v[z] = v[w] @ v[a_prev] + v[b]

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
            (z,), (a,), run_activation))
    return steps


def _loss_step(spec: NetworkSpec) -> StepSpec:
    L, lam = spec.depth, spec.weight_decay
    loss = LOSSES[spec.loss]
    z_out, a_out = f"Z{L}", f"A{L}"
    weights = tuple(f"W{l}" for l in range(1, L + 1))

    def run(v: Values, lr: float) -> None:
        j = loss.value(v[z_out], v[a_out], v["Y"])
        if lam:
            j += lam * sum(reg.penalty(v[w]) for w in weights)
        v["J"] = np.array(j)

    reg = spec.regularizer
    per_example = loss.latex.replace("@a", f"a^{{[{L}](i)}}").replace("@y", "y^{(i)}")
    decay = f" + {reg.latex_penalty}" if lam else ""
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
        return [StepSpec(dz_out, "dZ", "backward", L, f, f, (a_out, "Y"), (dz_out,), run_collapsed)]

    def run_da(v: Values, lr: float) -> None:
        v[da_out] = loss.grad_a(v[a_out], v["Y"])

    def run_dz(v: Values, lr: float) -> None:
        v[dz_out] = chain(act, v[da_out], v[z_out], v[a_out])

    f_da = rf"{dA} = {loss.latex_grad.replace('[L]', f'[{L}]')}"
    f_dz, f_dz_rows = (rf"{dZ} = {act.tex_dz(dA, f'A^{{[{L}]}}', f'Z^{{[{L}]}}', rows)}"
                       for rows in (False, True))
    return [
        StepSpec(da_out, "dA_out", "backward", L, f_da, f_da, (a_out, "Y"), (da_out,), run_da),
        StepSpec(dz_out, "dZ", "backward", L, f_dz, f_dz_rows, (da_out, z_out, a_out), (dz_out,),
                 run_dz),
    ]


def _layer_gradient_steps(spec: NetworkSpec, l: int) -> list[StepSpec]:
    """dW[l] and db[l] from δ[l] = dZ[l]."""
    lam = spec.weight_decay
    dz, a_prev, w, dw, db = f"dZ{l}", f"A{l-1}", f"W{l}", f"dW{l}", f"db{l}"

    reg = spec.regularizer

    def run_dw(v: Values, lr: float) -> None:
        grad = v[dz] @ v[a_prev].T / v[dz].shape[1]
        v[dw] = grad + lam * reg.gradient(v[w]) if lam else grad

    def run_db(v: Values, lr: float) -> None:
        v[db] = v[dz].sum(axis=1, keepdims=True) / v[dz].shape[1]

    dZ, W = f"dZ^{{[{l}]}}", f"W^{{[{l}]}}"
    decay = " + " + reg.latex_gradient.replace("@W", W) if lam else ""
    return [
        StepSpec(dw, "dW", "backward", l,
                 rf"dW^{{[{l}]}} = \frac{{1}}{{m}}\,{dZ}\,{_a_t(l-1)}{decay}",
                 rf"dW^{{[{l}]}} = \frac{{1}}{{m}}\,{_a_t(l-1)}\,{dZ}{decay}",
                 (dz, a_prev) + ((w,) if lam else ()), (dw,), run_dw),
        StepSpec(db, "db", "backward", l,
                 rf"db^{{[{l}]}} = \frac{{1}}{{m}}\sum_{{\text{{columns}}}} {dZ}",
                 rf"db^{{[{l}]}} = \frac{{1}}{{m}}\sum_{{\text{{rows}}}} {dZ}",
                 (dz,), (db,), run_db),
    ]


def _layer_delta_steps(spec: NetworkSpec, l: int) -> list[StepSpec]:
    """dA[l-1] = W[l]ᵀ·dZ[l] and δ[l-1] = dZ[l-1] = dA[l-1] ⊙ g'(Z[l-1]); none for l = 1."""
    if l == 1:
        return []  # x is fixed data: it needs no gradient
    dz, w, dZ = f"dZ{l}", f"W{l}", f"dZ^{{[{l}]}}"
    da, z, a = f"dA{l-1}", f"Z{l-1}", f"A{l-1}"
    act = ACTIVATIONS[spec.activations[l - 2]]

    def run_da(v: Values, lr: float) -> None:
        v[da] = v[w].T @ v[dz]

    def run_dz(v: Values, lr: float) -> None:
        v[f"dZ{l-1}"] = chain(act, v[da], v[z], v[a])

    dA = f"dA^{{[{l-1}]}}"
    dz_formula = rf"dZ^{{[{l-1}]}} = {dA} \odot {_g_prime(act.name, l - 1)}"
    return [
        StepSpec(da, "dA", "backward", l - 1,
                 rf"{dA} = W^{{[{l}]\top}} {dZ}", rf"{dA} = {dZ}\,W^{{[{l}]\top}}",
                 (w, dz), (da,), run_da),
        StepSpec(f"dZ{l-1}", "dZ", "backward", l - 1, dz_formula, dz_formula,
                 (da, z, a), (f"dZ{l-1}",), run_dz),
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
                    tuple(new for _, _, new in names), run)


def _example_steps(spec: NetworkSpec, i: int) -> list[StepSpec]:
    """Example i alone (UFLDL's batch gradient descent, note 002): x(i), the forward pass,
    L(i), δ of the output, then per layer L..1: ∇W(i) = δ·aᵀ, ∇b(i) = δ, ΔW += ∇W(i),
    Δb += ∇b(i), and δ of the layer below. Values are columns (n[l], 1); keys end in @i."""
    L, loss, lam = spec.depth, LOSSES[spec.loss], spec.weight_decay
    del lam  # weight decay joins once, in the average: dW = (1/m)ΔW + λW
    n = f"({i + 1})"
    at = f"@{i}"

    def sym(name: str, l: int | None = None) -> str:
        layer = f"[{l}]" if l is not None else ""
        return f"{name}^{{{layer}{n}}}"

    def x_or_a(l: int) -> str:
        return sym("x") if l == 0 else sym("a", l)

    def run_pick(v: Values, lr: float) -> None:
        v["a0" + at], v["y" + at] = v["A0"][:, i:i + 1], v["Y"][:, i:i + 1]

    steps = [StepSpec("x" + at, "example", "forward", None,
                      rf"{sym('x')} = X_{{:,{i + 1}}},\quad {sym('y')} = Y_{{:,{i + 1}}}",
                      rf"{sym('x')} = X_{{{i + 1},:}},\quad {sym('y')} = Y_{{{i + 1},:}}",
                      ("A0", "Y"), ("a0" + at, "y" + at), run_pick, example=i)]
    for l in range(1, L + 1):
        act = ACTIVATIONS[spec.activations[l - 1]]
        w, b, a_prev, z, a = f"W{l}", f"b{l}", f"a{l-1}{at}", f"z{l}{at}", f"a{l}{at}"

        def run_linear(v: Values, lr: float, w=w, b=b, a_prev=a_prev, z=z) -> None:
            v[z] = v[w] @ v[a_prev] + v[b]

        def run_activation(v: Values, lr: float, z=z, a=a, g=act.forward) -> None:
            v[a] = g(v[z])

        W, B = f"W^{{[{l}]}}", f"b^{{[{l}]}}"
        steps += [
            StepSpec(z, "linear", "forward", l, rf"{sym('z', l)} = {W}\,{x_or_a(l - 1)} + {B}",
                     rf"{sym('z', l)} = {x_or_a(l - 1)}\,{W} + {B}", (w, a_prev, b), (z,),
                     run_linear, example=i),
            StepSpec(a, "activation", "forward", l, rf"{sym('a', l)} = {_g(act.name, sym('z', l))}",
                     rf"{sym('a', l)} = {_g(act.name, sym('z', l))}", (z,), (a,), run_activation,
                     example=i),
        ]
    z_out, a_out, y = f"z{L}{at}", f"a{L}{at}", f"y{at}"

    def run_loss(v: Values, lr: float) -> None:
        v["L" + at] = np.array(loss.value(v[z_out], v[a_out], v[y]))

    per = loss.latex.replace("@a", sym("a", L)).replace("@y", sym("y"))
    steps.append(StepSpec("L" + at, "loss", "loss", None, rf"L^{{{n}}} = {per}",
                          rf"L^{{{n}}} = {per}", (z_out, a_out, y), ("L" + at,), run_loss,
                          example=i))
    out = ACTIVATIONS[spec.activations[-1]]
    if spec.collapses:
        def run_dz_out(v: Values, lr: float) -> None:
            v[f"dz{L}{at}"] = v[a_out] - v[y]

        f = rf"{sym('dz', L)} = {sym('a', L)} - {sym('y')}"
        steps.append(StepSpec(f"dz{L}{at}", "dZ", "backward", L, f, f, (a_out, y),
                              (f"dz{L}{at}",), run_dz_out, example=i))
    else:
        def run_da_out(v: Values, lr: float) -> None:
            v[f"da{L}{at}"] = loss.grad_a(v[a_out], v[y])

        def run_dz_out(v: Values, lr: float) -> None:
            v[f"dz{L}{at}"] = chain(out, v[f"da{L}{at}"], v[z_out], v[a_out])

        grad = loss.latex_grad.replace("A^{[L]}", sym("a", L)).replace("Y", sym("y"))
        f_da = rf"{sym('da', L)} = {grad}"
        f_dz = rf"{sym('dz', L)} = {sym('da', L)} \odot g'({sym('z', L)})"
        steps += [
            StepSpec(f"da{L}{at}", "dA_out", "backward", L, f_da, f_da, (a_out, y),
                     (f"da{L}{at}",), run_da_out, example=i),
            StepSpec(f"dz{L}{at}", "dZ", "backward", L, f_dz, f_dz,
                     (f"da{L}{at}", z_out, a_out), (f"dz{L}{at}",), run_dz_out, example=i),
        ]
    for l in range(L, 0, -1):
        steps += _example_layer_steps(spec, l, i, sym, x_or_a)
    return steps


def _example_layer_steps(spec: NetworkSpec, l: int, i: int, sym, x_or_a) -> list[StepSpec]:
    """Layer l for example i: ∇W(i), ∇b(i), the accumulation into ΔW, Δb, and δ of layer l-1."""
    at = f"@{i}"
    dz, a_prev, gw, gb = f"dz{l}{at}", f"a{l-1}{at}", f"gW{l}{at}", f"gb{l}{at}"
    sw, sb = f"SW{l}{at}", f"Sb{l}{at}"
    sw_before = f"SW{l}@{i - 1}" if i else None
    sb_before = f"Sb{l}@{i - 1}" if i else None

    def run_grads(v: Values, lr: float) -> None:
        v[gw] = v[dz] @ v[a_prev].T
        v[gb] = v[dz].copy()

    def run_accumulate(v: Values, lr: float) -> None:
        v[sw] = v[sw_before] + v[gw] if sw_before else v[gw].copy()
        v[sb] = v[sb_before] + v[gb] if sb_before else v[gb].copy()

    dW, db, dZ = sym("dW", l), sym("db", l), sym("dz", l)
    a_t = rf"x^{{({i + 1})\top}}" if l == 1 else rf"a^{{[{l - 1}]({i + 1})\top}}"
    dW_sum, db_sum = rf"\Delta W^{{[{l}]}}", rf"\Delta b^{{[{l}]}}"
    plus = "0 + " if not i else f"{dW_sum} + "
    plus_b = "0 + " if not i else f"{db_sum} + "
    steps = [
        StepSpec(gw, "dW", "backward", l, rf"{dW} = {dZ}\,{a_t},\quad {db} = {dZ}",
                 rf"{dW} = {a_t}\,{dZ},\quad {db} = {dZ}", (dz, a_prev), (gw, gb),
                 run_grads, example=i),
        StepSpec(sw, "accumulate", "backward", l,
                 rf"{dW_sum} := {plus}{dW},\quad {db_sum} := {plus_b}{db}",
                 rf"{dW_sum} := {plus}{dW},\quad {db_sum} := {plus_b}{db}",
                 ((sw_before, sb_before) if i else ()) + (gw, gb), (sw, sb), run_accumulate,
                 example=i),
    ]
    if l == 1:
        return steps
    act = ACTIVATIONS[spec.activations[l - 2]]
    w, da, z, a = f"W{l}", f"da{l-1}{at}", f"z{l-1}{at}", f"a{l-1}{at}"

    def run_da(v: Values, lr: float) -> None:
        v[da] = v[w].T @ v[dz]

    def run_dz(v: Values, lr: float) -> None:
        v[f"dz{l-1}{at}"] = chain(act, v[da], v[z], v[a])

    g_prime = _g_prime(act.name, l - 1).replace(f"A^{{[{l - 1}]}}", sym("a", l - 1)).replace(
        f"Z^{{[{l - 1}]}}", sym("z", l - 1))
    f_dz = rf"{sym('dz', l - 1)} = {sym('da', l - 1)} \odot {g_prime}"
    return steps + [
        StepSpec(da, "dA", "backward", l - 1, rf"{sym('da', l - 1)} = W^{{[{l}]\top}} {dZ}",
                 rf"{sym('da', l - 1)} = {dZ}\,W^{{[{l}]\top}}", (w, dz), (da,), run_da,
                 example=i),
        StepSpec(f"dz{l-1}{at}", "dZ", "backward", l - 1, f_dz, f_dz, (da, z, a),
                 (f"dz{l-1}{at}",), run_dz, example=i),
    ]


def _rest_steps(spec: NetworkSpec, shown: int) -> list[StepSpec]:
    """Examples shown+1..m together, layer by layer, as batch mode computes them: Z[l], A[l]
    over the batch (column i is example i's z[l](i), a[l](i); the first `shown` columns repeat
    the examples above, kept for the drawing and the check against batch mode), Σ L(i), the
    output δ, then per layer L..1 the sum of the remaining examples' ∇W(i) = δ(i)·a(i)ᵀ and
    ∇b(i) = δ(i) added to ΔW, Δb (keys SW{l}, Sb{l}), and δ of the layer below. Each step is
    one of batch mode's, or as costly as one, so none is slower than batch mode's slowest."""
    L, loss = spec.depth, LOSSES[spec.loss]
    batch = NetworkSpec(spec.layers, spec.activations, spec.loss, 0.0, spec.output_delta)
    steps = _forward_steps(batch)
    k = shown

    def run_losses(v: Values, lr: float) -> None:
        total = sum(float(v[f"L@{i}"]) for i in range(k))
        rest = v["Y"].shape[1] - k
        if rest:  # the remaining examples' losses: their mean times their count
            total += rest * loss.value(v[f"Z{L}"][:, k:], v[f"A{L}"][:, k:], v["Y"][:, k:])
        v["Lsum"] = np.array(total)

    shown_terms = " + ".join(f"L^{{({i + 1})}}" for i in range(k)) if k <= 3 else \
        rf"L^{{(1)}} + \dots + L^{{({k})}}"
    per = loss.latex.replace("@a", f"a^{{[{L}](i)}}").replace("@y", "y^{(i)}")
    f_sum = rf"\textstyle\sum_i L^{{(i)}} = {shown_terms} + \sum_{{i={k + 1}}}^{{m}} {per}"
    steps.append(StepSpec("Lsum", "loss_sum", "loss", None, f_sum, f_sum,
                          tuple(f"L@{i}" for i in range(k)) + (f"Z{L}", f"A{L}", "Y"),
                          ("Lsum",), run_losses))
    steps += _output_delta_steps(batch)
    for l in range(L, 0, -1):
        steps += [_rest_accumulate_step(l, k)] + _layer_delta_steps(batch, l)
    return [dataclasses.replace(st, rest=k) for st in steps]


def _rest_accumulate_step(l: int, k: int) -> StepSpec:
    """ΔW[l] += Σ_{i>k} δ(i)·a(i)ᵀ, Δb[l] += Σ_{i>k} δ(i): the sum of the remaining examples'
    outer products is one matrix product of their columns of dZ[l] and A[l-1]."""
    dz, a_prev, sw, sb = f"dZ{l}", f"A{l-1}", f"SW{l}@{k - 1}", f"Sb{l}@{k - 1}"

    def run(v: Values, lr: float) -> None:
        d = v[dz][:, k:]
        v[f"SW{l}"] = v[sw] + d @ v[a_prev][:, k:].T
        v[f"Sb{l}"] = v[sb] + d.sum(axis=1, keepdims=True)

    x_t = r"x^{(i)\top}" if l == 1 else rf"a^{{[{l - 1}](i)\top}}"
    dW, db, delta = rf"\Delta W^{{[{l}]}}", rf"\Delta b^{{[{l}]}}", f"dz^{{[{l}](i)}}"
    total = rf"\sum_{{i={k + 1}}}^{{m}}"
    # Two rows, so that the sums fit the equation's box.
    f = (rf"\begin{{aligned}}{dW} &:= {dW} + {total} {delta}\,{x_t}\\ "
         rf"{db} &:= {db} + {total} {delta}\end{{aligned}}")
    f_rows = (rf"\begin{{aligned}}{dW} &:= {dW} + {total} {x_t}\,{delta}\\ "
              rf"{db} &:= {db} + {total} {delta}\end{{aligned}}")
    return StepSpec(f"SW{l}", "accumulate", "backward", l, f, f_rows, (sw, sb, dz, a_prev),
                    (f"SW{l}", f"Sb{l}"), run)


def _average_steps(spec: NetworkSpec) -> list[StepSpec]:
    """J = (1/m)·Σ L(i) (+ λ/2·Σ‖W‖²), then dW = (1/m)·ΔW + λW and db = (1/m)·Δb for every
    layer: the batch's gradients, from the sums."""
    L, lam = spec.depth, spec.weight_decay
    weights = tuple(f"W{l}" for l in range(1, L + 1))

    def run_loss(v: Values, lr: float) -> None:
        j = float(v["Lsum"]) / v["Y"].shape[1]
        if lam:
            j += lam * sum(reg.penalty(v[w]) for w in weights)
        v["J"] = np.array(j)

    def run_average(v: Values, lr: float) -> None:
        m = v["Y"].shape[1]
        for l in range(1, L + 1):
            grad = v[f"SW{l}"] / m
            v[f"dW{l}"] = grad + lam * reg.gradient(v[f"W{l}"]) if lam else grad
            v[f"db{l}"] = v[f"Sb{l}"] / m

    reg = spec.regularizer
    decay = f" + {reg.latex_penalty}" if lam else ""
    f_j = rf"J = \frac{{1}}{{m}}\sum_{{i=1}}^{{m}} L^{{(i)}}{decay}"
    w_decay = " + " + reg.latex_gradient.replace("@W", "W^{[l]}") if lam else ""
    f_avg = (rf"dW^{{[l]}} = \frac{{1}}{{m}}\Delta W^{{[l]}}{w_decay},\quad "
             rf"db^{{[l]}} = \frac{{1}}{{m}}\Delta b^{{[l]}}\qquad (l = 1, \dots, {L})")
    sums = tuple(f"S{p}{l}" for l in range(1, L + 1) for p in "Wb")
    return [
        StepSpec("J", "loss", "loss", None, f_j, f_j, ("Lsum", "Y") + (weights if lam else ()),
                 ("J",), run_loss),
        StepSpec("average", "average", "backward", None, f_avg, f_avg,
                 sums + (weights if lam else ()),
                 tuple(f"d{p}{l}" for l in range(1, L + 1) for p in "Wb"), run_average),
    ]


def _per_example_plan(spec: NetworkSpec) -> list[StepSpec]:
    shown = spec.examples_shown
    steps = [st for i in range(shown) for st in _example_steps(spec, i)]
    return steps + _rest_steps(spec, shown) + _average_steps(spec) + [_update_step(spec)]


def build_plan(spec: NetworkSpec) -> list[StepSpec]:
    """Z1, A1, …, ZL, AL, J, [dAL], dZL, then per layer L..1: dW, db, [dA(l-1), dZ(l-1)],
    then the update; with backward_order "deltas_first", every dA, dZ first, then every dW, db.
    With gradient_mode "per_example", see _per_example_plan."""
    if spec.gradient_mode == "per_example":
        return _per_example_plan(spec)
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
