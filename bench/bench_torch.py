"""Training throughput: the engine (every micro-step recorded) against an equivalent PyTorch CPU
loop, side by side in one run.

    pip install torch==2.13.0        # into the venv only: torch is not a project dependency
    .venv/bin/python bench/bench_torch.py [--quick]

Same network, data, initial weights, full batch, learning rate and loss (binary cross-entropy
from logits); PyTorch uses autograd and an in-place SGD update. Both on one thread
(torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1). The script first checks that both give the
same loss after 20 iterations, then times them taking turns (best of several runs).
Target (issue 4): on networks of width ≤ 32 the engine is at least 2× faster than PyTorch.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.schemas import SessionConfig  # noqa: E402
from app.sessions import build_stepper  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover - a benchmark-only dependency
    sys.exit("bench_torch needs PyTorch: .venv/bin/pip install torch==2.13.0")

NETWORKS = {
    "2-4-1 xor (m=4)": dict(layers=[2, 4, 1], activations=["tanh", "sigmoid"], dataset="xor"),
    "2-8-8-1 circles (m=200)": dict(layers=[2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"],
                                    dataset="circles", samples=200),
    "2-16-16-16-1 moons (m=200)": dict(layers=[2, 16, 16, 16, 1],
                                       activations=["relu", "relu", "relu", "sigmoid"],
                                       dataset="moons", samples=200, init="he"),
    "2-32-32-1 spiral (m=300)": dict(layers=[2, 32, 32, 1], activations=["tanh", "tanh", "sigmoid"],
                                     dataset="spiral", samples=300),
    # Five times the datasets' default size: both sides spend most of the time in the same
    # float64 kernels there.
    "2-16-16-16-1 moons (m=1000)": dict(layers=[2, 16, 16, 16, 1],
                                        activations=["relu", "relu", "relu", "sigmoid"],
                                        dataset="moons", samples=1000, init="he"),
    "2-32-32-1 spiral (m=1000)": dict(layers=[2, 32, 32, 1],
                                      activations=["tanh", "tanh", "sigmoid"],
                                      dataset="spiral", samples=1000),
}
ACT = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}


class TorchLoop:
    """The same network in PyTorch: parameters as leaf tensors, autograd, plain SGD."""

    def __init__(self, stepper, lr: float):
        p = stepper.current_params()
        L = stepper.spec.depth
        self.W = [torch.tensor(p[f"W{l}"], requires_grad=True) for l in range(1, L + 1)]
        self.b = [torch.tensor(p[f"b{l}"], requires_grad=True) for l in range(1, L + 1)]
        self.acts = [ACT[a] for a in stepper.spec.activations[:-1]]
        self.X, self.Y = torch.tensor(stepper.X), torch.tensor(stepper.Y)
        self.lr = lr
        self.loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
        self.m = stepper.X.shape[1]

    def iterate(self) -> float:
        a = self.X
        for W, b, g in zip(self.W[:-1], self.b[:-1], self.acts, strict=True):
            a = g(W @ a + b)
        z = self.W[-1] @ a + self.b[-1]
        loss = self.loss_fn(z, self.Y) / self.m
        for t in self.W + self.b:
            t.grad = None
        loss.backward()
        with torch.no_grad():
            for t in self.W + self.b:
                t -= self.lr * t.grad
        return float(loss.detach())


def best_rates(fns, seconds: float, repeats: int) -> list[float]:
    """Iterations per second of each fn: the best of `repeats` runs of about `seconds` each,
    the fns taking turns run by run, so a slow minute of this shared machine hits them alike."""
    sizes = []
    for fn in fns:  # calibrate
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < 0.05:
            fn(1)
            n += 1
        sizes.append(max(1, int(n / (time.perf_counter() - start) * seconds)))
    best = [0.0] * len(fns)
    for _ in range(repeats):
        for k, (fn, size) in enumerate(zip(fns, sizes, strict=True)):
            start = time.perf_counter()
            fn(size)
            best[k] = max(best[k], size / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    seconds, repeats = (0.2, 3) if args.quick else (0.6, 7)
    print(f"torch {torch.__version__}, NumPy {np.__version__}, 1 thread each")
    print(f"{'network':30s} {'engine it/s':>12s} {'torch it/s':>11s} {'engine/torch':>13s}  "
          f"{'|Δloss| after 20':>17s}")
    for name, cfg in NETWORKS.items():
        config = SessionConfig(loss="binary_cross_entropy", learning_rate=0.3, seed=1, **cfg)
        check, _ = build_stepper(config)
        reference = TorchLoop(check, 0.3)
        torch_losses = [reference.iterate() for _ in range(20)]
        check.train(20)
        diff = max(abs(a - b) for a, b in zip(check.losses, torch_losses, strict=True))
        engine, _ = build_stepper(config)
        loop = TorchLoop(engine, 0.3)

        def run_torch(n: int, loop=loop) -> None:
            for _ in range(n):
                loop.iterate()

        e, t = best_rates([engine.train, run_torch], seconds, repeats)
        print(f"{name:30s} {e:12,.0f} {t:11,.0f} {e / t:12.2f}×  {diff:17.1e}")
    print("target: engine ≥ 2× PyTorch on networks of width ≤ 32")


if __name__ == "__main__":
    main()
