"""Sessions: a stepper built from a config, read as plain state. The stores that keep them
(memory, SQLite, Redis) are in app/store/."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .engine import Dataset, DatasetError, NetworkSpec, Stepper, init_weights, make_dataset
from .schemas import SessionConfig
from .views.cache import RenderCache
from .views.network import ViewSettings


class ConfigError(ValueError):
    """A config that passed the schema but cannot be built; `field` names the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass
class Session:
    id: str
    config: SessionConfig
    stepper: Stepper
    dataset: Dataset | None
    view: ViewSettings = field(default_factory=ViewSettings)
    cache: RenderCache = field(default_factory=RenderCache, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    last_used: float = field(default_factory=time.monotonic)
    # The store's record of what it holds for this session (app/store/codec.py: Written).
    written: Any = field(default=None, repr=False)


def build_stepper(config: SessionConfig) -> tuple[Stepper, Dataset | None]:
    """Make the data and parameters a config asks for, and the stepper over them."""
    spec = NetworkSpec(tuple(config.layers), tuple(config.activations), config.loss,
                       config.weight_decay)
    dataset = None
    if config.data is not None:
        X = np.array(config.data.X, dtype=float).T
        Y = np.array(config.data.Y, dtype=float).T
    else:
        assert config.dataset is not None
        try:
            dataset = make_dataset(config.dataset, config.layers[0], config.layers[-1],
                                   config.seed, config.samples, config.noise)
        except DatasetError as err:
            raise ConfigError(err.field, str(err)) from None
        X, Y = dataset.X, dataset.Y
        if config.loss == "cross_entropy" and dataset.classes == 0:
            raise ConfigError("loss", f"dataset {config.dataset!r} is a regression: "
                                      "use squared_error")
    if config.parameters is not None:
        weights = [np.array(w, dtype=float) for w in config.parameters.W]
        biases = [np.array(b, dtype=float).reshape(-1, 1) for b in config.parameters.b]
    else:
        rng = np.random.default_rng(config.seed)
        weights, biases = init_weights(config.layers, config.init, config.init_scale, rng)
    X, Y, X_test, Y_test = split(X, Y, config.test_ratio, config.seed)
    classification = (dataset.classes > 0 if dataset is not None
                      else config.loss in ("binary_cross_entropy", "cross_entropy")
                      # an export of a classifier (of a generated dataset) says so by its history
                      or (config.history is not None and "accuracy" in config.history.metrics))
    stepper = Stepper(spec, X, Y, weights, biases, learning_rate=config.learning_rate,
                      batch_size=config.batch_size, seed=config.seed,
                      classification=classification, X_test=X_test, Y_test=Y_test)
    if config.history is not None and config.history.losses:
        resume(stepper, config.history)
    return stepper, dataset


def resume(stepper: Stepper, history) -> None:
    """Go on from an imported history (schemas.HistoryIn: iterations numbered from 1, null for
    a non-finite value)."""
    def value(x):
        if isinstance(x, list):
            return [math.inf if v is None else v for v in x]
        return math.inf if x is None else x

    metrics = {name: [value(x) for x in series] for name, series in history.metrics.items()}
    try:
        stepper.resume_from(len(history.losses), history.losses, metrics,
                            [(it - 1, lr) for it, lr in history.learning_rates])
    except ValueError as err:
        raise ConfigError("history", str(err)) from None


def split(X: np.ndarray, Y: np.ndarray, ratio: float, seed: int):
    """(X_train, Y_train, X_test, Y_test): a share `ratio` of the columns held out, chosen by
    the seed; no test set (None, None) when the ratio is 0 or too few examples."""
    m = X.shape[1]
    n_test = round(m * ratio)
    if n_test == 0 or n_test >= m:
        return X, Y, None, None
    order = np.random.default_rng([seed, 7]).permutation(m)
    test, train = np.sort(order[:n_test]), np.sort(order[n_test:])
    return X[:, train], Y[:, train], X[:, test], Y[:, test]


def __getattr__(name: str):
    # The in-memory store moved to app/store/memory.py; `from app.sessions import SessionStore`
    # still works (lazily: app.store imports this module).
    if name == "SessionStore":
        from .store.memory import MemoryStore

        return MemoryStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def session_state(session: Session, with_steps: bool = True) -> dict:
    """The whole state; arrays stay NumPy arrays (orjson writes them as nested lists, one
    example per column). Call it with the session checked out."""
    s = session.stepper
    params = s.current_params()
    layers = []
    for l in range(1, s.spec.depth + 1):
        layers.append({
            "layer": l,
            "units": s.spec.layers[l],
            "activation": s.spec.activations[l - 1],
            "W": params[f"W{l}"],
            "b": params[f"b{l}"].ravel(),
            **{name: s.values.get(f"{name}{l}") for name in ("Z", "A", "dA", "dZ", "dW", "db")},
        })
    for layer in layers:
        if layer["db"] is not None:
            layer["db"] = layer["db"].ravel()
    cols = s.batch_columns(s.t)
    return {
        "id": session.id,
        "config": session.config.model_dump(exclude={"data", "parameters", "history"}),
        # The one numbering of the app (README, "Iterations"): `iteration` is the number of the
        # iteration in progress or being viewed, from 1, as the page shows it; `completed` is
        # how many iterations' updates the history holds; `updates` those the parameters shown
        # have had (iteration − 1, or iteration once its update is applied).
        "iteration": s.t + 1,
        "updates": s.t + (s.c == s.steps_per_iteration),
        "completed": s.completed,
        "earliest": s.base,  # goto's lowest: 0, or the iterations an imported history holds
        "phase": s.phase,
        "cursor": s.next_step.id,
        "cursor_index": s.c % s.steps_per_iteration,
        "steps_per_iteration": s.steps_per_iteration,
        "plan": [step.id for step in s.plan],
        "learning_rate": s.learning_rate,
        "loss": s.loss,
        "batch": None if cols is None else cols.tolist(),
        "X": s.values["A0"],
        "Y": s.values["Y"],
        "layers": layers,
        "steps": s.records(arrays=True) if with_steps else None,
    }
