"""Per-example mode against batch mode: the time of each micro-step and of a whole iteration.

    .venv/bin/python bench/bench_per_example.py [--quick]

For XOR 2-2-1 (m=4), 2-8-8-1 (m=200) and the largest network the schema allows (64 inputs,
six hidden layers of 32, 16 outputs, m=2000), it steps one iteration with `next()` in each mode
and prints the median and the slowest micro-step (with its id), the plan's length and a whole
iteration (`iterate()`); each step's time is its best over several rounds, in CPU time of the
thread (the machine is shared: wall time under load mostly measures the wait for a core).
Per-example mode shows `examples_shown` examples step by step; the remaining examples are done
together, one step per layer, each one of batch mode's steps or as costly as one (ΔW[l] += their
columns of dZ[l]·A[l-1]ᵀ is batch mode's dW[l] product), so its slowest step is no slower than
batch mode's slowest.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.schemas import SessionConfig  # noqa: E402
from app.sessions import build_stepper  # noqa: E402

NETWORKS = {
    "2-2-1 xor (m=4)": dict(layers=[2, 2, 1], activations=["tanh", "sigmoid"], dataset="xor"),
    "2-8-8-1 circles (m=200)": dict(layers=[2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"],
                                    dataset="circles", samples=200),
    "64-32x6-16 random (m=2000)": dict(layers=[64] + [32] * 6 + [16],
                                       activations=["relu"] * 6 + ["sigmoid"],
                                       loss="squared_error", dataset="random", samples=2000),
}


def step_times(config: dict, rounds: int) -> tuple[int, float, float, str, float]:
    """(plan length, median step ms, slowest step ms, its id, iteration ms); each step's time
    and the iteration's are the best over the rounds."""
    best_steps: list[float] | None = None
    best_iteration = float("inf")
    for _ in range(rounds):
        stepper, _ = build_stepper(SessionConfig(**config))
        times = []
        for _ in range(stepper.steps_per_iteration):
            start = time.thread_time()
            stepper.next()
            times.append(time.thread_time() - start)
        best_steps = times if best_steps is None else [min(a, b) for a, b in
                                                        zip(best_steps, times, strict=True)]
        start = time.thread_time()
        stepper.iterate()
        best_iteration = min(best_iteration, time.thread_time() - start)
    assert best_steps is not None
    slowest = max(range(len(best_steps)), key=best_steps.__getitem__)
    return (len(best_steps), 1e3 * statistics.median(best_steps), 1e3 * best_steps[slowest],
            stepper.plan[slowest].id, 1e3 * best_iteration)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round (a smoke test)")
    rounds = 1 if parser.parse_args().quick else 7
    print(f"{'network':28} {'mode':12} {'steps':>5} {'median ms':>10} {'slowest ms':>11} "
          f"{'(step)':>7} {'iteration ms':>13}")
    for name, config in NETWORKS.items():
        for mode in ("batch", "per_example"):
            n, median, slowest, which, iteration = step_times(config | {"gradient_mode": mode},
                                                              rounds)
            print(f"{name:28} {mode:12} {n:5d} {median:10.3f} {slowest:11.3f} {which:>7} "
                  f"{iteration:13.3f}")


if __name__ == "__main__":
    main()
