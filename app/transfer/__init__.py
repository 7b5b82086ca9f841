"""Export a session and import it back: the JSON document (document.py), examples from CSV
(csv.py) and the standalone NumPy script (script.py). Pure functions over the config and the
stepper: no web imports."""

from .csv import MAX_CSV_BYTES, OPTIONAL_FIELDS, csv_config, form_config, parse_csv
from .document import (
    FORMAT,
    MAX_JSON_BYTES,
    ExportDocument,
    Position,
    TransferError,
    export_document,
    first_batch_order,
    history_document,
    imported_config,
    parse_document,
)
from .script import export_script

__all__ = [
    "FORMAT", "MAX_CSV_BYTES", "MAX_JSON_BYTES", "OPTIONAL_FIELDS", "ExportDocument", "Position",
    "TransferError", "csv_config", "export_document", "export_script", "first_batch_order",
    "form_config", "history_document", "imported_config", "parse_csv", "parse_document",
]
