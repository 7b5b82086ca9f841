"""Builds the FastAPI app: routers, static files, templates, error handlers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from .api.routes import pages, sessions
from .sessions import SessionStore
from .settings import Settings, get_settings
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


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Backprop Stepper",
        summary="Step a NumPy neural network through forward pass, loss, backward pass and update.",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.store = SessionStore(settings.max_sessions)
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.state.templates = Jinja2Templates(directory=settings.templates_dir)
    app.state.render_partial = partial_renderer(app.state.templates.env)
    app.include_router(sessions.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict:
        return {"status": "ok"}

    return app
