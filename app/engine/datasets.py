"""Built-in datasets generated from a seed. X is (n_in, m), Y is (n_out, m): one example per column.

Classification sets produce integer labels; the targets follow the output layer: one output unit
means binary labels in {0, 1}, K output units mean one-hot columns over K classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DATASETS = ("xor", "and", "circles", "moons", "spiral", "gaussians", "sine", "random",
            "multilabel")
DEFAULT_SAMPLES = {"circles": 200, "moons": 200, "spiral": 300, "gaussians": 200,
                   "sine": 100, "random": 8, "multilabel": 8}


class DatasetError(ValueError):
    """A dataset that cannot be built for the requested layer sizes; `field` names the culprit,
    `code` the rule and `params` its numbers (app/messages.py says it in either language)."""

    def __init__(self, field: str, message: str, code: str = "dataset", **params: object):
        super().__init__(message)
        self.field, self.code, self.params = field, code, params


@dataclass(frozen=True)
class Dataset:
    name: str
    X: np.ndarray  # (n_in, m)
    Y: np.ndarray  # (n_out, m)
    labels: np.ndarray | None  # (m,) class of each example, None for regression
    classes: int  # 0 for regression


def _truth_table(targets: list[int], samples: int | None, noise: float, rng) -> tuple:
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array(targets)
    if samples is not None:
        pick = np.arange(samples) % 4
        corners, labels = corners[pick], labels[pick]
    x = corners + rng.normal(0.0, noise, corners.shape) if noise > 0 else corners
    return x, labels


def _circles(m: int, noise: float, rng) -> tuple:
    labels = np.arange(m) % 2  # 1 = inner circle
    angle = rng.uniform(0, 2 * np.pi, m)
    radius = np.where(labels == 1, 0.5, 1.0)
    x = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    return x + rng.normal(0, noise, x.shape), labels


def _moons(m: int, noise: float, rng) -> tuple:
    labels = np.arange(m) % 2
    t = rng.uniform(0, np.pi, m)
    upper = np.c_[np.cos(t), np.sin(t)]
    lower = np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
    x = np.where(labels[:, None] == 0, upper, lower) - [0.5, 0.25]
    return x + rng.normal(0, noise, x.shape), labels


def _spiral(m: int, k: int, noise: float, rng) -> tuple:
    # The cs231n spiral: K arms, radius growing along each arm.
    labels = np.arange(m) % k
    r = rng.uniform(0.05, 1.0, m)
    theta = labels * (2 * np.pi / k) + 4.0 * r + rng.normal(0, noise, m)
    return np.c_[r * np.sin(theta), r * np.cos(theta)], labels


def _gaussians(m: int, k: int, noise: float, rng) -> tuple:
    labels = np.arange(m) % k
    centres = np.c_[np.cos(2 * np.pi * np.arange(k) / k), np.sin(2 * np.pi * np.arange(k) / k)]
    spread = max(noise, 0.05) * 3
    return centres[labels] * 0.7 + rng.normal(0, spread, (m, 2)), labels


def _random(m: int, n_in: int, k: int, rng) -> tuple:
    # Labels from a hidden linear rule, so the set is learnable.
    x = rng.normal(0, 1, (m, n_in))
    scores = x @ rng.normal(0, 1, (n_in, k))
    return x, scores.argmax(axis=1)


def _targets(labels: np.ndarray, classes: int, n_out: int, name: str) -> np.ndarray:
    if n_out == 1 and classes == 2:
        return labels[None, :].astype(float)
    if n_out == classes:
        return np.eye(classes)[:, labels]
    raise DatasetError(
        "layers",
        f"dataset {name!r} has {classes} classes: the output layer needs "
        + ("1 unit (binary) or 2 units (one-hot)" if classes == 2 else f"{classes} units"),
        "dataset.binary_outputs" if classes == 2 else "dataset.class_outputs",
        name=name, classes=classes,
    )


def make_dataset(
    name: str, n_in: int, n_out: int, seed: int, samples: int | None = None, noise: float = 0.0
) -> Dataset:
    """Generate dataset `name` for a network with n_in inputs and n_out outputs."""
    if name not in DATASETS:
        raise DatasetError("dataset",
                           f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}",
                           "dataset.unknown", name=name, choices=", ".join(DATASETS))
    rng = np.random.default_rng([seed, DATASETS.index(name)])
    m = samples if samples is not None else DEFAULT_SAMPLES.get(name, 4)
    need_in = {"sine": 1, "random": n_in, "multilabel": 3}.get(name, 2)
    if n_in != need_in:
        raise DatasetError("layers",
                           f"dataset {name!r} has {need_in} inputs: layers[0] must be {need_in}",
                           "dataset.inputs", name=name, need=need_in)
    if name == "sine":
        if n_out != 1:
            raise DatasetError("layers",
                               "dataset 'sine' has 1 target: the output layer must have 1 unit",
                               "dataset.sine_outputs", name=name)
        x = np.sort(rng.uniform(-3.0, 3.0, m))
        y = np.sin(x) + rng.normal(0, noise, m) if noise > 0 else np.sin(x)
        return Dataset(name, x[None, :], y[None, :], None, 0)
    if name == "multilabel":
        return _multilabel(m, n_out, rng)
    classes = 2 if name in ("xor", "and", "circles", "moons") else max(2, n_out)
    if name in ("xor", "and"):
        truth = [0, 1, 1, 0] if name == "xor" else [0, 0, 0, 1]
        x, labels = _truth_table(truth, samples, noise, rng)
    elif name == "circles":
        x, labels = _circles(m, noise, rng)
    elif name == "moons":
        x, labels = _moons(m, noise, rng)
    elif name == "spiral":
        x, labels = _spiral(m, classes, noise, rng)
    elif name == "gaussians":
        x, labels = _gaussians(m, classes, noise, rng)
    else:
        x, labels = _random(m, n_in, classes, rng)
    return Dataset(name, x.T.copy(), _targets(labels, classes, n_out, name), labels, classes)


def _multilabel(m: int, n_out: int, rng) -> Dataset:
    """3 inputs, 2 independent 0/1 targets per example (multi-label, not one-hot: an example
    may have both, one or neither): y1 = [x1 + x2 > 0], y2 = [x3 − x1 > 0]. Not a set of
    classes, so no labels and no accuracy."""
    if n_out != 2:
        raise DatasetError("layers", "dataset 'multilabel' has 2 targets per example: the output "
                                     "layer must have 2 units")
    x = rng.normal(0, 1, (3, m))
    y = np.vstack([x[0] + x[1] > 0, x[2] - x[0] > 0]).astype(float)
    return Dataset("multilabel", x, y, None, 0)
