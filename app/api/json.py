"""JSON responses written by orjson: NumPy arrays go out as nested lists without a Python loop."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from fastapi.responses import Response


def _fallback(obj: Any) -> Any:
    # Non-contiguous arrays (transposed views) and 0-d arrays: let NumPy make the lists.
    if isinstance(obj, np.ndarray | np.generic):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, default=_fallback, option=orjson.OPT_SERIALIZE_NUMPY)


class FastJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
