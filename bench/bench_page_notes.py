"""Step page cost of the notes' views: render time per step (next + view-model + _stage.html)
in per-example mode against batch mode, and of the computation-graph fragment.

    .venv/bin/python bench/bench_page_notes.py

In process (no HTTP), on 2-8-8-1 on 200 circles and the largest network the engine allows
(64-32×6-16 on 2000 examples), one iteration warmed up, then three timed, each step's best
kept; the slowest step is named (per-example mode's remaining examples are done one batch step
per layer, each drawn like batch mode's).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.main import create_app  # noqa: E402
from app.schemas import SessionConfig  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.views.graph import graph_context  # noqa: E402
from app.views.i18n import translator  # noqa: E402
from app.views.page import stage_context, training_version  # noqa: E402

NETWORKS = {
    "2-8-8-1 circles (m=200)": {"layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"],
                                "dataset": "circles", "samples": 200},
    "largest 64-32x6-16 (m=2000)": {
        "layers": [64, 32, 32, 32, 32, 32, 32, 16], "activations": ["relu"] * 6 + ["sigmoid"],
        "loss": "squared_error", "dataset": "random", "samples": 2000, "init": "he"},
}


def run(app, cfg: dict, rounds: int = 3) -> tuple[list[float], str]:
    """Each step's render time, the best of `rounds` iterations (the machine is shared: the
    best is the least disturbed), and the slowest step's id and time."""
    session = app.state.store.create(SessionConfig(**cfg))
    stage = app.state.templates.get_template("_stage.html")
    steps = session.stepper.steps_per_iteration
    for _ in range(steps):
        session.stepper.next()
        stage.render(stage_context(session, "en", app.state.render_partial))
    best: dict[str, float] = {}
    held = None
    for _ in range(rounds * steps):
        t0 = time.perf_counter()
        step = session.stepper.next()
        stage.render(stage_context(session, "en", app.state.render_partial, client_training=held))
        held = training_version(session, "en")
        took = time.perf_counter() - t0
        best[step.id] = min(best.get(step.id, took), took)
    slowest = max(best, key=best.get)
    return list(best.values()), f"{slowest} {best[slowest] * 1e3:.1f} ms"


def main() -> None:
    app = create_app(Settings(data_dir=Path(tempfile.mkdtemp()), store="memory"))
    print("Render per step, in process (next + view-model + _stage.html)")
    for name, cfg in NETWORKS.items():
        for mode in ("batch", "per_example"):
            samples, slowest = run(app, cfg | {"gradient_mode": mode})
            s = sorted(x * 1e3 for x in samples)
            print(f"  {name:28s} {mode:11s} mean {statistics.fmean(s):6.2f} ms  "
                  f"p50 {s[len(s) // 2]:6.2f} ms  max {s[-1]:6.2f} ms  (slowest: {slowest})")
    print("Computation graph fragment (graph of L(i) + SVG), after the forward pass")
    for name, cfg in (("logistic 3-1", {"layers": [3, 1], "activations": ["sigmoid"],
                                        "dataset": "random", "samples": 6}),
                      ("2-8-8-1 circles", NETWORKS["2-8-8-1 circles (m=200)"])):
        session = app.state.store.create(SessionConfig(**cfg))
        session.stepper.forward()
        t, times = translator("en"), []
        for _ in range(50):
            t0 = time.perf_counter()
            graph_context(session.stepper, session.view, t)
            times.append(time.perf_counter() - t0)
        print(f"  {name:28s} mean {statistics.fmean(times) * 1e3:6.2f} ms")


if __name__ == "__main__":
    main()
