"""Training throughput: the engine (every micro-step recorded) against an equivalent PyTorch CPU
loop, side by side in one run.

    pip install torch==2.13.0        # into the venv only: torch is not a project dependency
    .venv/bin/python bench/bench_torch.py [--quick]

Same network, data, initial weights, full batch, learning rate and loss (binary cross-entropy
from logits); PyTorch uses autograd and an in-place SGD update. Both on one thread
(torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1). The script first checks that both give the
same loss after 20 iterations, then times them taking turns (best of several runs).
Target (issue 4): on networks of width ≤ 32 the engine is at least 2× faster than PyTorch.

Per-example mode (UFLDL's batch gradient descent) is checked against PyTorch's per-example
gradients (torch.func: vmap of grad of each example's own loss L(i)): for each network of
PER_EXAMPLE, one iteration of the engine up to its average step, then the largest absolute
difference of each shown example's ∇W(i), ∇b(i), of the running sums ΔW, Δb after each shown
example, of the sums over the whole batch, and of dW = (1/m)·ΔW + penalty, db = (1/m)·Δb
against autograd of the batch's J. `--per-example` runs only this check.
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
ACT = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid,
       "linear": lambda z: z, "softmax": lambda z: torch.softmax(z, dim=0)}
# Per-example mode: each output/loss pair, the long and the short output δ, L2 and L1.
PER_EXAMPLE = {
    "2-4-1 xor, sigmoid+BCE, all 4 shown": dict(
        layers=[2, 4, 1], activations=["tanh", "sigmoid"], dataset="xor",
        loss="binary_cross_entropy", examples_shown=4),
    "2-8-8-1 circles (m=200), BCE chain, L2": dict(
        layers=[2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"], dataset="circles",
        samples=200, loss="binary_cross_entropy", output_delta="chain", weight_decay=0.01),
    "2-16-3 spiral (m=300), softmax+CE, L1": dict(
        layers=[2, 16, 3], activations=["relu", "softmax"], dataset="spiral", samples=300,
        loss="cross_entropy", regularization="l1", weight_decay=0.001, init="he"),
    "1-8-8-1 sine (m=100), linear+squared error, L2": dict(
        layers=[1, 8, 8, 1], activations=["tanh", "sigmoid", "linear"], dataset="sine",
        loss="squared_error", weight_decay=0.001),
    "3-3-2 multilabel, sigmoid+squared error chain": dict(
        layers=[3, 3, 2], activations=["sigmoid", "sigmoid"], dataset="multilabel",
        loss="squared_error", output_delta="chain", weight_decay=0.0001),
}


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


def example_loss(spec, params: dict, x, y):
    """Example i's own loss L(i) (no 1/m, no penalty); x (n0,), y (nL,), as torch tensors."""
    a, L = x[:, None], spec.depth
    for l in range(1, L):
        a = ACT[spec.activations[l - 1]](params[f"W{l}"] @ a + params[f"b{l}"])
    z = params[f"W{L}"] @ a + params[f"b{L}"]
    y = y[:, None]
    if spec.loss == "binary_cross_entropy":  # from the logits, as the engine does
        return torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="sum")
    if spec.loss == "cross_entropy":
        return -(y * torch.log_softmax(z, dim=0)).sum()
    return 0.5 * ((ACT[spec.activations[-1]](z) - y) ** 2).sum()


def per_example_differences(cfg: dict) -> dict[str, float]:
    """Largest |engine − torch| of ∇W(i), ∇b(i) (shown examples), ΔW, Δb after each shown
    example and over the batch, dW, db (after averaging, penalty included) and L(i), J."""
    from torch.func import grad, vmap

    stepper, _ = build_stepper(SessionConfig(gradient_mode="per_example", seed=1, **cfg))
    stepper._run_to(stepper.step_index["average"] + 1)
    spec, v = stepper.spec, stepper.values
    L, m, shown = spec.depth, v["A0"].shape[1], spec.examples_shown
    names = [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]
    params = {k: torch.tensor(v[k]) for k in names}
    X, Y = torch.tensor(v["A0"]), torch.tensor(v["Y"])

    def one(p, x, y):
        return example_loss(spec, p, x, y)

    grads = vmap(grad(one), in_dims=(None, 1, 1))(params, X, Y)  # each (m, *shape)
    losses = vmap(one, in_dims=(None, 1, 1))(params, X, Y)
    lam = spec.weight_decay
    leaves = {k: t.clone().requires_grad_(True) for k, t in params.items()}
    penalty = sum((leaves[f"W{l}"].abs().sum() if spec.regularization == "l1" else
                   0.5 * (leaves[f"W{l}"] ** 2).sum()) for l in range(1, L + 1))
    J = vmap(lambda x, y: one(leaves, x, y), in_dims=(1, 1))(X, Y).mean() + lam * penalty
    J.backward()

    def worst(pairs) -> float:
        return max(float(np.max(np.abs(a - b.detach().numpy()))) for a, b in pairs)

    out = {
        "∇W(i), ∇b(i)": worst((v[f"g{k}@{i}"], grads[k][i]) for k in names
                              for i in range(shown)),
        "ΔW, Δb so far": worst((v[f"S{k}@{i}"], grads[k][:i + 1].sum(0)) for k in names
                               for i in range(shown)),
        "ΔW, Δb (batch)": worst((v[f"S{k}"], grads[k].sum(0)) for k in names),
        "dW, db": worst((v[f"d{k}"], leaves[k].grad) for k in names),
        "L(i), J": worst([(np.array([float(v[f"L@{i}"]) for i in range(shown)]),
                           losses[:shown]), (v["J"], J)]),
    }
    out["m"] = m
    return out


def per_example_check() -> None:
    print("per-example mode against PyTorch per-example gradients (torch.func vmap(grad)):")
    print(f"{'network':45s} {'m':>4s} {'∇W(i),∇b(i)':>12s} {'ΔW so far':>10s} "
          f"{'ΔW batch':>9s} {'dW, db':>8s} {'L(i), J':>8s}")
    for name, cfg in PER_EXAMPLE.items():
        d = per_example_differences(cfg)
        print(f"{name:45s} {d['m']:4d} {d['∇W(i), ∇b(i)']:12.1e} {d['ΔW, Δb so far']:10.1e} "
              f"{d['ΔW, Δb (batch)']:9.1e} {d['dW, db']:8.1e} {d['L(i), J']:8.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--per-example", action="store_true",
                        help="only the per-example check against torch's per-example gradients")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    if args.per_example:
        per_example_check()
        return
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
    print()
    per_example_check()


if __name__ == "__main__":
    main()
