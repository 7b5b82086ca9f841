"""Engine speed: Stepper.train against a plain hand-written NumPy loop of the same maths.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 .venv/bin/python bench/bench_engine.py [--quick]

(one BLAS thread is set below anyway, before NumPy is imported). For each network it prints
iterations per second of both, and engine/plain as a time ratio (the target is ≤ 2×). The plain
loop is what one would write by hand for this network: full batch, the same activations and
loss, written with the same numerically stable formulas as the engine (sigmoid via exp(−|z|),
BCE via logaddexp) and computing J every iteration as the engine does, so the ratio is the
engine's own overhead: step dispatch, the value dict, finiteness checks, history bookkeeping.
It also checks that both end at the same parameters, and prints the history memory.

    .venv/bin/python bench/bench_engine.py --against REF

also times the engine of git revision REF (its app/engine, loaded from `git archive` as a
package of its own), in the same process and taking turns with today's; it prints REF's it/s and
the time ratio now/REF (below 1: faster now), and checks that both reach the same parameters bit
for bit. Every run is then timed in CPU time of the thread (time.thread_time), not wall time: on
a shared machine under load, wall time mostly measures the wait for a core.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import importlib  # noqa: E402
import io  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tarfile  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.engine import NetworkSpec, Stepper, init_weights, make_dataset  # noqa: E402

NETWORKS = [
    # name, layers, activations, dataset, samples, learning rate
    ("2-4-1 xor (m=4)", (2, 4, 1), ("tanh", "sigmoid"), "xor", None, 0.5),
    ("2-8-8-1 circles (m=200)", (2, 8, 8, 1), ("tanh", "tanh", "sigmoid"), "circles", 200, 0.5),
    ("2-16-16-16-1 moons (m=1000)", (2, 16, 16, 16, 1), ("relu", "relu", "relu", "sigmoid"),
     "moons", 1000, 0.1),
]


# -- the plain loop -----------------------------------------------------------------------------

def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


FORWARD = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "sigmoid": sigmoid}
DERIVATIVE = {"tanh": lambda z, a: 1.0 - a * a, "relu": lambda z, a: (z > 0).astype(z.dtype)}


def plain_train(W, b, X, Y, activations, lr, iterations):
    """Full-batch gradient descent, sigmoid output + binary cross-entropy; W, b updated in place."""
    m, L = X.shape[1], len(W)
    losses = []
    for _ in range(iterations):
        A, Z = [X], []
        for l in range(L):
            Z.append(W[l] @ A[-1] + b[l])
            A.append(FORWARD[activations[l]](Z[-1]))
        z = Z[-1]
        losses.append(float(np.sum(Y * np.logaddexp(0.0, -z)
                                   + (1.0 - Y) * np.logaddexp(0.0, z)) / m))
        dZ = A[-1] - Y
        grads = [None] * L
        for l in range(L - 1, -1, -1):
            dW = dZ @ A[l].T / m
            db = dZ.sum(axis=1, keepdims=True) / m
            grads[l] = (dW, db)
            if l > 0:
                dZ = (W[l].T @ dZ) * DERIVATIVE[activations[l - 1]](Z[l - 1], A[l])
        for l in range(L):
            W[l] = W[l] - lr * grads[l][0]
            b[l] = b[l] - lr * grads[l][1]
    return losses


# -- measuring ----------------------------------------------------------------------------------

def setup(layers, activations, dataset, samples):
    data = make_dataset(dataset, layers[0], layers[-1], seed=0, samples=samples, noise=0.1)
    weights, biases = init_weights(layers, "xavier", 0.01, np.random.default_rng(0))
    return data, weights, biases


def best_rates(runs: list, iterations: int, repeats: int, clock=time.perf_counter) -> list[float]:
    """Iterations per second of each run, the best of `repeats` (the least disturbed one).

    The runs alternate, so that a slow spell of a shared machine hits all of them alike."""
    best = [np.inf] * len(runs)
    for _ in range(repeats):
        for i, run in enumerate(runs):
            start = clock()
            run(iterations)
            best[i] = min(best[i], clock() - start)
    return [iterations / seconds for seconds in best]


def engine_at(ref: str):
    """The app/engine package of git revision `ref`, imported under a name of its own."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "app/engine"],
                             check=True, capture_output=True).stdout
    where = Path(tempfile.mkdtemp())
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(where, filter="data")
    (where / "app" / "engine").rename(where / "engine_at_ref")
    sys.path.insert(0, str(where))
    return importlib.import_module("engine_at_ref")


def bench(name, layers, activations, dataset, samples, lr, budget: float, repeats: int,
          ref=None):
    data, weights, biases = setup(layers, activations, dataset, samples)
    spec = NetworkSpec(layers, activations, "binary_cross_entropy")

    def engine(n, module=None):
        make, net = (Stepper, spec) if module is None else (
            module.Stepper, module.NetworkSpec(layers, activations, "binary_cross_entropy"))
        stepper = make(net, data.X, data.Y, weights, biases, learning_rate=lr)
        stepper.train(n)
        return stepper

    def plain(n):
        return plain_train([w.copy() for w in weights], [b.copy() for b in biases],
                           data.X, data.Y, activations, lr, n)

    # Calibrate the iteration count to ~budget seconds of the engine.
    start = time.perf_counter()
    engine(20)
    per_iteration = (time.perf_counter() - start) / 20
    iterations = max(50, int(budget / per_iteration))

    # Same maths: both end at the same parameters and losses.
    stepper = engine(100)
    W, b = [w.copy() for w in weights], [b.copy() for b in biases]
    losses = plain_train(W, b, data.X, data.Y, activations, lr, 100)
    final = stepper.current_params()
    drift = max(float(np.abs(final[f"W{l + 1}"] - W[l]).max()) for l in range(len(W)))
    assert np.allclose(stepper.losses, losses, rtol=1e-9, atol=1e-12), "not the same maths"

    runs = [engine, plain]
    if ref is not None:
        before = engine(100, ref).current_params()
        assert all(np.array_equal(before[k], final[k]) for k in final), "not the same bits"
        runs.append(lambda n: engine(n, ref))
    rates = best_rates(runs, iterations, repeats,
                       time.perf_counter if ref is None else time.thread_time)
    engine_rate, plain_rate = rates[:2]
    return {"name": name, "iterations": iterations, "engine": engine_rate, "plain": plain_rate,
            "ratio": plain_rate / engine_rate, "drift": drift,
            "steps": stepper.steps_per_iteration,
            "ref": rates[2] if ref is not None else None}


def history_bytes() -> int:
    layers, activations = (2, 8, 8, 1), ("tanh", "tanh", "sigmoid")
    data, weights, biases = setup(layers, activations, "circles", 200)
    stepper = Stepper(NetworkSpec(layers, activations, "binary_cross_entropy"), data.X, data.Y,
                      weights, biases, learning_rate=0.5)
    stepper.train(100)
    return stepper.history_nbytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test)")
    parser.add_argument("--against", metavar="REF", help="also time the engine of git REF")
    args = parser.parse_args()
    budget, repeats = (0.1, 2) if args.quick else (0.5, 9)
    ref = engine_at(args.against) if args.against else None

    print(f"NumPy {np.__version__}, Python {sys.version.split()[0]}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, {os.cpu_count()} CPUs"
          + (", thread CPU time" if ref else ", wall time"))
    header = f"{'network':30} {'steps':>5} {'iters':>7} {'engine it/s':>12} {'plain it/s':>11}"
    against = f" {args.against + ' it/s':>12} {'now/' + args.against:>9}" if ref else ""
    print(header + f" {'engine/plain':>13}  {'max |ΔW|':>9}" + against)
    worst = 0.0
    for network in NETWORKS:
        r = bench(*network, budget=budget, repeats=repeats, ref=ref)
        worst = max(worst, r["ratio"])
        then = (f" {r['ref']:12,.0f} {r['ref'] / r['engine']:8.3f}×" if ref else "")
        print(f"{r['name']:30} {r['steps']:5d} {r['iterations']:7d} {r['engine']:12,.0f} "
              f"{r['plain']:11,.0f} {r['ratio']:12.2f}×  {r['drift']:9.1e}" + then)
    print(f"worst engine/plain time ratio: {worst:.2f}× (target ≤ 2×)")
    nbytes = history_bytes()
    print(f"history after 100 iterations of 2-8-8-1 on 200 examples: {nbytes:,} bytes "
          f"({nbytes / 1024:.1f} KiB)")


if __name__ == "__main__":
    main()
