"""The UFLDL notation overlay (note 002): each step's formula in the notes' indices.

The notes count layers from 1 with the input as layer 1: a(1) = x, z(l+1) = W(l)·a(l) + b(l),
so the app's A[l], Z[l], dZ[l] are the notes' a(l+1), z(l+1), δ(l+1); W[l] and b[l] keep their
index (W(l) maps layer l to l+1 in the notes, layer l−1 to l here); n_l = L + 1 layers."""

from __future__ import annotations

from ..engine import StepSpec


def _a(k: int) -> str:
    return "x" if k == 1 else f"a^{{({k})}}"


def ufldl_line(step: StepSpec, depth: int, loss: str, decay: bool) -> str | None:
    """The step in the notes' notation (LaTeX), None where the notes have no such line."""
    kind, l, nl = step.kind, step.layer, depth + 1
    i = "" if step.example is None else f"^{{({step.example + 1})}}"
    lam = r" + \lambda W^{(l)}" if decay else ""
    if kind == "example":
        return rf"(x{i}, y{i})"
    if kind == "linear":
        return rf"z^{{({l + 1})}} = W^{{({l})}}{_a(l)} + b^{{({l})}}"
    if kind == "activation":
        return rf"a^{{({l + 1})}} = f(z^{{({l + 1})}})"
    if kind == "loss":
        if loss == "squared_error":
            single = r"J(W,b;x,y) = \tfrac12\lVert h_{W,b}(x) - y\rVert^2"
            if step.example is not None:
                return single
            reg = (r" + \tfrac{\lambda}{2}\sum_l\sum_{i,j}(W^{(l)}_{ji})^2" if decay else "")
            return (r"J(W,b) = \frac1m\sum_{i=1}^m \tfrac12\lVert h_{W,b}(x^{(i)}) - "
                    rf"y^{{(i)}}\rVert^2{reg}")
        return None
    if kind in ("dA_out", "dZ") and l == depth:
        out = rf"\delta^{{({nl})}} = -(y - a^{{({nl})}}) \odot f'(z^{{({nl})}})"
        return out if loss == "squared_error" else rf"\delta^{{({nl})}} = " \
            rf"\frac{{\partial J}}{{\partial z^{{({nl})}}}} = -(y - a^{{({nl})}})"
    if kind == "dA":  # the app's dA[l] = W[l+1]ᵀ dZ[l+1]
        return rf"(W^{{({l + 1})}})^\top \delta^{{({l + 2})}}"
    if kind == "dZ":
        return (rf"\delta^{{({l + 1})}} = \left((W^{{({l + 1})}})^\top \delta^{{({l + 2})}}\right)"
                rf" \odot f'(z^{{({l + 1})}})")
    if kind == "dW" and step.example is not None:
        return (rf"\nabla_{{W^{{({l})}}}} J(W,b;x,y) = \delta^{{({l + 1})}} ({_a(l)})^\top,\quad "
                rf"\nabla_{{b^{{({l})}}}} J(W,b;x,y) = \delta^{{({l + 1})}}")
    if kind == "dW":
        a_i = "x^{(i)}" if l == 1 else f"a^{{({l})(i)}}"
        return (rf"\frac{{\partial J}}{{\partial W^{{({l})}}}} = \frac1m \sum_i \delta^{{({l + 1})"
                rf"(i)}} ({a_i})^\top{lam.replace('(l)', f'({l})')}")
    if kind == "db":
        return (rf"\frac{{\partial J}}{{\partial b^{{({l})}}}} = \frac1m \sum_i "
                rf"\delta^{{({l + 1})(i)}}")
    if kind == "accumulate":
        return (rf"\Delta W^{{({l})}} := \Delta W^{{({l})}} + \nabla_{{W^{{({l})}}}} J(W,b;x,y),"
                rf"\quad \Delta b^{{({l})}} := \Delta b^{{({l})}} + \nabla_{{b^{{({l})}}}} "
                "J(W,b;x,y)")
    if kind in ("average", "update"):
        return (rf"W^{{(l)}} := W^{{(l)}} - \alpha\left[\frac1m \Delta W^{{(l)}}{lam}\right],"
                r"\quad b^{(l)} := b^{(l)} - \alpha\left[\frac1m \Delta b^{(l)}\right]")
    return None
