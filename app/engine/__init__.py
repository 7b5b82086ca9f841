"""The Backprop Stepper engine: NumPy and the standard library only, usable from a notebook."""

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from .datasets import DATASETS, Dataset, DatasetError, make_dataset
from .initializers import INITIALIZERS, init_weights
from .losses import LOSSES
from .stepper import Diverged, StepOrderError, Stepper
from .steps import NetworkSpec, StepSpec, build_plan, step_record, symbol

__all__ = [
    "ACTIVATIONS", "DATASETS", "HIDDEN_ACTIVATIONS", "INITIALIZERS", "LOSSES", "Dataset",
    "DatasetError", "Diverged", "NetworkSpec", "StepOrderError", "StepSpec", "Stepper",
    "build_plan", "init_weights", "make_dataset", "step_record", "symbol",
]
