"""Typed dependencies: the store lives on the app; tests can override these.

Both are `async def` on purpose: FastAPI runs a plain `def` dependency in its thread pool, a
hop that costs more than these attribute lookups (two per request, ~0.2 ms each here)."""

from typing import Annotated

from fastapi import Depends, Query, Request

from ..messages import Refusal
from ..sessions import STATE_PARTS, StateForm, use_state_form
from ..settings import Settings
from ..store import Store


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def read_state_form(request: Request, include: Annotated[str | None, Query(
        description="parts of the state to answer with, comma-separated: data (X, Y, batch), "
                    "params (W, b), values (Z, A, dA, dZ, dW, db), steps (formulas, shapes), "
                    "step_values (the steps' outputs); default: all that fit within "
                    "BACKPROP_MAX_STATE_BYTES, the rest named in `omitted`",
        max_length=100)] = None) -> None:
    """?include=data,params,values,steps,step_values: the parts of the state an API answer
    holds (default: all, as far as they fit within BACKPROP_MAX_STATE_BYTES)."""
    asked = include
    include = None
    if asked is not None:
        include = frozenset(p.strip() for p in asked.split(",") if p.strip())
        unknown = sorted(include - set(STATE_PARTS))
        if unknown:
            raise Refusal("include_unknown", field="include", part=unknown[0],
                          parts=", ".join(STATE_PARTS))
    use_state_form(StateForm(include, request.app.state.settings.max_state_bytes))
