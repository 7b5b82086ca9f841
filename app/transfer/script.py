"""The exported Python script: one training iteration written out in plain NumPy, layer by
layer, in the notation of the course notes. Every activation's and loss's line comes from its
record (app/engine/activations.py, app/engine/losses.py), the records the step formulas, the
worked neuron and the training runs read too, so the script cannot say other maths than the
page."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import numpy as np

from ..engine import ACTIVATIONS, LOSSES, NetworkSpec, Stepper
from ..engine.regularizers import REGULARIZERS, Regularizer
from ..schemas import SessionConfig


def _literal(values: Sequence) -> str:
    """Python source for a nested list of floats; repr() writes each double exactly."""
    if values and isinstance(values[0], list):
        return "[" + ", ".join(_literal(v) for v in values) + "]"
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def _matrix(name: str, arr: np.ndarray, comment: str) -> list[str]:
    rows = arr.tolist()
    if len(rows) == 1:
        return [f"{name} = np.array([{_literal(rows[0])}])  # {comment}"]
    lines = [f"{name} = np.array([  # {comment}"]
    lines += [f"    {_literal(row)}," for row in rows]
    return lines + ["])"]


def _shape(arr: np.ndarray) -> str:
    return "(" + ", ".join(str(d) for d in arr.shape) + ")"


def activation_line(name: str, z: str) -> tuple[str, str]:
    """A = g(Z) in Python for the activation `name` applied to the array named `z`, and its
    comment."""
    act = ACTIVATIONS[name]
    return act.code.format(z=z), act.code_note


def backward_line(name: str, da: str, a: str, z: str) -> tuple[str, str]:
    """dZ = dA ⊙ g'(Z) (softmax: its Jacobian product) in Python, from the arrays named `da`,
    `a` and `z`, and its comment."""
    act = ACTIVATIONS[name]
    return act.code_backward.format(da=da, a=a, z=z), act.code_backward_note


def helpers(activations: Sequence[str], loss: str) -> list[str]:
    """The sources of the functions the script's lines call, each once, in a fixed order."""
    records = [ACTIVATIONS[name] for name in ACTIVATIONS if name in activations]
    sources = [r.helper for r in records] + [LOSSES[loss].helper]
    return [source for source in sources if source]


def export_script(config: SessionConfig, stepper: Stepper) -> str:
    """A standalone Python script (NumPy and json only) that redoes the current iteration:
    forward pass, loss, backward pass and update, written out layer by layer in the notation
    of the course notes, and prints the loss, the gradients and the updated parameters."""
    s = stepper
    spec, L = s.spec, s.spec.depth
    X, Y = s.values["A0"], s.values["Y"]
    m, full_m = X.shape[1], s.X.shape[1]
    lam, alpha, reg = spec.weight_decay, s.learning_rate, spec.regularizer
    acts, loss = spec.activations, spec.loss
    a = ["X"] + [f"A{l}" for l in range(1, L + 1)]  # A[0] is X
    n = spec.layers
    cols = s.batch_columns(s.t)
    if cols is None:
        data_note = f"the whole training set: m = {m} examples"
    else:
        data_note = (f"this iteration's mini-batch: {m} of the {full_m} training examples "
                     f"(columns {', '.join(str(c) for c in cols[:12])}"
                     f"{', …' if len(cols) > 12 else ''} of the data, 0-based)")
    out: list[str] = []
    w = out.append
    w("#!/usr/bin/env python3")
    w(f'"""One training iteration of a {"-".join(map(str, n))} network in plain NumPy, '
      "written out.")
    w("")
    w(f"Exported by Backprop Stepper at iteration {s.t + 1} (step {s.c} of "
      f"{s.steps_per_iteration}).")
    w("The course notes' notation: one example per column. X is (n[0], m), Y is (n[L], m),")
    w("W[l] is (n[l], n[l-1]), b[l] is (n[l], 1); Z = W A + b, A = g(Z).")
    w("")
    w(f"Data: {data_note}.")
    w("The parameters are those at the start of the iteration, before its update.")
    w("")
    w("Run: python this_file.py  -> prints the loss, dW and db of every layer and the updated")
    w("W and b as JSON. Needs only NumPy.")
    w('"""')
    w("import json")
    w("")
    w("import numpy as np")
    w("")
    w("CONFIG = {")
    w(f"    \"layers\": {list(n)!r},")
    w(f"    \"activations\": {json.dumps(list(acts))},")
    w(f"    \"loss\": {json.dumps(loss)},")
    w(f"    \"learning_rate\": {alpha!r},  # alpha")
    w(f"    \"weight_decay\": {float(lam)!r},  # lambda, on W only")
    w("}")
    w("alpha = CONFIG[\"learning_rate\"]")
    w("lam = CONFIG[\"weight_decay\"]")
    w("")
    w(f"# ---- Data: {'the batch' if cols is not None else 'the training set'}, written one "
      "example per row; .T makes it one example per column ----")
    for name, arr in (("X", X), ("Y", Y)):
        rows = arr.T.tolist()
        w(f"{name} = np.array([")
        out.extend(f"    {_literal(row)}," for row in rows)
        w(f"]).T  # {_shape(arr)}")
    w("m = X.shape[1]  # examples in the batch")
    w("")
    w("# ---- Parameters at the start of the iteration ----")
    for l in range(1, L + 1):
        out.extend(_matrix(f"W{l}", s.params[f"W{l}"], f"W{l}: {_shape(s.params[f'W{l}'])}"))
        out.extend(_matrix(f"b{l}", s.params[f"b{l}"], f"b{l}: {_shape(s.params[f'b{l}'])}, "
                                                       "a column"))
    w("")
    sources = helpers(acts, loss)
    if sources:
        w("")
        for source in sources:
            w(source)
            w("")
            w("")
    if spec.gradient_mode == "per_example":
        out.extend(_per_example_lines(spec, m))
        return _script_end(out, L)
    w("# ---- Forward pass, layer by layer ----")
    for l in range(1, L + 1):
        code, note = activation_line(acts[l - 1], f"Z{l}")
        w(f"Z{l} = W{l} @ {a[l - 1]} + b{l}  # ({n[l]}, {m}) = ({n[l]}, {n[l - 1]}) @ "
          f"({n[l - 1]}, {m}) + ({n[l]}, 1)")
        w(f"A{l} = {code}  # {note}")
    w("")
    w("# ---- Loss J (averaged over the m examples) ----")
    out.extend(_loss_lines(loss, L, lam, reg.name))
    w("")
    w("# ---- Backward pass: dZ = dJ/dZ per example, then dW, db (averaged), layer by layer ----")
    out.extend(_output_delta_lines(spec))

    def gradients(l: int) -> None:
        decay = " + " + reg.code_gradient.format(w=f"W{l}") if lam else ""
        w(f"dW{l} = dZ{l} @ {a[l - 1]}.T / m{decay}  # ({n[l]}, {n[l - 1]})"
          + (f"; {reg.note}" if lam else ""))
        w(f"db{l} = np.sum(dZ{l}, axis=1, keepdims=True) / m  # ({n[l]}, 1)")

    def delta(l: int) -> None:
        if l > 1:
            code, note = backward_line(acts[l - 2], f"dA{l - 1}", f"A{l - 1}", f"Z{l - 1}")
            w(f"dA{l - 1} = W{l}.T @ dZ{l}  # ({n[l - 1]}, {m}): the error sent back to layer "
              f"{l - 1}")
            w(f"dZ{l - 1} = {code}  # {note}")

    if spec.backward_order == "deltas_first":
        w("# (every delta first, then every gradient: the order of the UFLDL derivation)")
        for l in range(L, 0, -1):
            delta(l)
        for l in range(L, 0, -1):
            gradients(l)
    else:
        for l in range(L, 0, -1):
            gradients(l)
            delta(l)
    return _script_end(out, L)


def _script_end(out: list[str], L: int) -> str:
    """The update, after the whole backward pass, and the printed result."""
    w = out.append
    w("")
    w("# ---- Update, after the whole backward pass: W := W - alpha dW, b := b - alpha db ----")
    for l in range(1, L + 1):
        w(f"W{l}_new = W{l} - alpha * dW{l}")
        w(f"b{l}_new = b{l} - alpha * db{l}")
    w("")
    w("result = {")
    w("    \"loss\": float(J),")
    w("    \"gradients\": {")
    for l in range(1, L + 1):
        w(f"        \"dW{l}\": dW{l}.tolist(), \"db{l}\": db{l}.ravel().tolist(),")
    w("    },")
    w("    \"updated\": {")
    for l in range(1, L + 1):
        w(f"        \"W{l}\": W{l}_new.tolist(), \"b{l}\": b{l}_new.ravel().tolist(),")
    w("    },")
    w("}")
    w("print(json.dumps(result))")
    return "\n".join(out) + "\n"


def _one_example(line: str) -> str:
    """A batch line for one example: its matrices become the example's columns (Z2 -> z2,
    dA1 -> da1, A -> a, X -> x, Y -> y), in the code and in its comment."""
    return re.sub(r"\b(d?)([ZAXY])(\d*)\b", lambda g: g[1] + g[2].lower() + g[3], line)


def _per_example_lines(spec: NetworkSpec, m: int) -> list[str]:
    """UFLDL's batch gradient descent: for each example its own forward pass, loss, δ and
    ∇W(i) = δ·aᵀ, summed into DW, Db; then J = (1/m)·Σ L(i) and dW = (1/m)·DW + λW."""
    L, acts, lam = spec.depth, spec.activations, spec.weight_decay
    a = ["x"] + [f"a{l}" for l in range(1, L + 1)]
    out = ["# ---- One example at a time (UFLDL's batch gradient descent): for each example,",
           "# its forward pass, its loss L(i), the delta of every layer and",
           "# dW(i) = dz a^T, db(i) = dz, summed into DW, Db.",
           "# Only then: J = (1/m) sum L(i), dW = (1/m) DW + lam W. ----",
           "L_sum = 0.0"]
    for l in range(1, L + 1):
        out += [f"DW{l} = np.zeros_like(W{l})", f"Db{l} = np.zeros_like(b{l})"]
    body = ["x, y = X[:, i:i + 1], Y[:, i:i + 1]  # example i as a column"]
    for l in range(1, L + 1):
        code, note = activation_line(acts[l - 1], f"z{l}")
        body += [f"z{l} = W{l} @ {a[l - 1]} + b{l}  # ({spec.layers[l]}, 1)",
                 f"a{l} = {code}  # {note}"]
    loss_lines = [_one_example(line) for line in _loss_lines(spec.loss, L, 0.0)]
    body += [line.replace("J = ", "L_i = ").replace(" / m", "") for line in loss_lines]
    body.append("L_sum += L_i")
    body += [_one_example(line) for line in _output_delta_lines(spec)]
    for l in range(L, 0, -1):
        body += [f"DW{l} += dz{l} @ {a[l - 1]}.T  # dW(i) = dz a^T, ({spec.layers[l]}, "
                 f"{spec.layers[l - 1]})", f"Db{l} += dz{l}  # db(i) = dz"]
        if l > 1:
            code, note = backward_line(acts[l - 2], f"da{l - 1}", f"a{l - 1}", f"z{l - 1}")
            body += [f"da{l - 1} = W{l}.T @ dz{l}", f"dz{l - 1} = {code}  # {note}"]
    out.append(f"for i in range(m):  # m = {m}")
    out += ["    " + line for line in body]
    out.append("J = L_sum / m")
    if lam:
        out.append(_penalty_line(spec.regularizer, L))
    for l in range(L, 0, -1):
        decay = " + " + spec.regularizer.code_gradient.format(w=f"W{l}") if lam else ""
        out += [f"dW{l} = DW{l} / m{decay}", f"db{l} = Db{l} / m"]
    return out


def _loss_lines(loss: str, L: int, lam: float, regularization: str = "l2") -> list[str]:
    """J of the output layer L from the loss's record, plus the penalty when λ is not 0."""
    lines = [line.format(z=f"Z{L}", a=f"A{L}") for line in LOSSES[loss].code]
    if lam:
        lines.append(_penalty_line(REGULARIZERS[regularization], L))
    return lines


def _penalty_line(reg: Regularizer, L: int) -> str:
    terms = " + ".join(reg.code_penalty.format(w=f"W{l}") for l in range(1, L + 1))
    return f"J = J + lam * ({terms})  # {reg.note}"


def _output_delta_lines(spec: NetworkSpec) -> list[str]:
    """dZ[L]: A − Y where the loss and the output activation pair up, else dA[L] from the
    loss's record and the chain rule through the activation's."""
    L, act, loss = spec.depth, spec.activations[-1], LOSSES[spec.loss]
    a, z = f"A{L}", f"Z{L}"
    if spec.collapses:
        return [f"dZ{L} = {a} - Y  # {loss.collapse_note}: dZ = A - Y"]
    code, note = backward_line(act, f"dA{L}", a, z)
    lines = [f"dA{L} = {loss.code_grad.format(a=a)}  # {loss.code_grad_note}",
             f"dZ{L} = {code}  # {note}"]
    if loss.collapses(act):
        lines.append(f"# the chain rule, written out: dZ{L} equals {a} - Y "
                     f"({loss.collapse_note})")
    return lines
