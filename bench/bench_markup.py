"""What a template version of the drawing's markup would cost: the network drawing's edges,
built in Python (app/views/network.py: fixed markup per layout, joined with the values per
call) against the same markup from a Jinja2 template (autoescaped) fed one record per edge.

    .venv/bin/python bench/bench_markup.py [--rounds N]

The edges are most of the drawing's markup (on the largest network the setup allows, 2-32×6-2,
the 717 drawn ones are ~160 KiB, every one changing with each update), so they decide the cost. The
script first checks that both ways give byte-identical markup, then times each (best of
`--rounds`, thread CPU time) for 2-8-8-1 and the largest network, and prints the ratio.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jinja2 import Environment  # noqa: E402

from app.schemas import SessionConfig  # noqa: E402
from app.sessions import build_stepper  # noqa: E402
from app.views import network as net  # noqa: E402
from app.views.palette import Scale  # noqa: E402

NETWORKS = {
    "2-8-8-1 circles (m=200)": dict(layers=[2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"],
                                    dataset="circles", samples=200),
    "2-32x6-2 spiral (m=2000)": dict(layers=[2] + [32] * 6 + [2],
                                     activations=["relu"] * 6 + ["softmax"],
                                     loss="cross_entropy", dataset="spiral", samples=2000),
}

# The same <line> as network._line, from one record per edge.
TEMPLATE = (
    '{% for e in edges %}<line class="edge{{ " neg" if e.shown < 0 }}{{ " bias" if e.bias }}" '
    'x1="{{ e.x1 }}" y1="{{ e.y1 }}" x2="{{ e.x2 }}" y2="{{ e.y2 }}" data-layer="{{ e.l }}" '
    'data-row="{{ e.j }}" data-col="{{ "bias" if e.bias else e.k }}" data-name="{{ e.name }}" '
    'stroke="{{ e.stroke }}" stroke-width="{{ e.width }}" data-value="{{ e.w }}" '
    'data-grad="{{ e.dw if e.dw is not none }}"></line>{% endfor %}')


def python_edges(stepper, geo, scale) -> str:
    p = stepper.current_params()
    v = stepper.values
    out = []
    for l in range(1, len(stepper.spec.layers)):
        out += net._layer_edges(l, geo, p[f"W{l}"], p[f"b{l}"], v.get(f"dW{l}"),
                                v.get(f"db{l}"), scale, False, False)
    return "".join(out)


def records(stepper, geo, scale) -> list[dict]:
    """One record per drawn edge: what a template needs (geometry, names, values, style)."""
    p = stepper.current_params()
    v = stepper.values
    edges = []
    for l in range(1, len(stepper.spec.layers)):
        w, b = p[f"W{l}"], p[f"b{l}"]
        dw, db = v.get(f"dW{l}"), v.get(f"db{l}")
        colours, widths, shown = net._strokes(w, scale, False)
        b_colours, b_widths, b_shown = net._strokes(b, scale, False)
        x1, x2 = geo.x(l - 1) + net.RADIUS, geo.x(l) - net.RADIUS
        n_in = w.shape[1]
        for slot, j in geo.slots(l):
            y2 = geo.y(l, slot)
            for slot0, k in geo.slots(l - 1):
                f = j * n_in + k
                edges.append({"bias": False, "x1": x1, "y1": geo.y(l - 1, slot0), "x2": x2,
                              "y2": y2, "l": l, "j": j, "k": k,
                              "name": f"W[{l}]_{j + 1},{k + 1}", "stroke": colours[f],
                              "width": widths[f], "shown": shown[f], "w": float(w.flat[f]),
                              "dw": None if dw is None else float(dw.flat[f])})
            edges.append({"bias": True, "x1": geo.x(l - 1), "y1": net.BIAS_Y, "x2": x2,
                          "y2": y2, "l": l, "j": j, "k": None, "name": f"b[{l}]_{j + 1}",
                          "stroke": b_colours[j], "width": b_widths[j], "shown": b_shown[j],
                          "w": float(b.flat[j]), "dw": None if db is None else float(db.flat[j])})
    return edges


def best(rounds: int, fn, *args, **kwargs) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.thread_time()
        fn(*args, **kwargs)
        times.append(time.thread_time() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    template = Environment(autoescape=True).from_string(TEMPLATE)
    for name, fields in NETWORKS.items():
        stepper, _ = build_stepper(SessionConfig(**fields))
        stepper.iterate()
        stepper.iterate()
        geo = net._geometry(tuple(stepper.spec.layers))
        scale = Scale(1.0)
        made = python_edges(stepper, geo, scale)
        templated = template.render(edges=records(stepper, geo, scale))
        assert made == templated, "the two ways must give the same markup"
        n = made.count("<line")
        t_py = best(args.rounds, python_edges, stepper, geo, scale)
        t_rec = best(args.rounds, records, stepper, geo, scale)
        t_tpl = best(args.rounds, template.render, edges=records(stepper, geo, scale))
        print(f"{name:28s} {n:6d} edges, {len(made) / 1024:6.0f} KiB   python {1e3 * t_py:7.2f} ms"
              f"   template {1e3 * (t_rec + t_tpl):7.2f} ms (records {1e3 * t_rec:.2f} + render"
              f" {1e3 * t_tpl:.2f})   template/python {(t_rec + t_tpl) / t_py:5.2f}×")


if __name__ == "__main__":
    main()
