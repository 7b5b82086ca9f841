"""Export a session (a JSON document, a standalone NumPy script), import it back, and read
examples from CSV. Pure functions over the config and the stepper: no web imports.

The JSON document is the SessionConfig that rebuilds the current iteration: `data` is the whole
training set (rows = examples) and `parameters` are those at the start of the iteration, so a
re-imported session computes the same loss and gradients, to the last bit (orjson writes every
float as the shortest text that reads back to the same double). With mini-batches the rows are
reordered so that the imported session's first batch is this iteration's batch, column for
column (see `notes` in the document).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import ConfigDict, Field, ValidationError, model_validator

from .engine import LOSSES, NetworkSpec, Stepper
from .engine.regularizers import REGULARIZERS, Regularizer
from .messages import Invalid, Refusal, custom_error
from .schemas import (
    GIVEN_PARAMETERS,
    MAX_ABS_VALUE,
    MAX_EXAMPLES,
    XOR_DATA,
    SessionConfig,
    Strict,
)
from .sessions import raw_data, split

FORMAT = "backprop-stepper/2"  # /1 (still read) numbered the iteration from 0 and had no history
MAX_CSV_BYTES = 1_000_000  # 1 MB
MAX_JSON_BYTES = 8_000_000  # an export of 2,000 examples × (64 inputs + 16 targets) is ~3.5 MB


class TransferError(Refusal):
    """Input that cannot be imported (422); `field` names the culprit, the message (code of
    app/messages.py and its parameters) the row and column."""

    def __init__(self, code: str, field: str, **params: object):
        super().__init__(code, status=422, field=field, **params)


# -- the document ------------------------------------------------------------------------------
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


# -- CSV ---------------------------------------------------------------------------------------
def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_csv(content: bytes, n_inputs: int, n_outputs: int, loss: str | None = None
              ) -> tuple[list[list[float]], list[list[float]]]:
    """Examples from CSV text: a header row, then one example per row; the last n_outputs
    columns are the targets, the n_inputs before them the inputs. Returns (X rows, Y rows).

    Rows are counted as in a spreadsheet (the header is row 1), columns from 1 and named by
    their header. Blank lines are skipped. The delimiter is a comma, or a semicolon or tab when
    the header has no comma.
    """
    size = len(content)
    if size > MAX_CSV_BYTES:
        raise TransferError("csv.too_large", "file", size=size, limit=MAX_CSV_BYTES)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TransferError("import.not_utf8", "file", byte=err.start + 1) from None
    if not text.strip():
        raise TransferError("csv.empty", "file")
    first_line = text.lstrip().splitlines()[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = next((d for d in (";", "\t") if d in first_line), ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error:
        raise TransferError("csv.unreadable", "file", row=reader.line_num) from None

    header_row, header = rows[0]
    if all(_number(cell) is not None for cell in header):
        raise TransferError("csv.no_header", "file", row=header_row)
    names = [cell.strip() or f"column {j}" for j, cell in enumerate(header, start=1)]
    width, needed = len(header), n_inputs + n_outputs
    if width != needed:
        raise TransferError("csv.header_width", "file", row=header_row, width=width,
                            needed=needed, inputs=n_inputs, outputs=n_outputs)
    data = rows[1:]
    if not data:
        raise TransferError("csv.no_examples", "file", row=header_row)
    if len(data) > MAX_EXAMPLES:
        raise TransferError("csv.too_many_examples", "file", count=len(data),
                            limit=MAX_EXAMPLES, row=data[MAX_EXAMPLES][0],
                            example=MAX_EXAMPLES + 1)
    X, Y = [], []
    for number, row in data:
        if len(row) != width:
            raise TransferError("csv.row_width", "file", row=number, width=len(row),
                                header_row=header_row, header_width=width)
        values = []
        for j, cell in enumerate(row, start=1):
            where = {"row": number, "column": j, "name": names[j - 1]}
            text_cell = cell.strip()
            if not text_cell:
                raise TransferError("csv.empty_cell", "file", **where)
            value = _number(text_cell)
            if value is None:
                raise TransferError("csv.not_number", "file", **where, value=text_cell[:40])
            if not math.isfinite(value):
                raise TransferError("csv.not_finite", "file", **where, value=text_cell[:40])
            if abs(value) > MAX_ABS_VALUE:
                raise TransferError("csv.too_big", "file", **where, value=text_cell[:40],
                                    limit=MAX_ABS_VALUE)
            values.append(value)
        X.append(values[:n_inputs])
        Y.append(values[n_inputs:])
        _check_targets(loss, number, values[n_inputs:], names[n_inputs:], n_inputs)
    return X, Y


def _check_targets(loss: str | None, number: int, targets: list[float], names: list[str],
                   offset: int) -> None:
    """The loss's rule for targets, here with the row and column (the schema only knows the
    example's index)."""
    if loss in ("binary_cross_entropy", "cross_entropy"):
        for j, (value, name) in enumerate(zip(targets, names, strict=True), start=offset + 1):
            if not 0 <= value <= 1:
                raise TransferError("csv.target_range", "file", row=number, column=j,
                                    name=name, loss=loss, value=value)
    if loss == "cross_entropy" and abs(sum(targets) - 1) > 1e-6:
        first, last = offset + 1, offset + len(targets)
        raise TransferError("csv.target_sum", "file", row=number, first=first, last=last,
                            total=sum(targets))


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in str(value or "").replace("，", ",").split(",") if p.strip()]


OPTIONAL_FIELDS = ("learning_rate", "weight_decay", "init", "init_scale", "seed", "batch_size",
                   "test_ratio")


def form_config(fields: Mapping[str, str | None]) -> dict:
    """The CSV form's text fields as SessionConfig arguments: layers and activations split on
    commas ("2, 3, 1"), empty optional fields left to their defaults."""
    layers = _split(fields.get("layers"))
    config: dict = {
        "layers": [int(x) if x.lstrip("-").isdigit() else x for x in layers],
        "activations": _split(fields.get("activations")),
        "loss": (fields.get("loss") or "").strip() or None,
    }
    if config["loss"] is None:
        del config["loss"]
    for name in OPTIONAL_FIELDS:
        value = (fields.get(name) or "").strip()
        if value:
            config[name] = value
    return config


def csv_config(fields: Mapping[str, str | None], content: bytes) -> SessionConfig:
    """The session a CSV import builds: the form's network over the file's examples."""
    kwargs = form_config(fields)
    try:
        shape = SessionConfig(**kwargs)  # the network alone first: its errors name the fields
    except ValidationError as err:
        raise Invalid(err.errors()) from None
    X, Y = parse_csv(content, shape.layers[0], shape.layers[-1], shape.loss)
    try:
        return SessionConfig(**kwargs, dataset=None, data={"X": X, "Y": Y})
    except ValidationError as err:
        raise Invalid(err.errors()) from None


# -- the NumPy script --------------------------------------------------------------------------
def _literal(values: Sequence) -> str:
    """Python source for a nested list of floats; repr() writes each double exactly."""
    if values and isinstance(values[0], list):
        return "[" + ", ".join(_literal(v) for v in values) + "]"
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def _matrix(name: str, arr: np.ndarray, comment: str) -> list[str]:
    rows = arr.tolist()
    if len(rows) == 1:
        return [f"{name} = np.array([{_literal(rows[0])}])  # {comment}"]
    lines = [f"{name} = np.array([  # {comment}"]
    lines += [f"    {_literal(row)}," for row in rows]
    return lines + ["])"]


def _shape(arr: np.ndarray) -> str:
    return "(" + ", ".join(str(d) for d in arr.shape) + ")"


_ACTIVATION_CODE = {
    "sigmoid": ("sigmoid({z})", "sigmoid(z) = 1 / (1 + e^-z)"),
    "tanh": ("np.tanh({z})", "tanh(z)"),
    "relu": ("np.maximum({z}, 0.0)", "relu(z) = max(0, z)"),
    "leaky_relu": ("np.where({z} > 0, {z}, 0.01 * {z})", "leaky relu: z if z > 0 else 0.01 z"),
    "linear": ("{z}.copy()", "linear: g(z) = z"),
    "softmax": ("softmax({z})", "softmax over each column"),
}

_DERIVATIVE_CODE = {  # dZ = dA ⊙ g'(Z), g' written with the layer's A where that is simpler
    "sigmoid": ("{da} * ({a} * (1.0 - {a}))", "sigmoid'(z) = a (1 - a)"),
    "tanh": ("{da} * (1.0 - {a} * {a})", "tanh'(z) = 1 - a^2"),
    "relu": ("{da} * ({z} > 0)", "relu'(z) = 1 where z > 0, else 0"),
    "leaky_relu": ("{da} * np.where({z} > 0, 1.0, 0.01)", "leaky relu'(z) = 1 or 0.01"),
    "linear": ("{da}.copy()", "linear: g'(z) = 1"),
    "softmax": ("{a} * ({da} - np.sum({da} * {a}, axis=0, keepdims=True))",
                "softmax: dZ = A * (dA - sum over the column of dA * A)"),
}

_HELPERS = {
    "sigmoid": '''def sigmoid(z):
    """1 / (1 + e^-z) without overflow: e^-|z| is at most 1, and both branches are exact."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))''',
    "softmax": '''def softmax(z):
    """Softmax of each column; subtracting the column's maximum keeps exp() in (0, 1]."""
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)''',
    "softplus": '''def softplus(x):
    """log(1 + e^x) without overflow."""
    return np.logaddexp(0.0, x)''',
}

_COLLAPSE_NOTE = {
    "sigmoid": "sigmoid output with binary cross-entropy",
    "softmax": "softmax output with cross-entropy",
    "linear": "linear output with squared error",
}


def export_script(config: SessionConfig, stepper: Stepper) -> str:
    """A standalone Python script (NumPy and json only) that redoes the current iteration:
    forward pass, loss, backward pass and update, written out layer by layer in the notation
    of the course notes, and prints the loss, the gradients and the updated parameters."""
    s = stepper
    spec, L = s.spec, s.spec.depth
    X, Y = s.values["A0"], s.values["Y"]
    m, full_m = X.shape[1], s.X.shape[1]
    lam, alpha, reg = spec.weight_decay, s.learning_rate, spec.regularizer
    acts, loss = spec.activations, spec.loss
    a = ["X"] + [f"A{l}" for l in range(1, L + 1)]  # A[0] is X
    n = spec.layers
    cols = s.batch_columns(s.t)
    if cols is None:
        data_note = f"the whole training set: m = {m} examples"
    else:
        data_note = (f"this iteration's mini-batch: {m} of the {full_m} training examples "
                     f"(columns {', '.join(str(c) for c in cols[:12])}"
                     f"{', …' if len(cols) > 12 else ''} of the data, 0-based)")
    out: list[str] = []
    w = out.append
    w("#!/usr/bin/env python3")
    w(f'"""One training iteration of a {"-".join(map(str, n))} network in plain NumPy, '
      "written out.")
    w("")
    w(f"Exported by Backprop Stepper at iteration {s.t + 1} (step {s.c} of "
      f"{s.steps_per_iteration}).")
    w("The course notes' notation: one example per column. X is (n[0], m), Y is (n[L], m),")
    w("W[l] is (n[l], n[l-1]), b[l] is (n[l], 1); Z = W A + b, A = g(Z).")
    w("")
    w(f"Data: {data_note}.")
    w("The parameters are those at the start of the iteration, before its update.")
    w("")
    w("Run: python this_file.py  -> prints the loss, dW and db of every layer and the updated")
    w("W and b as JSON. Needs only NumPy.")
    w('"""')
    w("import json")
    w("")
    w("import numpy as np")
    w("")
    w("CONFIG = {")
    w(f"    \"layers\": {list(n)!r},")
    w(f"    \"activations\": {json.dumps(list(acts))},")
    w(f"    \"loss\": {json.dumps(loss)},")
    w(f"    \"learning_rate\": {alpha!r},  # alpha")
    w(f"    \"weight_decay\": {float(lam)!r},  # lambda, on W only")
    w("}")
    w("alpha = CONFIG[\"learning_rate\"]")
    w("lam = CONFIG[\"weight_decay\"]")
    w("")
    w(f"# ---- Data: {'the batch' if cols is not None else 'the training set'}, written one "
      "example per row; .T makes it one example per column ----")
    for name, arr in (("X", X), ("Y", Y)):
        rows = arr.T.tolist()
        w(f"{name} = np.array([")
        out.extend(f"    {_literal(row)}," for row in rows)
        w(f"]).T  # {_shape(arr)}")
    w("m = X.shape[1]  # examples in the batch")
    w("")
    w("# ---- Parameters at the start of the iteration ----")
    for l in range(1, L + 1):
        out.extend(_matrix(f"W{l}", s.params[f"W{l}"], f"W{l}: {_shape(s.params[f'W{l}'])}"))
        out.extend(_matrix(f"b{l}", s.params[f"b{l}"], f"b{l}: {_shape(s.params[f'b{l}'])}, "
                                                       "a column"))
    w("")
    helpers = {act for act in acts if act in ("sigmoid", "softmax")}
    if loss == "binary_cross_entropy":
        helpers.add("softplus")
    if helpers:
        w("")
        for name in ("sigmoid", "softmax", "softplus"):
            if name in helpers:
                w(_HELPERS[name])
                w("")
                w("")
    if spec.gradient_mode == "per_example":
        out.extend(_per_example_lines(spec, m))
        return _script_end(out, L)
    w("# ---- Forward pass, layer by layer ----")
    for l in range(1, L + 1):
        code, note = _ACTIVATION_CODE[acts[l - 1]]
        w(f"Z{l} = W{l} @ {a[l - 1]} + b{l}  # ({n[l]}, {m}) = ({n[l]}, {n[l - 1]}) @ "
          f"({n[l - 1]}, {m}) + ({n[l]}, 1)")
        w(f"A{l} = {code.format(z=f'Z{l}')}  # {note}")
    w("")
    w("# ---- Loss J (averaged over the m examples) ----")
    out.extend(_loss_lines(loss, L, lam, reg.name))
    w("")
    w("# ---- Backward pass: dZ = dJ/dZ per example, then dW, db (averaged), layer by layer ----")
    out.extend(_output_delta_lines(spec))

    def gradients(l: int) -> None:
        decay = " + " + reg.code_gradient.format(w=f"W{l}") if lam else ""
        w(f"dW{l} = dZ{l} @ {a[l - 1]}.T / m{decay}  # ({n[l]}, {n[l - 1]})"
          + (f"; {reg.note}" if lam else ""))
        w(f"db{l} = np.sum(dZ{l}, axis=1, keepdims=True) / m  # ({n[l]}, 1)")

    def delta(l: int) -> None:
        if l > 1:
            code, note = _DERIVATIVE_CODE[acts[l - 2]]
            w(f"dA{l - 1} = W{l}.T @ dZ{l}  # ({n[l - 1]}, {m}): the error sent back to layer "
              f"{l - 1}")
            w(f"dZ{l - 1} = {code.format(da=f'dA{l - 1}', a=f'A{l - 1}', z=f'Z{l - 1}')}"
              f"  # {note}")

    if spec.backward_order == "deltas_first":
        w("# (every delta first, then every gradient: the order of the UFLDL derivation)")
        for l in range(L, 0, -1):
            delta(l)
        for l in range(L, 0, -1):
            gradients(l)
    else:
        for l in range(L, 0, -1):
            gradients(l)
            delta(l)
    return _script_end(out, L)


def _script_end(out: list[str], L: int) -> str:
    """The update, after the whole backward pass, and the printed result."""
    w = out.append
    w("")
    w("# ---- Update, after the whole backward pass: W := W - alpha dW, b := b - alpha db ----")
    for l in range(1, L + 1):
        w(f"W{l}_new = W{l} - alpha * dW{l}")
        w(f"b{l}_new = b{l} - alpha * db{l}")
    w("")
    w("result = {")
    w("    \"loss\": float(J),")
    w("    \"gradients\": {")
    for l in range(1, L + 1):
        w(f"        \"dW{l}\": dW{l}.tolist(), \"db{l}\": db{l}.ravel().tolist(),")
    w("    },")
    w("    \"updated\": {")
    for l in range(1, L + 1):
        w(f"        \"W{l}\": W{l}_new.tolist(), \"b{l}\": b{l}_new.ravel().tolist(),")
    w("    },")
    w("}")
    w("print(json.dumps(result))")
    return "\n".join(out) + "\n"


def _one_example(line: str) -> str:
    """A batch line for one example: its matrices become the example's columns (Z2 -> z2,
    dA1 -> da1, A -> a, X -> x, Y -> y), in the code and in its comment."""
    return re.sub(r"\b(d?)([ZAXY])(\d*)\b", lambda g: g[1] + g[2].lower() + g[3], line)


def _per_example_lines(spec: NetworkSpec, m: int) -> list[str]:
    """UFLDL's batch gradient descent: for each example its own forward pass, loss, δ and
    ∇W(i) = δ·aᵀ, summed into DW, Db; then J = (1/m)·Σ L(i) and dW = (1/m)·DW + λW."""
    L, acts, lam = spec.depth, spec.activations, spec.weight_decay
    a = ["x"] + [f"a{l}" for l in range(1, L + 1)]
    out = ["# ---- One example at a time (UFLDL's batch gradient descent): for each example,",
           "# its forward pass, its loss L(i), the delta of every layer and",
           "# dW(i) = dz a^T, db(i) = dz, summed into DW, Db.",
           "# Only then: J = (1/m) sum L(i), dW = (1/m) DW + lam W. ----",
           "L_sum = 0.0"]
    for l in range(1, L + 1):
        out += [f"DW{l} = np.zeros_like(W{l})", f"Db{l} = np.zeros_like(b{l})"]
    body = ["x, y = X[:, i:i + 1], Y[:, i:i + 1]  # example i as a column"]
    for l in range(1, L + 1):
        code, note = _ACTIVATION_CODE[acts[l - 1]]
        body += [f"z{l} = W{l} @ {a[l - 1]} + b{l}  # ({spec.layers[l]}, 1)",
                 f"a{l} = {code.format(z=f'z{l}')}  # {note}"]
    loss_lines = [_one_example(line) for line in _loss_lines(spec.loss, L, 0.0)]
    body += [line.replace("J = ", "L_i = ").replace(" / m", "") for line in loss_lines]
    body.append("L_sum += L_i")
    body += [_one_example(line) for line in _output_delta_lines(spec)]
    for l in range(L, 0, -1):
        body += [f"DW{l} += dz{l} @ {a[l - 1]}.T  # dW(i) = dz a^T, ({spec.layers[l]}, "
                 f"{spec.layers[l - 1]})", f"Db{l} += dz{l}  # db(i) = dz"]
        if l > 1:
            code, note = _DERIVATIVE_CODE[acts[l - 2]]
            body += [f"da{l - 1} = W{l}.T @ dz{l}",
                     f"dz{l - 1} = {code.format(da=f'da{l - 1}', a=f'a{l - 1}', z=f'z{l - 1}')}"
                     f"  # {note}"]
    out.append(f"for i in range(m):  # m = {m}")
    out += ["    " + line for line in body]
    out.append("J = L_sum / m")
    if lam:
        out.append(_penalty_line(spec.regularizer, L))
    for l in range(L, 0, -1):
        decay = " + " + spec.regularizer.code_gradient.format(w=f"W{l}") if lam else ""
        out += [f"dW{l} = DW{l} / m{decay}", f"db{l} = Db{l} / m"]
    return out


def _loss_lines(loss: str, L: int, lam: float, regularization: str = "l2") -> list[str]:
    z, a = f"Z{L}", f"A{L}"
    if loss == "squared_error":
        lines = [f"J = 0.5 * np.sum(({a} - Y) ** 2) / m  # (1/m) sum of 1/2 ||a - y||^2"]
    elif loss == "binary_cross_entropy":
        lines = ["# -[y log a + (1 - y) log(1 - a)] with a = sigmoid(z), written from Z as",
                 "# y softplus(-z) + (1 - y) softplus(z): no log(0) when a rounds to 0 or 1",
                 f"J = np.sum(Y * softplus(-{z}) + (1.0 - Y) * softplus({z})) / m"]
    elif loss == "cross_entropy":
        lines = ["# -sum_k y_k log a_k with a = softmax(z); log softmax from the shifted Z",
                 f"shifted = {z} - {z}.max(axis=0, keepdims=True)",
                 f"log_{a} = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))",
                 f"J = -np.sum(Y * log_{a}) / m"]
    else:  # pragma: no cover - the schema allows no other loss
        raise ValueError(f"unknown loss {loss!r}")
    if lam:
        lines.append(_penalty_line(REGULARIZERS[regularization], L))
    return lines


def _penalty_line(reg: Regularizer, L: int) -> str:
    terms = " + ".join(reg.code_penalty.format(w=f"W{l}") for l in range(1, L + 1))
    return f"J = J + lam * ({terms})  # {reg.note}"


def _output_delta_lines(spec: NetworkSpec) -> list[str]:
    L, act, loss = spec.depth, spec.activations[-1], spec.loss
    a, z = f"A{L}", f"Z{L}"
    if spec.collapses:
        return [f"dZ{L} = {a} - Y  # {_COLLAPSE_NOTE[act]}: dZ = A - Y"]
    code, note = _DERIVATIVE_CODE[act]
    lines = [_DA_CODE[loss].format(a=a, L=L), f"dZ{L} = {code.format(da=f'dA{L}', a=a, z=z)}"
             f"  # {note}"]
    if LOSSES[loss].collapses(act):
        lines.append(f"# the chain rule, written out: dZ{L} equals {a} - Y "
                     f"({_COLLAPSE_NOTE[act]})")
    return lines


_DA_CODE = {  # dA[L] = dL/dA[L] per example, as the loss step's own derivative
    "squared_error": "dA{L} = {a} - Y  # d/da of 1/2 ||a - y||^2",
    "binary_cross_entropy": "dA{L} = -Y / {a} + (1.0 - Y) / (1.0 - {a})  # d/da of "
                            "-[y log a + (1 - y) log(1 - a)]",
    "cross_entropy": "dA{L} = -Y / {a}  # d/da_k of -sum_k y_k log a_k",
}
