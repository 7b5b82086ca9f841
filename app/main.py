"""Builds the FastAPI app: the store, security middleware, routers, static files, templates,
error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Receive, Scope, Send

from .api.json import FastJSONResponse
from .api.routes import pages, sessions, share, tools
from .messages import Refusal
from .security import BodyTooLarge, SecurityMiddleware, body_limit_content
from .settings import Settings, get_settings
from .static_files import StaticAssets
from .store import Store, StoreBusy, make_store
from .views.i18n import choices
from .views.page import partial_renderer


def _field(loc: tuple) -> str:
    # ('body', 'layers', 0) -> 'layers[0]'
    parts = [p for p in loc if p not in ("body", "query", "path")]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    messages = []
    for e in errors:
        msg = str(e.get("msg", "")).removeprefix("Value error, ")
        field = _field(tuple(e.get("loc", ())))
        # Model-level checks already start with the field they blame ("layers[1]: ...").
        messages.append(msg if field == "body" else f"{field}: {msg}")
    detail = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg")), "type": e.get("type")}
              for e in errors]
    return JSONResponse({"detail": detail, "message": "; ".join(messages)}, status_code=422)


# FastAPI's own 400 for a body it cannot decode (e.g. bytes that are not UTF-8). A JSON body
# that does not parse is already a 422 (json_invalid): make this one the same kind of answer.
_UNREADABLE_BODY = "There was an error parsing the body"


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 400 and exc.detail == _UNREADABLE_BODY:
        message = "body: not readable as JSON (is it UTF-8?)"
        return FastJSONResponse({"detail": [{"loc": ["body"], "msg": message,
                                             "type": "json_invalid"}], "message": message},
                                status_code=422)
    return await http_exception_handler(request, exc)


async def _body_too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
    return FastJSONResponse(body_limit_content(exc.limit), status_code=413)


async def _store_busy(request: Request, exc: StoreBusy) -> JSONResponse:
    message = f"the session is busy with another request: {exc}"
    return FastJSONResponse({"detail": message, "message": message}, status_code=503,
                            headers={"Retry-After": "1"})


async def _refusal(request: Request, exc: Refusal) -> JSONResponse:
    return FastJSONResponse(exc.body(), status_code=exc.status, headers=exc.headers or None)


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
    app.add_middleware(SecurityMiddleware, max_body_bytes=settings.max_body_bytes,
                       rate_limit=settings.rate_limit)
    # Pages, fragments and JSON, gzipped outside the security middleware (which hashes the
    # docs page's script as written). Level 1: a 50 KB step fragment goes to 15 KB in ~0.5 ms;
    # level 5 saves 2 KB more for ~2.5 ms (bench/README.md).
    app.add_middleware(_GZipExceptStatic, minimum_size=1024, compresslevel=1)
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(BodyTooLarge, _body_too_large)  # type: ignore[arg-type]
    app.add_exception_handler(StoreBusy, _store_busy)  # type: ignore[arg-type]
    app.add_exception_handler(Refusal, _refusal)  # type: ignore[arg-type]
    app.state.templates = Jinja2Templates(directory=settings.templates_dir)
    app.state.templates.env.auto_reload = False  # templates ship with the app: no stat per render
    app.state.templates.env.globals["choice_labels"] = choices  # (value, label) for a <select>
    app.state.render_partial = partial_renderer(app.state.templates.env)
    app.state.static = StaticAssets(settings.static_dir)
    app.state.templates.env.globals["static_url"] = app.state.static.url
    # The page first: its step route is the one asked for most, and matches only the moves.
    # Then share and tools before sessions: the API's catch-all /api/sessions/{id}/{move}
    # would take /api/sessions/{id}/snapshots and /gradcheck.
    app.include_router(pages.router)
    app.include_router(share.router)
    app.include_router(tools.router)
    app.include_router(sessions.router)
    app.mount("/static", app.state.static, name="static")

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict:  # no thread-pool hop: the server's true floor
        return {"status": "ok"}

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
