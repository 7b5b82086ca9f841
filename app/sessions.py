"""Sessions: a stepper built from a config, read as plain state. The stores that keep them
(memory, SQLite, Redis) are in app/store/."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .engine import Dataset, DatasetError, NetworkSpec, Stepper, init_weights, make_dataset
from .engine.features import derive
from .messages import Refusal
from .schemas import SessionConfig
from .views.cache import RenderCache
from .views.network import ViewSettings


class ConfigError(Refusal):
    """A config that passed the schema but cannot be built; `field` names the culprit."""

    def __init__(self, code: str, field: str, **params: object):
        super().__init__(code, status=422, field=field, **params)


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


def network_spec(config: SessionConfig) -> NetworkSpec:
    """The shape and the maths a config asks for (its data and parameters aside)."""
    return NetworkSpec(tuple(config.layers), tuple(config.activations), config.loss,
                       config.weight_decay, config.output_delta, config.backward_order,
                       config.gradient_mode, config.examples_shown, config.regularization)


def raw_data(config: SessionConfig) -> tuple[np.ndarray, np.ndarray, Dataset | None]:
    """The examples a config asks for, one per column, before any derived features: X is
    (n[0], m) (2 rows when features are derived), Y is (n[L], m)."""
    if config.data is not None:
        X = np.array(config.data.X, dtype=float).T
        Y = np.array(config.data.Y, dtype=float).T
        return X, Y, None
    assert config.dataset is not None
    n_in = 2 if config.derives else config.layers[0]
    try:
        dataset = make_dataset(config.dataset, n_in, config.layers[-1], config.seed,
                               config.samples, config.noise)
    except DatasetError as err:
        raise ConfigError(err.code, err.field, **err.params) from None
    if config.loss == "cross_entropy" and dataset.classes == 0:
        raise ConfigError("config.regression_dataset", "loss", dataset=config.dataset)
    return dataset.X, dataset.Y, dataset


def build_stepper(config: SessionConfig) -> tuple[Stepper, Dataset | None]:
    """Make the data and parameters a config asks for, and the stepper over them."""
    spec = network_spec(config)
    X, Y, dataset = raw_data(config)
    if config.derives:  # the input layer sees the derived features of each 2-D point
        X = derive(config.features, X)
    if config.parameters is not None:
        weights = [np.array(w, dtype=float) for w in config.parameters.W]
        biases = [np.array(b, dtype=float).reshape(-1, 1) for b in config.parameters.b]
    else:
        rng = np.random.default_rng(config.seed)
        weights, biases = init_weights(config.layers, config.init, config.init_scale, rng)
    X, Y, X_test, Y_test = split(X, Y, config.test_ratio, config.seed)
    classification = (dataset.classes > 0 if dataset is not None
                      else config.loss in ("binary_cross_entropy", "cross_entropy"))
    stepper = Stepper(spec, X, Y, weights, biases, learning_rate=config.learning_rate,
                      batch_size=config.batch_size, seed=config.seed,
                      classification=classification, X_test=X_test, Y_test=Y_test)
    return stepper, dataset


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
    per_example = s.spec.gradient_mode == "per_example"
    if per_example:
        for layer in layers:  # ΔW, Δb accumulated so far (None before the first example)
            layer["dW_sum"], layer["db_sum"] = _sums(s.values, layer["layer"])
    cols = s.batch_columns(s.t)
    return {
        "id": session.id,
        "config": session.config.model_dump(exclude={"data", "parameters"}),
        "iteration": s.t,
        "updates": s.t + (s.c == s.steps_per_iteration),
        "completed": s.completed,
        "phase": s.phase,
        "cursor": s.next_step.id,
        "cursor_index": s.c % s.steps_per_iteration,
        "steps_per_iteration": s.steps_per_iteration,
        "plan": [step.id for step in s.plan],
        "learning_rate": s.learning_rate,
        "loss": s.loss,
        "batch": None if cols is None else cols.tolist(),
        "example": s.plan[s.c - 1].example if per_example and s.c else None,
        "X": s.values["A0"],
        "Y": s.values["Y"],
        "layers": layers,
        "steps": s.records(arrays=True) if with_steps else None,
    }


def _sums(values: dict, l: int) -> tuple:
    """ΔW[l] and Δb[l] as accumulated so far: over the whole batch once the rest is done, else
    after the last example shown (None before the first)."""
    if f"SW{l}" in values:
        return values[f"SW{l}"], values[f"Sb{l}"].ravel()
    done = [int(k.split("@")[1]) for k in values if k.startswith(f"SW{l}@")]
    if not done:
        return None, None
    i = max(done)
    return values[f"SW{l}@{i}"], values[f"Sb{l}@{i}"].ravel()
