"""The computation graph of one example's loss L(i), scalar by scalar (the logistic-regression
lecture's x, w, b → z → a → L, for any network; micrograd's picture).

Every multiply w·a, every sum z = Σ w·a + b, every activation and the loss is a node with its
value and its gradient ∂L(i)/∂node. The graph is built from Python floats, apart from the matrix
engine, so it checks it too: averaged over the examples, the parameter nodes' gradients are the
batch's dW and db (weight decay aside). L(i) is one example's own loss: no 1/m, no λ term.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES
from .steps import NetworkSpec

# ∂L/∂y of one example's loss, per output unit: the targets are nodes too.
_TARGET_GRADS = {
    "squared_error": lambda a, y: y - a,
    "binary_cross_entropy": lambda a, y: math.log1p(-a) - math.log(a) if 0 < a < 1 else math.nan,
    "cross_entropy": lambda a, y: -math.log(a) if a > 0 else math.nan,
}


@dataclass
class Node:
    id: str
    op: str  # input | target | param | mul | add | <activation name> | <loss name>
    label: str  # LaTeX, 1-based indices as in the notes
    value: float
    inputs: tuple[str, ...] = ()
    local: tuple[float, ...] = ()  # ∂(this node)/∂(each input), at these values
    param: str | None = None  # "W1", "b2", … for parameter nodes
    index: tuple[int, ...] | None = None  # 0-based entry of the parameter (column notation)
    grad: float = 0.0  # ∂L(i)/∂(this node)

    def as_dict(self) -> dict:
        out = {"id": self.id, "op": self.op, "label": self.label, "value": _json(self.value),
               "grad": _json(self.grad), "inputs": list(self.inputs)}
        if self.param is not None:
            out["param"], out["index"] = self.param, list(self.index or ())
        return out


def _json(x: float) -> float | None:
    return x if math.isfinite(x) else None


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)

    def add(self, node: Node) -> Node:
        self.nodes[node.id] = node
        return node

    def backward(self, root: str) -> None:
        """Reverse mode: nodes were added in topological order, so walk them backwards."""
        for node in self.nodes.values():
            node.grad = 0.0
        self.nodes[root].grad = 1.0
        for node in reversed(self.nodes.values()):
            for source, local in zip(node.inputs, node.local, strict=True):
                self.nodes[source].grad += node.grad * local


def _layer(graph: Graph, spec: NetworkSpec, l: int, W: np.ndarray, b: np.ndarray,
           inputs: list[Node]) -> list[Node]:
    """Layer l's nodes: w·a products, z = Σ w·a + b, a = g(z). Returns the a nodes."""
    zs = []
    for j in range(W.shape[0]):
        terms = []
        for k, a_prev in enumerate(inputs):
            w = graph.add(Node(f"W{l}[{j},{k}]", "param", f"W^{{[{l}]}}_{{{j + 1}{k + 1}}}",
                               float(W[j, k]), param=f"W{l}", index=(j, k)))
            terms.append(graph.add(Node(
                f"W{l}[{j},{k}]*{a_prev.id}", "mul", rf"{w.label}\,{a_prev.label}",
                w.value * a_prev.value, (w.id, a_prev.id), (a_prev.value, w.value))))
        bias = graph.add(Node(f"b{l}[{j}]", "param", f"b^{{[{l}]}}_{{{j + 1}}}", float(b[j, 0]),
                              param=f"b{l}", index=(j,)))
        parts = terms + [bias]
        zs.append(graph.add(Node(f"z{l}[{j}]", "add", f"z^{{[{l}]}}_{{{j + 1}}}",
                                 math.fsum(p.value for p in parts), tuple(p.id for p in parts),
                                 (1.0,) * len(parts))))
    act = ACTIVATIONS[spec.activations[l - 1]]
    z_col = np.array([[z.value] for z in zs])
    a_col = act.forward(z_col)
    out = []
    for j, z in enumerate(zs):
        a = float(a_col[j, 0])
        if act.derivative is None:  # softmax: a_j reads every z_k; ∂a_j/∂z_k = a_j(δ_jk − a_k)
            ins = tuple(zk.id for zk in zs)
            local = tuple(a * ((j == k) - float(a_col[k, 0])) for k in range(len(zs)))
        else:
            ins, local = (z.id,), (float(act.derivative(z_col[j:j + 1], a_col[j:j + 1])[0, 0]),)
        out.append(graph.add(Node(f"a{l}[{j}]", act.name, f"a^{{[{l}]}}_{{{j + 1}}}", a,
                                  ins, local)))
    return out


def example_graph(spec: NetworkSpec, params: dict[str, np.ndarray], x: np.ndarray,
                  y: np.ndarray) -> Graph:
    """The graph of L(i) for one example: x is (n[0],), y is (n[L],); params has W1 (n[1], n[0]),
    b1 (n[1], 1), …. Values are computed forward, gradients ∂L(i)/∂node by reverse mode."""
    graph = Graph()
    a = [graph.add(Node(f"x[{k}]", "input", f"x_{{{k + 1}}}", float(x[k])))
         for k in range(x.shape[0])]
    z_out: list[Node] = []
    for l in range(1, spec.depth + 1):
        a = _layer(graph, spec, l, params[f"W{l}"], params[f"b{l}"], a)
        z_out = [graph.nodes[f"z{l}[{j}]"] for j in range(len(a))]
    ys = [graph.add(Node(f"y[{j}]", "target", f"y_{{{j + 1}}}", float(y[j])))
          for j in range(y.shape[0])]
    loss = LOSSES[spec.loss]
    z_col = np.array([[z.value] for z in z_out])
    a_col = np.array([[n.value] for n in a])
    y_col = np.array([[n.value] for n in ys])
    value = loss.value(z_col, a_col, y_col)  # m = 1: this example's own loss
    d_a = loss.grad_a(a_col, y_col)[:, 0]
    target_grad = _TARGET_GRADS[spec.loss]
    d_y = [target_grad(n.value, t.value) for n, t in zip(a, ys, strict=True)]
    graph.add(Node("L", spec.loss, r"\mathcal{L}^{(i)}", value,
                   tuple(n.id for n in a) + tuple(t.id for t in ys),
                   tuple(float(g) for g in d_a) + tuple(d_y)))
    graph.backward("L")
    return graph
