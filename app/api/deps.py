"""Typed dependencies: the store lives on the app; tests can override these. `CheckoutDep`
hands a route its session (a 404 when there is none, here and nowhere else).

They are `async def` on purpose: FastAPI runs a plain `def` dependency in its thread pool, a
hop that costs more than these attribute lookups (two per request, ~0.2 ms each here)."""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Annotated

from fastapi import Depends, Query, Request

from ..messages import Refusal
from ..sessions import STATE_PARTS, Session, StateForm, use_state_form
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


def missing(session_id: str, page: bool = False) -> Refusal:
    """The one refusal of a session that is not there: 404 `session_not_found` (unknown id,
    deleted or expired). For the page's own requests (`page`) it also asks htmx to reload the
    page (HX-Refresh), which builds a fresh network."""
    return Refusal("session_not_found", status=404, id=session_id,
                   headers={"HX-Refresh": "true"} if page else None)


@contextmanager
def checked_out(store: Store, session_id: str, wait: bool = True, page: bool = False
                ) -> Iterator[Session]:
    """The session `session_id`, held by this request for the block (app/store: checkout);
    `missing` when there is none."""
    with store.checkout(session_id, wait) as session:
        if session is None:
            raise missing(session_id, page)
        yield session


class Checkout:
    """`with checkout(session_id) as session:` for a route; `store` for the rest (create,
    delete, share, on_loop_if_free)."""

    def __init__(self, store: Store, page: bool):
        self.store, self.page = store, page

    def __call__(self, session_id: str, wait: bool = True
                 ) -> AbstractContextManager[Session]:
        return checked_out(self.store, session_id, wait, self.page)


async def get_checkout(request: Request) -> Checkout:
    return Checkout(request.app.state.store, request.url.path.startswith("/ui/"))


CheckoutDep = Annotated[Checkout, Depends(get_checkout)]
