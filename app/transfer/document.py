"""The JSON document: export a session as the SessionConfig that rebuilds its current
iteration, and read such a document back. Pure functions over the config and the stepper: no web
imports.

`data` is the whole training set (rows = examples) and `parameters` are those at the start of
the iteration, so a re-imported session computes the same loss and gradients, to the last bit
(orjson writes every float as the shortest text that reads back to the same double). With
mini-batches the rows are reordered so that the imported session's first batch is this
iteration's batch, column for column (see `notes` in the document).
"""

from __future__ import annotations

import json
import math
from typing import Literal

import numpy as np
from pydantic import ConfigDict, Field, ValidationError, model_validator

from ..engine import NetworkSpec, Stepper
from ..messages import Invalid, Refusal, custom_error
from ..schemas import GIVEN_PARAMETERS, XOR_DATA, SessionConfig, Strict
from ..sessions import raw_data, split

FORMAT = "backprop-stepper/2"  # /1 (still read) numbered the iteration from 0 and had no history
MAX_JSON_BYTES = 8_000_000  # an export of 2,000 examples × (64 inputs + 16 targets) is ~3.5 MB


class TransferError(Refusal):
    """Input that cannot be imported (422); `field` names the culprit, the message (code of
    app/messages.py and its parameters) the row and column."""

    def __init__(self, code: str, field: str, **params: object):
        super().__init__(code, status=422, field=field, **params)


class Position(Strict):
    iteration: int = Field(1, ge=0, description="the exported iteration, numbered from 1 as in "
                           "the API and on the page: config.history holds the iteration − 1 "
                           "before it (format backprop-stepper/1 counted from 0)")
    step: int = Field(0, ge=0, description="micro-steps done in that iteration")


class ExportDocument(Strict):
    """What GET /api/sessions/{id}/export writes and POST /api/sessions/import reads."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "format": FORMAT,
        "config": {"layers": [2, 2, 1], "activations": ["sigmoid", "sigmoid"],
                   "loss": "squared_error", "learning_rate": 0.5, "dataset": None,
                   "data": XOR_DATA, "parameters": GIVEN_PARAMETERS},
        "position": {"iteration": 1, "step": 5},
        "learning_rate": 0.5,
    }]})

    format: Literal["backprop-stepper/2", "backprop-stepper/1"]
    config: SessionConfig
    position: Position = Field(default_factory=Position)
    learning_rate: float | None = Field(None, gt=0, le=100,
                                        description="α of the exported iteration")
    notes: list[str] = Field([], max_length=20)

    @model_validator(mode="after")
    def _check_position(self) -> ExportDocument:
        if self.format == FORMAT:
            done = len(self.config.history.losses) if self.config.history else 0
            if self.position.iteration != done + 1:
                raise custom_error("import.position_iteration", "position.iteration",
                                   got=self.position.iteration, done=done, next=done + 1)
        return self


def export_document(config: SessionConfig, stepper: Stepper) -> dict:
    """The session as an importable document (arrays stay NumPy arrays; orjson writes them)."""
    s = stepper
    X, Y = s.X, s.Y  # the training examples, (n0, m) and (nL, m): one example per column
    X_test, Y_test = getattr(s, "X_test", None), getattr(s, "Y_test", None)
    if config.derives:  # export the raw 2-D points: the import derives the features again
        raw_X, raw_Y, _ = raw_data(config)
        X, Y, X_test, Y_test = split(raw_X, raw_Y, config.test_ratio, config.seed)
    t = s.t
    notes = [f"parameters: as at the start of iteration {t + 1}, before its update",
             "data: every example, one per row (X: inputs, Y: targets)",
             f"history: loss and metrics of the {t} iteration{'s' * (t != 1)} before it, and the "
             "α schedule (an import shows them and goes on from this iteration)"]
    if s.completed > t + (s.c == s.steps_per_iteration):
        later = s.completed - t - (s.c == s.steps_per_iteration)
        notes.append(f"history: the {later} later iteration{'s' * (later != 1)} of the "
                     "session (it was viewing an earlier one) are not carried")
    batch_size = config.batch_size
    cols = s.batch_columns(t)
    if cols is not None:
        if len(cols) < s.batch_size:  # the short last batch of an epoch
            batch_size = len(cols)
            notes.append(f"batch_size: {len(cols)} instead of {s.batch_size}, the size of "
                         f"iteration {t + 1}'s batch (the last, shorter one of its epoch)")
        order = first_batch_order(X.shape[1], batch_size, s.seed, cols)
        X, Y = X[:, order], Y[:, order]
        notes.append(f"data: rows reordered so that the first mini-batch after import is "
                     f"iteration {t + 1}'s batch of {len(cols)} examples, in the same order")
    if X_test is not None and Y_test is not None:
        X, Y = _with_test_split(X, Y, X_test, Y_test, config.test_ratio, config.seed)
        notes.append(f"data: the {X_test.shape[1]} held-out test examples sit where the "
                     f"test_ratio/seed split takes them from again")
    params = s.params
    depth = s.spec.depth
    body = config.model_dump(exclude={"data", "parameters"})
    body.update(
        dataset=None, samples=None, noise=0.0, batch_size=batch_size,
        learning_rate=s.learning_rate,
        data={"X": X.T, "Y": Y.T},
        parameters={"W": [params[f"W{l}"] for l in range(1, depth + 1)],
                    "b": [params[f"b{l}"].ravel() for l in range(1, depth + 1)]},
        history=history_document(s),
    )
    return {
        "format": FORMAT,
        "config": body,
        "position": {"iteration": t + 1, "step": s.c},
        "learning_rate": s.learning_rate,
        "notes": notes,
    }


def history_document(s: Stepper) -> dict:
    """The iterations before the current one, as schemas.HistoryIn (numbered from 1; null for
    a non-finite value), and the α schedule up to the next iteration's."""
    t = s.t

    def finite(x):
        if isinstance(x, list):
            return [v if math.isfinite(v) else None for v in x]
        return x if math.isfinite(x) else None

    return {
        "losses": s.losses[:t],
        "metrics": {name: [finite(x) for x in series[:t]] for name, series in s.metrics.items()},
        "learning_rates": [[k + 1, lr] for k, lr in s.schedule if k <= t + 1],
    }


def _with_test_split(X: np.ndarray, Y: np.ndarray, X_test: np.ndarray, Y_test: np.ndarray,
                     ratio: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training and test examples in one set, each where the session's own split (same ratio,
    same seed) will take it from: the training ones in their order, the test ones in theirs."""
    m = X.shape[1] + X_test.shape[1]
    index = np.arange(m)[None, :]
    train, _, test, _ = split(index, index, ratio, seed)
    if test is None or train.shape[1] != X.shape[1]:  # pragma: no cover - the split changed
        raise ValueError("the train/test split does not reproduce the session's")
    full_X, full_Y = np.empty((X.shape[0], m)), np.empty((Y.shape[0], m))
    full_X[:, train[0]], full_Y[:, train[0]] = X, Y
    full_X[:, test[0]], full_Y[:, test[0]] = X_test, Y_test
    return full_X, full_Y


def first_batch_order(m: int, batch_size: int, seed: int, cols: np.ndarray) -> np.ndarray:
    """A permutation `order` of the m examples such that, in data[:, order], a stepper with this
    batch size and seed takes exactly `cols` (in that order) as its first mini-batch."""
    probe = Stepper(NetworkSpec((1, 1), ("linear",), "squared_error"), np.zeros((1, m)),
                    np.zeros((1, m)), [np.zeros((1, 1))], [np.zeros((1, 1))], 1.0,
                    batch_size=batch_size, seed=seed)
    positions = probe.batch_columns(0)  # where the first batch will be read from
    order = np.empty(m, dtype=int)
    order[positions] = cols
    rest_positions = np.setdiff1d(np.arange(m), positions)  # sorted
    order[rest_positions] = np.setdiff1d(np.arange(m), cols)  # the other examples, in order
    return order


def imported_config(doc: ExportDocument) -> SessionConfig:
    """The config to build: the document's, with its top-level learning rate if given."""
    if doc.learning_rate is None or doc.learning_rate == doc.config.learning_rate:
        return doc.config
    return doc.config.model_copy(update={"learning_rate": doc.learning_rate})


def parse_document(content: bytes) -> ExportDocument:
    """An uploaded export file: JSON, within MAX_JSON_BYTES, validated."""
    if len(content) > MAX_JSON_BYTES:
        raise TransferError("import.json_too_large", "file", limit=MAX_JSON_BYTES,
                            megabytes=MAX_JSON_BYTES // 1_000_000)
    try:
        raw = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise TransferError("import.not_utf8", "file", byte=err.start + 1) from None
    except json.JSONDecodeError as err:
        raise TransferError("import.not_json", "file", line=err.lineno,
                            column=err.colno) from None
    except RecursionError:
        raise TransferError("import.too_deep", "file") from None
    if not isinstance(raw, dict) or "format" not in raw:
        raise TransferError("import.not_export", "format", format=FORMAT)
    try:
        return ExportDocument.model_validate(raw)
    except ValidationError as err:
        raise Invalid(err.errors()) from None
