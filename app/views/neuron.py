"""One neuron, worked out term by term for the selected example (a Mazur-style worked example).
g's symbol and g'(z) come from the activation's record (app/engine/activations.py), the one the
step formulas, the activation plot and the exported script read."""

from __future__ import annotations

import numpy as np

from ..engine import ACTIVATIONS, Stepper
from .fmt import num
from .fmt import tex_num as n

MAX_TERMS = 6
MAX_INCOMING = 16  # weights listed in the neuron's table of incoming edges (and its bias)



def _sum_terms(pairs: list[tuple[float, float]]) -> str:
    terms = [rf"({n(a)})({n(b)})" for a, b in pairs[:MAX_TERMS]]
    if len(pairs) > MAX_TERMS:
        terms.append(rf"\dots_{{({len(pairs) - MAX_TERMS}\text{{ more}})}}")
    return " + ".join(terms)


def _w(layer: str, to: object, frm: object, rows: bool) -> str:
    """The weight from unit `frm` into unit `to` as the notation indexes W: w_{to,frm} in the
    column notation (W is n[l] × n[l-1]), w_{frm,to} in the row notation (its transpose)."""
    return rf"w^{{{layer}}}_{{{frm}{to}}}" if rows else rf"w^{{{layer}}}_{{{to}{frm}}}"



def neuron_view(stepper: Stepper, layer: int, index: int, example: int,
                rows: bool = False, values: dict | None = None) -> dict | None:
    """Lines of LaTeX for unit `index` of `layer` and column `example`; None if out of range.
    `rows`: index the weights as the row notation's W (its transpose) does. `values`: one
    example's values alone under the batch names (per-example mode, one column: see
    network.example_values), read instead of the batch's."""
    spec, v = stepper.spec, stepper.values
    L = spec.depth
    if not (0 <= layer <= L and 0 <= index < spec.layers[layer]):
        return None
    i = min(example, v["A0"].shape[1] - 1)
    if values is not None:
        v, i = values, 0
        if "A0" not in v:  # x(i) not picked yet
            return {"layer": layer, "index": index, "example": example, "lines": [],
                    "input": layer == 0, "pending": True}
    j = index
    lines: list[str] = []
    if layer == 0:
        lines.append(rf"x_{{{j + 1}}} = {n(v['A0'][j, i])}")
        return {"layer": 0, "index": j, "example": i, "lines": lines, "input": True}
    params = stepper.params  # the pre-update weights: the ones this iteration's values used
    w, b = params[f"W{layer}"], params[f"b{layer}"]
    sub = rf"^{{[{layer}]}}_{{{j + 1}}}"
    g = spec.activations[layer - 1]
    if f"Z{layer}" in v:  # (then the layer before has its A too)
        a_prev = v[f"A{layer - 1}"][:, i]
        z = float(v[f"Z{layer}"][j, i])
        pairs = [(float(w[j, k]), float(a_prev[k])) for k in range(len(a_prev))]
        prev = "x" if layer == 1 else f"a^{{[{layer - 1}]}}"
        lines.append(rf"z{sub} = \sum_k {_w(f'[{layer}]', j + 1, 'k', rows)} {prev}_k + b{sub}")
        lines.append(rf"= {_sum_terms(pairs)} + ({n(b[j, 0])}) = {n(z)}")
        if f"A{layer}" in v:
            a = float(v[f"A{layer}"][j, i])
            arg = r"z_{1..n}" if g == "softmax" else n(z)
            lines.append(rf"a{sub} = {ACTIVATIONS[g].symbol}({arg}) = {n(a)}")
    if f"dZ{layer}" in v:
        lines += _delta_lines(stepper, layer, j, i, sub, g, v, rows)
    # Nothing of this unit computed yet in this iteration (its z comes at step Z[layer]).
    return {"layer": layer, "index": j, "example": i, "lines": lines, "input": False,
            "pending": not lines, **_incoming(stepper, layer, j)}


def _incoming(stepper: Stepper, layer: int, j: int) -> dict:
    """The edges into unit j of `layer` as text (what the drawing shows on hover): W[l]_j,k and
    b[l]_j as the drawing has them now, with dW and db once computed."""
    params, v = stepper.current_params(), stepper.values
    w, b = params[f"W{layer}"][j], params[f"b{layer}"][j, 0]
    dw, db = v.get(f"dW{layer}"), v.get(f"db{layer}")
    rows = [{"name": f"W[{layer}]_{j + 1},{k + 1}", "value": num(float(w[k])),
             "grad": "" if dw is None else num(float(dw[j, k]))}
            for k in range(min(len(w), MAX_INCOMING))]
    rows.append({"name": f"b[{layer}]_{j + 1}", "value": num(float(b)),
                 "grad": "" if db is None else num(float(db[j, 0]))})
    return {"incoming": rows, "incoming_grads": dw is not None}


def _delta_lines(stepper: Stepper, layer: int, j: int, i: int, sub: str, g: str,
                 v: dict, rows: bool = False) -> list[str]:
    """δ of the unit: from the loss at the output, from the next layer's δs elsewhere."""
    spec = stepper.spec
    delta = n(float(v[f"dZ{layer}"][j, i]))
    if layer == spec.depth:
        a, y = float(v[f"A{layer}"][j, i]), float(v["Y"][j, i])
        if spec.collapses:
            return [rf"\delta{sub} = a{sub} - y_{{{j + 1}}} = {n(a)} - ({n(y)}) = {delta}"]
        da = n(float(v[f"dA{layer}"][j, i]))
        g_prime = _g_prime_value(g, v, layer, j, i)
        return [rf"\delta{sub} = \frac{{\partial L}}{{\partial a{sub}}}\cdot g'(z{sub})"
                rf" = {da} \cdot {g_prime} = {delta}"]
    w_next = stepper.params[f"W{layer + 1}"]
    d_next = v[f"dZ{layer + 1}"][:, i]
    pairs = [(float(w_next[k, j]), float(d_next[k])) for k in range(len(d_next))]
    nxt = f"[{layer + 1}]"
    return [rf"\delta{sub} = \Big(\sum_k {_w(nxt, 'k', j + 1, rows)}\,\delta^{{{nxt}}}_k\Big)"
            rf"\, g'(z{sub})",
            rf"= \big({_sum_terms(pairs)}\big) \cdot {_g_prime_value(g, v, layer, j, i)}"
            rf" = {delta}"]


def _g_prime_value(g: str, v: dict, layer: int, j: int, i: int) -> str:
    if g == "softmax":  # not element-wise: the Jacobian mixes the outputs
        return r"(\text{softmax Jacobian})"
    act = ACTIVATIONS[g]
    assert act.derivative is not None
    value = act.derivative(v[f"Z{layer}"][j:j + 1, i:i + 1], v[f"A{layer}"][j:j + 1, i:i + 1])
    return n(float(np.ravel(value)[0]))
