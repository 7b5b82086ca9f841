"""The computation graph of one example's loss L(i) as an SVG (note 003; micrograd's picture):
every node with its value and its gradient ∂L(i)/∂node. Small networks are drawn whole; for
larger ones, the paths into one neuron (its weights, inputs, products, z and a) and the loss."""

from __future__ import annotations

import numpy as np
from markupsafe import Markup, escape

from ..engine.graph import Graph, Node
from .fmt import num, shape
from .palette import Scale

FULL_UP_TO = 45  # nodes: a graph this small is drawn whole
COL_W, ROW_H, BOX_W, BOX_H, PAD = 118, 58, 100, 48, 10
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def plain_label(node: Node) -> str:
    """'W1[0,1]' -> 'W[1]₁₂', 'z2[0]' -> 'z[2]₁', 'x[2]' -> 'x₃', 'L' -> 'L(i)'; × for products."""
    if node.op == "mul":
        return "×"
    if node.id == "L":
        return "L"
    name, _, rest = node.id.partition("[")
    idx = "".join(str(int(p) + 1) for p in rest.rstrip("]").split(",")) if rest else ""
    letter, layer = name[0], name[1:]
    return f"{letter}{f'[{layer}]' if layer else ''}{idx.translate(_SUB)}"


def subset(graph: Graph, neuron: tuple[int, int] | None) -> tuple[list[str], bool]:
    """Ids of the nodes drawn, and whether that is the whole graph. Past FULL_UP_TO nodes: the
    paths into unit `neuron` = (layer, index), its weights, inputs, products, z and a, and L."""
    ids = list(graph.nodes)
    if len(ids) <= FULL_UP_TO or neuron is None:
        return ids, True
    l, j = neuron
    z = graph.nodes[f"z{l}[{j}]"]
    keep = {z.id, f"a{l}[{j}]", "L"}
    for source in z.inputs:
        keep.add(source)
        keep.update(graph.nodes[source].inputs)
    return [i for i in ids if i in keep], False


def _levels(graph: Graph, ids: list[str]) -> dict[str, int]:
    """Column of each node: one right of its rightmost input; leaves (parameters, targets)
    sit just left of the node they feed."""
    shown = set(ids)
    level: dict[str, int] = {}
    for i in ids:  # the graph's order is topological
        ins = [s for s in graph.nodes[i].inputs if s in shown]
        level[i] = 1 + max((level[s] for s in ins), default=-1)
        if i == "L" and not ins:  # L past a hidden unit: reached through the later
            level[i] = max(level.values()) + 1  # layers, one column on
    consumers: dict[str, list[str]] = {}
    for i in ids:
        for s in graph.nodes[i].inputs:
            if s in shown:
                consumers.setdefault(s, []).append(i)
    for i in ids:
        node = graph.nodes[i]
        if node.op in ("param", "target") and i in consumers:
            level[i] = min(level[c] for c in consumers[i]) - 1
    return level


def graph_view(graph: Graph, neuron: tuple[int, int] | None, example: int, rows: bool,
               t) -> dict:
    """The SVG of the graph (or one neuron's part of it) and the parameters' shapes."""
    ids, whole = subset(graph, neuron)
    level = _levels(graph, ids)
    columns: dict[int, list[str]] = {}
    for i in ids:
        columns.setdefault(level[i], []).append(i)
    tallest = max(len(c) for c in columns.values())
    pos = {}
    for col, members in columns.items():
        offset = (tallest - len(members)) * ROW_H / 2
        for k, i in enumerate(members):
            pos[i] = (PAD + col * COL_W, PAD + offset + k * ROW_H)
    width = PAD * 2 + (max(columns) + 1) * COL_W - (COL_W - BOX_W)
    height = PAD * 2 + tallest * ROW_H - (ROW_H - BOX_H)
    grads = np.array([graph.nodes[i].grad for i in ids])
    fills, inks = Scale.for_values(grads, False).colors(grads)
    parts = [f'<svg class="comp-graph" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(t("graph_title", i=example + 1))}" '
             f'style="min-width:{int(width * 0.75)}px;max-width:{width}px">']
    shown = set(ids)
    for i in ids:
        x2, y2 = pos[i]
        for s in graph.nodes[i].inputs:
            if s in shown:
                x1, y1 = pos[s]
                parts.append(f'<line class="g-edge" x1="{x1 + BOX_W}" y1="{y1 + BOX_H / 2}" '
                             f'x2="{x2}" y2="{y2 + BOX_H / 2}"></line>')
        if i == "L" and not whole and not any(s in shown for s in graph.nodes[i].inputs):
            src = [s for s in ids if s.startswith("a")][-1]  # the unit's a
            x1, y1 = pos[src]
            parts.append(f'<line class="g-edge later" x1="{x1 + BOX_W}" y1="{y1 + BOX_H / 2}" '
                         f'x2="{x2}" y2="{y2 + BOX_H / 2}"></line>')
    for k, i in enumerate(ids):
        node, (x, y) = graph.nodes[i], pos[i]
        label = plain_label(node)
        parts.append(
            f'<g class="g-node {node.op}" data-id="{escape(i)}" data-value="{node.value!r}" '
            f'data-grad="{node.grad!r}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" '
            f'rx="6" fill="{fills[k]}"></rect>'
            f'<text x="{x + BOX_W / 2}" y="{y + 14}" text-anchor="middle" fill="{inks[k]}" '
            f'class="g-label">{escape(label)}</text>'
            f'<text x="{x + BOX_W / 2}" y="{y + 29}" text-anchor="middle" fill="{inks[k]}">'
            f'{escape(t("graph_value"))} {num(node.value)}</text>'
            f'<text x="{x + BOX_W / 2}" y="{y + 43}" text-anchor="middle" fill="{inks[k]}">'
            f'{escape(t("graph_grad"))} {num(node.grad)}</text>'
            f'<title>{escape(label)}: {num(node.value)} · ∂L/∂ = {num(node.grad)}</title></g>')
    parts.append("</svg>")
    return {"svg": Markup("".join(parts)), "whole": whole, "count": len(graph.nodes),
            "drawn": len(ids), "shapes": parameter_shapes(graph, rows),
            "loss": num(graph.nodes["L"].value)}


def parameter_shapes(graph: Graph, rows: bool) -> list[dict]:
    """Each parameter and its gradient ∂L(i)/∂param, assembled from the graph's nodes: same
    shape ('foo and dfoo always have the same shape'), in the notation shown."""
    entries: dict[str, list[Node]] = {}
    for node in graph.nodes.values():
        if node.param is not None:
            entries.setdefault(node.param, []).append(node)
    out = []
    for name, nodes in entries.items():
        dims = tuple(max(n.index[d] for n in nodes) + 1 for d in range(len(nodes[0].index)))
        if len(dims) == 1:
            dims = (dims[0], 1)
        grad = np.zeros(dims)
        for n in nodes:
            grad[n.index if len(n.index) == 2 else (n.index[0], 0)] = n.grad
        shown = tuple(reversed(dims)) if rows else dims
        out.append({"name": f"{name[0]}[{name[1:]}]", "shape": shape(shown),
                    "grad_shape": shape(grad.T.shape if rows else grad.shape),
                    "same": grad.shape == dims})
    return out


def graph_context(stepper, view, t) -> dict:
    """Context of _graph.html: the graph of the shown example's L(i) once the forward pass of
    this iteration is done (graph None before), for the current parameters. The neuron chosen
    in the drawing (else the first output unit) is the one a large graph is cut down to."""
    from ..engine.graph import example_graph  # (app.engine.graph: pure NumPy)

    spec, v = stepper.spec, stepper.values
    m, L = v["A0"].shape[1], spec.depth
    i = min(view.example, m - 1)
    neuron = view.neuron  # a unit of this network past the inputs, else the first output unit
    if not neuron or not (1 <= neuron[0] <= L and 0 <= neuron[1] < spec.layers[neuron[0]]):
        neuron = (L, 0)
    context = {"t": t, "example": i, "graph": None, "neuron": neuron}
    if f"A{L}" not in v and f"a{L}@{i}" not in v:  # (per example: that example's forward)
        return context
    params = {k: v[k] for l in range(1, L + 1) for k in (f"W{l}", f"b{l}")}
    g = example_graph(spec, params, v["A0"][:, i], v["Y"][:, i])
    context["graph"] = graph_view(g, neuron, i, view.rows, t)
    return context
