"""Derived input features of 2-D data, as in TensorFlow Playground: the network's input layer
gets one unit per chosen feature of the raw point (x₁, x₂). Each feature is described once:
its NumPy, its formula and its plain label."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Feature:
    name: str
    compute: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (x1, x2) rows -> the feature row
    latex: str
    label: str  # plain text for a unit's label in the drawing


FEATURES: dict[str, Feature] = {f.name: f for f in [
    Feature("x1", lambda x1, x2: x1, "x_1", "x₁"),
    Feature("x2", lambda x1, x2: x2, "x_2", "x₂"),
    Feature("x1_squared", lambda x1, x2: x1 * x1, "x_1^2", "x₁²"),
    Feature("x2_squared", lambda x1, x2: x2 * x2, "x_2^2", "x₂²"),
    Feature("x1_x2", lambda x1, x2: x1 * x2, "x_1 x_2", "x₁x₂"),
    Feature("sin_x1", lambda x1, x2: np.sin(x1), r"\sin x_1", "sin x₁"),
    Feature("sin_x2", lambda x1, x2: np.sin(x2), r"\sin x_2", "sin x₂"),
]}
RAW = ("x1", "x2")  # the default: the raw point itself


def derive(names: Sequence[str], points: np.ndarray) -> np.ndarray:
    """The feature rows of raw 2-D points: points is (2, m), the result (len(names), m)."""
    x1, x2 = points[0], points[1]
    return np.vstack([FEATURES[name].compute(x1, x2) for name in names])
