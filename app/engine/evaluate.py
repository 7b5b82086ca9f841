"""Forward-only evaluation: predictions, loss and accuracy of given parameters on any data.

Used for the test split, the decision boundary over the input plane and the per-neuron maps;
it reuses the activations and losses of the step plan, so it cannot disagree with it.
"""

from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES
from .steps import NetworkSpec

Params = dict[str, np.ndarray]


def forward(spec: NetworkSpec, params: Params, X: np.ndarray) -> list[np.ndarray]:
    """Activations [A0 = X, A1, …, AL] of every layer, each (n[l], m)."""
    activations = [X]
    with np.errstate(all="ignore"):
        for l in range(1, spec.depth + 1):
            z = params[f"W{l}"] @ activations[-1] + params[f"b{l}"]
            activations.append(ACTIVATIONS[spec.activations[l - 1]].forward(z))
    return activations


def loss(spec: NetworkSpec, params: Params, X: np.ndarray, Y: np.ndarray) -> float:
    """J on (X, Y) including weight decay, exactly as the plan's loss step computes it."""
    with np.errstate(all="ignore"):
        a_prev = forward(spec, params, X)[-2]
        L = spec.depth
        z = params[f"W{L}"] @ a_prev + params[f"b{L}"]
        a = ACTIVATIONS[spec.activations[-1]].forward(z)
        j = LOSSES[spec.loss].value(z, a, Y)
        if spec.weight_decay:
            j += spec.weight_decay * sum(spec.regularizer.penalty(params[f"W{l}"])
                                         for l in range(1, L + 1))
    return float(j)


def predicted_classes(output: np.ndarray) -> np.ndarray:
    """Class of each column: argmax of several outputs, or output ≥ 0.5 for a single one."""
    if output.shape[0] == 1:
        return (output[0] >= 0.5).astype(int)
    return output.argmax(axis=0)


def accuracy(output: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of columns whose predicted class matches the target's class."""
    if output.shape[0] == 1:  # the common binary case, without temporaries per class
        hits = np.count_nonzero((output[0] >= 0.5) == (Y[0] >= 0.5))
    else:
        hits = np.count_nonzero(output.argmax(axis=0) == Y.argmax(axis=0))
    return hits / output.shape[1]


def grid(X: np.ndarray, resolution: int, margin: float = 0.15) -> tuple[np.ndarray, tuple]:
    """A resolution×resolution grid over the bounding box of 2-D inputs X (2, m), as (2, r²)
    columns (row by row, top row = largest x2), and the box (x1min, x1max, x2min, x2max)."""
    lo, hi = X.min(axis=1), X.max(axis=1)
    pad = (hi - lo) * margin + 1e-9
    lo, hi = lo - pad, hi + pad
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(hi[1], lo[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return np.vstack([gx.ravel(), gy.ravel()]), (lo[0], hi[0], lo[1], hi[1])
