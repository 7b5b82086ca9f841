"""The ready-made networks (app/presets.py) as JSON, for notebooks and other front ends."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ...presets import DEFAULT_PRESET, PRESETS
from ..json import FastJSONResponse

router = APIRouter(tags=["presets"])


@router.get("/api/presets")
def list_presets() -> Response:
    """Every preset: its name, title and blurb in English and Simplified Chinese, whether its
    colour scale starts logarithmic, and the full config `POST /api/sessions` builds it from."""
    return FastJSONResponse({"default": DEFAULT_PRESET, "presets": [
        {"name": p.name, "title": p.title, "blurb": p.blurb, "log_scale": p.log_scale,
         "config": p.session_config().model_dump(exclude={"data", "parameters",
                                                          "history"})}
        for p in PRESETS.values()]})
