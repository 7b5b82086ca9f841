"""Builds the FastAPI app: the store, security middleware, routers, static files, templates,
error handlers."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Receive, Scope, Send

from . import logs
from .api.deps import read_state_form
from .api.json import FastJSONResponse
from .api.routes import graph, history, pages, pinned, presets, quiz, sessions, share, tools
from .limits import CpuBudgetMiddleware, ServiceGate
from .messages import Invalid, Refusal
from .security import (
    BodyTooLarge,
    SecurityMiddleware,
    body_too_large,
    refusal_parts,
    send_refusal,
)
from .settings import Settings, get_settings
from .static_files import StaticAssets
from .store import Store, StoreBusy, StoreUnavailable, make_store
from .views.i18n import choices
from .views.page import partial_renderer

log = logging.getLogger("backprop_stepper")


def refused(request: Request, refusal: Refusal) -> Response:
    """Every refusal's answer, in the form its path calls for (app/security.py:
    refusal_parts): `{"error": code, "message": text, "field"?: field, …}` with the text in
    English for the API and in the page's language for the page's own requests; a small HTML
    page for a page the browser navigates to."""
    status, headers, body = refusal_parts(request.scope, refusal)
    content_type = dict(headers).pop(b"content-type").decode()
    return Response(body, status_code=status, media_type=content_type,
                    headers={k.decode(): v.decode() for k, v in headers
                             if k != b"content-type"})


async def _refusal(request: Request, exc: Refusal) -> Response:
    return refused(request, exc)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    return refused(request, Invalid(exc.errors()))


# FastAPI's own 400 for a body it cannot decode (e.g. bytes that are not UTF-8). A JSON body
# that does not parse is already a 422 (json_invalid): make this one the same kind of answer.
_UNREADABLE_BODY = "There was an error parsing the body"


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    status, path = exc.status_code, request.url.path
    if status == 400 and exc.detail == _UNREADABLE_BODY:
        refusal = Refusal("body_unreadable", status=422, field="body")
    elif status == 404:
        refusal = Refusal("not_found", status=404)
    elif status == 405:
        refusal = Refusal("method_not_allowed", status=405, headers=exc.headers,
                          method=request.method, path=path)
    else:
        refusal = Refusal("http_error", status=status, headers=exc.headers, status_code=status)
    return refused(request, refusal)


async def _body_too_large(request: Request, exc: BodyTooLarge) -> Response:
    return refused(request, body_too_large(exc.limit))


async def _store_busy(request: Request, exc: StoreBusy) -> Response:
    lock_timeout = request.app.state.settings.lock_timeout
    return refused(request, Refusal("store_busy", status=503, seconds=lock_timeout,
                                    retry=1, headers={"Retry-After": "1"}))


async def _store_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("session store unreachable: %s: %s", type(exc).__name__, exc)
    return refused(request, Refusal("store_unavailable", status=503, retry=5,
                                    headers={"Retry-After": "5"}))


def _unreachable_store_errors() -> tuple[type[Exception], ...]:
    """The exceptions that mean the store cannot be reached right now (not a bug): Redis
    connection errors and timeouts, an SQLite file that is locked too long or unusable."""
    import redis

    return (StoreUnavailable, redis.ConnectionError, redis.TimeoutError,
            sqlite3.OperationalError)


class _GZipExceptStatic(GZipMiddleware):
    """GZipMiddleware for everything but /static/, whose files StaticAssets gzipped once at
    start-up (and which it answers by the client's own Accept-Encoding, q=0 included)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def _docs_html(html: str, css_url: str, js_url: str) -> str:
    """Swagger UI's page with a language, a description, the override stylesheet and the
    script that names its unnamed form controls."""
    description = ("The JSON API of Backprop Stepper: sessions, steps of forward pass, loss, "
                   "backward pass and update, training, gradient check, export and share.")
    html = html.replace("<html>", '<html lang="en">', 1)
    html = html.replace("</body>", f'<script src="{js_url}"></script>\n</body>', 1)
    return html.replace("<title>", f'<meta name="description" content="{description}">\n'
                        f'    <link rel="stylesheet" href="{css_url}">\n    <title>', 1)


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The app; `store` defaults to the one the settings ask for (make_store)."""
    settings = settings or get_settings()
    store = store if store is not None else make_store(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="Backprop Stepper",
        summary="Step a NumPy neural network through forward pass, loss, backward pass and update.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served below from the vendored Swagger UI, not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    # Outermost last: headers, limits and the cross-site check first; then the waits for busy
    # sessions and the concurrency limits (on the event loop); then the CPU budget.
    app.add_middleware(CpuBudgetMiddleware, per_minute=settings.cpu_budget)
    app.add_middleware(ServiceGate, busy_wait=settings.busy_wait,
                       session_queue=settings.session_queue,
                       client_concurrency=settings.client_concurrency,
                       max_active=settings.max_active, respond=send_refusal)
    app.add_middleware(SecurityMiddleware, max_body_bytes=settings.max_body_bytes,
                       rate_limit=settings.rate_limit, public_url=settings.public_url)
    # Pages, fragments and JSON, gzipped outside the security middleware (which hashes the
    # docs page's script as written). Level 1: a 50 KB step fragment goes to 15 KB in ~0.5 ms;
    # level 5 saves 2 KB more for ~2.5 ms (bench/README.md).
    app.add_middleware(_GZipExceptStatic, minimum_size=1024, compresslevel=1)
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(BodyTooLarge, _body_too_large)  # type: ignore[arg-type]
    app.add_exception_handler(StoreBusy, _store_busy)  # type: ignore[arg-type]
    app.add_exception_handler(Refusal, _refusal)  # type: ignore[arg-type]
    for error in _unreachable_store_errors():
        app.add_exception_handler(error, _store_unavailable)
    logs.install()  # no session id in the access log
    app.state.templates = Jinja2Templates(directory=settings.templates_dir)
    app.state.templates.env.auto_reload = False  # templates ship with the app: no stat per render
    app.state.templates.env.globals["choice_labels"] = choices  # (value, label) for a <select>
    app.state.render_partial = partial_renderer(app.state.templates.env)
    app.state.static = StaticAssets(settings.static_dir)
    app.state.templates.env.globals["static_url"] = app.state.static.url
    # The page first: its step route is the one asked for most, and matches only the moves.
    # Then share and tools before sessions: the API's catch-all /api/sessions/{id}/{move}
    # would take /api/sessions/{id}/snapshots and /gradcheck.
    state_form = [Depends(read_state_form)]  # ?include= on every route that answers a state
    app.include_router(pages.router)
    app.include_router(share.router, dependencies=state_form)
    app.include_router(tools.router, dependencies=state_form)
    app.include_router(graph.router)
    app.include_router(presets.router)
    app.include_router(history.router)
    app.include_router(pinned.router)
    app.include_router(quiz.router, dependencies=state_form)
    app.include_router(sessions.router, dependencies=state_form)
    app.mount("/static", app.state.static, name="static")

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> Response:
        """200 while the server and its session store answer; 503 (and which) otherwise.
        A local store (SQLite, memory) is asked on the event loop (microseconds), Redis in the
        thread pool with a one-second timeout."""
        try:
            if store.inline:
                store.ping()
            else:
                await run_in_threadpool(store.ping)
        except (*_unreachable_store_errors(), OSError) as err:
            return FastJSONResponse({"status": "unavailable", "store": store.kind,
                                     "message": f"the session store cannot be reached: "
                                                f"{type(err).__name__}"}, status_code=503)
        return FastJSONResponse({"status": "ok", "store": store.kind})

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        """The API's interactive documentation, with Swagger UI from static/vendor (npm) and
        static/docs.css on top (language, contrast, focus)."""
        static = app.state.static
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
            swagger_js_url=static.url("vendor/swagger-ui/swagger-ui-bundle.js"),
            swagger_css_url=static.url("vendor/swagger-ui/swagger-ui.css"),
            swagger_favicon_url=static.url("favicon.svg"),
            # Deep links put a link inside each operation's expand button (a control inside a
            # control, which screen readers flatten): off.
            swagger_ui_parameters={"deepLinking": False})
        return HTMLResponse(_docs_html(page.body.decode(), static.url("docs.css"),
                                       static.url("docs.js")))

    return app
