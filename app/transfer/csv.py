"""CSV import: examples read from a spreadsheet's CSV, and the import form's fields as the
SessionConfig they build. Every refusal names the row and column (counted as a spreadsheet
does) or the limit."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping

from pydantic import ValidationError

from ..messages import Invalid
from ..schemas import MAX_ABS_VALUE, MAX_EXAMPLES, SessionConfig
from .document import TransferError

MAX_CSV_BYTES = 1_000_000  # 1 MB


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
