"""What a pinned run costs the training panel: its view-model built after each iteration of a
2-8-8-1 network on 200 circles, alone and with a 1000-iteration run pinned beside it (both runs'
curves, the pinned run's plane replayed to the same update), and the first view far into a run
(the pinned run replayed from its start; later views start from its checkpoints).

    .venv/bin/python bench/bench_pinned.py
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.pinned import pin  # noqa: E402
from app.schemas import SessionConfig  # noqa: E402
from app.sessions import build_stepper  # noqa: E402
from app.views.cache import RenderCache  # noqa: E402
from app.views.i18n import translator  # noqa: E402
from app.views.training import Runs, training_view  # noqa: E402

NET = {"layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"],
       "dataset": "circles", "samples": 200}


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    pinned_config = SessionConfig(**NET, init="zeros")
    pinned_run, _ = build_stepper(pinned_config)
    pinned_run.train(1000)
    pinned = pin(pinned_config, pinned_run, 10_000)
    config = SessionConfig(**NET)
    for label, runs in (("alone", None), ("pinned", Runs(pinned, config, translator("en")))):
        current, _ = build_stepper(config)
        cache = RenderCache()
        times = []
        for _ in range(60):
            current.train(1)
            times.append(timed(lambda c=current, k=cache, r=runs: training_view(c, k, runs=r)))
        median = 1e3 * statistics.median(times[1:])
        print(f"panel after each iteration, {label:6}: median {median:6.2f} ms")
    current, _ = build_stepper(config)
    current.train(1000)
    cache, runs = RenderCache(), Runs(pinned, config, translator("en"))
    first = timed(lambda: training_view(current, cache, runs=runs))
    current.goto(900)
    later = timed(lambda: training_view(current, cache, runs=runs))
    print(f"first view after 1000 updates (replays 1000 iterations): {1e3 * first:6.1f} ms")
    print(f"then after 900 updates (from a checkpoint):              {1e3 * later:6.1f} ms")


if __name__ == "__main__":
    main()
