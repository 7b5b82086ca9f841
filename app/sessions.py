"""Sessions: a stepper built from a config and the learner's view settings, read as plain state.
The stores that keep them (memory, SQLite, Redis) are in app/store/; what the page draws from
them is in app/views/."""

from __future__ import annotations

import math
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .engine import Dataset, DatasetError, NetworkSpec, Stepper, init_weights, make_dataset
from .engine.features import derive
from .messages import Refusal
from .pinned import PinnedRun
from .schemas import SessionConfig


class ConfigError(Refusal):
    """A config that passed the schema but cannot be built; `field` names the culprit."""

    def __init__(self, code: str, field: str, **params: object):
        super().__init__(code, status=422, field=field, **params)


@dataclass(frozen=True)
class ViewSettings:
    """How the learner looks at the network: saved with the session (and in its snapshots),
    so a reload or a shared link shows it the same way."""

    example: int = 0  # column of the batch shown in the neurons
    log_scale: bool = False
    rows: bool = False  # row-per-example notation
    neuron: tuple[int, int] | None = None  # (layer, index) worked out in the neuron panel
    quiz: str = ""  # quiz mode: app.quiz.Score, encoded (stored with the view)


@dataclass
class Session:
    id: str
    config: SessionConfig
    stepper: Stepper
    dataset: Dataset | None
    view: ViewSettings = field(default_factory=ViewSettings)
    # What this process derived from the state to reuse (never stored): e.g. the pieces the
    # views rendered (app/views/cache.py). A memo with an `nbytes` counts towards the session's
    # size.
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    # A run kept beside this one (app/pinned.py): its curves share the charts' axes.
    pinned: PinnedRun | None = field(default=None, repr=False)


FLOAT_OBJECT = 32  # a Python float in a list: the object (24 bytes) and its slot (8)
OVERHEAD = 1.1  # dicts, array headers, allocator slack: measured with tracemalloc (~8%)


def session_bytes(session: Session, held: int = 0) -> int:
    """About how much memory a live session holds: its data, parameters and checkpoints, every
    value recorded in the current iteration, its history, its config's own data and its memos
    (the pieces rendered for it), and `held` bytes the caller keeps for it (a store's record
    of what it wrote). Arrays shared between these are counted once."""
    s = session.stepper
    seen: set[int] = set()
    total = 0

    def count(array: object) -> None:
        nonlocal total
        if isinstance(array, np.ndarray):
            owner = array.base if isinstance(array.base, np.ndarray) else array
            if id(owner) not in seen:
                seen.add(id(owner))
                total += owner.nbytes

    for array in (s.X, s.Y, s.X_test, s.Y_test, *s.values.values(), *s.params.values()):
        count(array)
    for params in s.checkpoints.values():
        for array in params.values():
            count(array)
    if session.dataset is not None:
        for array in vars(session.dataset).values():
            count(array)
    total += FLOAT_OBJECT * len(s.losses) * (1 + sum(
        len(v[0]) if v and isinstance(v[0], list) else 1 for v in s.metrics.values()))
    if "config_bytes" not in session.memo:  # the config never changes: count it once
        session.memo["config_bytes"] = config_bytes(session.config)
    total += session.memo["config_bytes"] + held
    total += sum(getattr(memo, "nbytes", 0) for memo in session.memo.values())
    pinned = session.pinned
    if pinned is not None:  # its JSON, and as many Python floats in its curves
        total += pinned.nbytes + FLOAT_OBJECT * sum(map(len, pinned.curves.values()))
    return int(total * OVERHEAD)


def config_bytes(config: SessionConfig) -> int:
    """The Python floats a config's own data and initial parameters hold."""
    def floats(value: object) -> int:
        if isinstance(value, list):
            return sum(floats(v) for v in value) if value and isinstance(value[0], list) \
                else len(value)
        return 1

    total = 0
    if config.data is not None:
        total += floats(config.data.X) + floats(config.data.Y)
    if config.parameters is not None:
        total += floats(config.parameters.W) + floats(config.parameters.b)
    return FLOAT_OBJECT * total


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
        raise ConfigError("config.history_mismatch", "history", reason=str(err)) from None


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


# -- the API's state, whole or in parts ---------------------------------------------------------
# data: X, Y and the batch; params: each layer's W and b; values: each layer's Z, A, dA, dZ, dW,
# db; steps: the steps done (formulas, operands and outputs with shapes); step_values: the
# steps' outputs' values (copies of the layers' values, in the order computed).
STATE_PARTS = ("data", "params", "values", "steps", "step_values")
JSON_BYTES_PER_FLOAT = 24  # orjson's shortest round-trip repr, a sign and a comma


@dataclass(frozen=True)
class StateForm:
    """Which parts a state answer holds: `include` the parts asked for (None: all that fit
    within `max_bytes`, the rest listed under `omitted`)."""

    include: frozenset[str] | None = None
    max_bytes: float = float("inf")


_state_form: ContextVar[StateForm | None] = ContextVar("backprop_state_form", default=None)


def use_state_form(form: StateForm) -> None:
    """For this request (app/main.py sets it from ?include= and BACKPROP_MAX_STATE_BYTES)."""
    _state_form.set(form)


def part_sizes(stepper: Stepper) -> dict[str, int]:
    """Bytes of JSON each part takes at most in an iteration of this network (every value
    computed), from the shapes alone."""
    layers, m = stepper.spec.layers, stepper.values["A0"].shape[1]
    params = sum(n * p + n for p, n in zip(layers[:-1], layers[1:], strict=True))
    values = params + sum(4 * n * m for n in layers[1:])
    sizes = {"data": (layers[0] + layers[-1] + 1) * m, "params": params, "values": values,
             "steps": 0, "step_values": values + params + 1}
    out = {k: JSON_BYTES_PER_FLOAT * v for k, v in sizes.items()}
    out["steps"] = 400 * len(stepper.plan)  # formulas and shapes
    return out


def state_parts(session: Session) -> tuple[frozenset[str], list[str]]:
    """(parts to write, parts left out) under this request's StateForm: Refusal when the parts
    asked for explicitly would be over the limit (checked before a move changes anything)."""
    form = _state_form.get() or StateForm()
    sizes = part_sizes(session.stepper)
    if form.include is not None:
        total = sum(sizes[p] for p in form.include)
        if total > form.max_bytes:
            raise Refusal("state_too_large", status=422, field="include", size=total,
                          limit=int(form.max_bytes), smaller="params,steps")
        return form.include, []
    parts, omitted = set(STATE_PARTS), []
    for drop in ("step_values", "values", "data"):  # the big ones, largest first
        if sum(sizes[p] for p in parts) <= form.max_bytes:
            break
        parts.discard(drop)
        omitted.append(drop)
    return frozenset(parts), omitted


def session_state(session: Session, with_steps: bool = True) -> dict:
    """The state; arrays stay NumPy arrays (orjson writes them as nested lists, one example per
    column). Its parts follow the request's StateForm (all of them by default, as far as they
    fit). Call it with the session checked out."""
    s = session.stepper
    parts, omitted = state_parts(session)
    params = s.current_params()
    per_example = s.spec.gradient_mode == "per_example"
    layers = []
    for l in range(1, s.spec.depth + 1):
        layer: dict = {"layer": l, "units": s.spec.layers[l],
                       "activation": s.spec.activations[l - 1]}
        if "params" in parts:
            layer["W"], layer["b"] = params[f"W{l}"], params[f"b{l}"].ravel()
        if "values" in parts:
            layer.update({name: s.values.get(f"{name}{l}")
                          for name in ("Z", "A", "dA", "dZ", "dW", "db")})
            if layer["db"] is not None:
                layer["db"] = layer["db"].ravel()
            if per_example:  # ΔW, Δb accumulated so far (None before the first example)
                layer["dW_sum"], layer["db_sum"] = _sums(s.values, l)
        layers.append(layer)
    cols = s.batch_columns(s.t)
    state = {
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
        "example": s.plan[s.c - 1].example if per_example and s.c else None,
        "layers": layers,
    }
    if "data" in parts:
        state.update({"batch": None if cols is None else cols.tolist(),
                      "X": s.values["A0"], "Y": s.values["Y"]})
    if "steps" in parts or "step_values" in parts:
        state["steps"] = (s.records(with_values="step_values" in parts, arrays=True)
                          if with_steps else None)
    if omitted:
        state["omitted"] = omitted
    return state


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
