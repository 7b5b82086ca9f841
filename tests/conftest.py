"""Shared fixtures and helpers (one copy each: import the helpers with `from conftest import …`).
Keep this small and generic: feature-specific fixtures live with their tests."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

with warnings.catch_warnings():
    # Starlette's notice that the test client's httpx backend is deprecated is not ours to fix.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

API = "/api/sessions"
# What a refusal's body holds beyond {"error", "message"} (and "field"), by its code (README,
# "Errors"): nothing for every other code.
BODY_EXTRAS = {"validation": {"errors", "detail"}, "diverged": {"state"},
               "body_too_large": {"limit"}, "rate_limited": {"retry_after"}}


def refusal_message(body: dict, error: str | None = None) -> str:
    """A refusal's text, its body checked to have the one shape of every 4xx:
    {"error": code, "message": text}, plus "field" (a non-empty name) where one field is at
    fault; validation errors add "errors" and pydantic's "detail", divergence the last finite
    "state", body_too_large the "limit", rate_limited "retry_after", and nothing else adds a
    key. `error`: the code it must have."""
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("message"), str) and body["message"], body
    extras = BODY_EXTRAS.get(body["error"], set())
    assert set(body) - {"field"} == {"error", "message"} | extras, body
    if "field" in body:
        assert isinstance(body["field"], str) and body["field"], body
    if body["error"] == "validation":  # "field" is the first error's that names one
        named = [e["field"] for e in body["errors"] if e["field"]]
        assert body["errors"] and body.get("field") == (named[0] if named else None), body
    if error is not None:
        assert body["error"] == error, body
    return body["message"]


def soup(response) -> BeautifulSoup:
    """A 200 answer's HTML, parsed."""
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def create(client, status: int = 201, **config) -> dict:
    """POST /api/sessions with `config`: its answer (the new session's state), checked to have
    `status`."""
    response = client.post(API, json=config)
    assert response.status_code == status, response.text[:2000]
    return response.json()


@pytest.fixture
def app(tmp_path):
    """A fresh app per test, storing its sessions in a new SQLite file under tmp_path (the
    embedded default). No rate limit: tests step fast; tests/test_security.py checks it."""
    application = create_app(Settings(data_dir=tmp_path / "data", rate_limit=0,
                                      store="sqlite"))
    yield application
    application.state.store.close()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    """A TestClient over `app`; requests go through the real ASGI stack, in process."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api(client):
    """`client`, with every answer checked: never a 5xx, and every 4xx of the API (and any JSON
    refusal of the page's) in the one refusal shape (refusal_message). `api.seen`: (url,
    status) of each answer."""
    seen: list[tuple[str, int]] = []

    def checked(response) -> None:
        seen.append((str(response.request.url), response.status_code))
        assert response.status_code < 500, f"{response.request.url} gave {response.status_code}"
        if response.status_code >= 400:
            json = response.headers.get("content-type", "").startswith("application/json")
            assert json or not response.request.url.path.startswith("/api/"), response.headers
            if json:
                response.read()
                refusal_message(response.json())

    client.event_hooks = {"request": [], "response": [checked]}
    client.seen = seen
    return client


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """A live `python -m app` with its own data directory, for the browser tests of a module."""
    from live import Server

    tmp = tmp_path_factory.mktemp("server")
    with Server(tmp, BACKPROP_DATA_DIR=str(tmp / "data")) as srv:
        yield srv.url
        # Whatever the browser did, the server answered it: no traceback in its log.
        assert srv.errors() == "", srv.log.read_text()[-4000:]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright (its own browser download cannot work here)."""
    from live import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run .ci/setup --test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh visitor in Chromium (own cookies, downloads allowed) on the module's live server;
    its console errors fail the test (tests/browsing.py: visitor)."""
    from browsing import visitor

    with visitor(browser, server, accept_downloads=True) as pg:
        yield pg


@pytest.fixture
def pool_hops(monkeypatch) -> list:
    """The requests a route handed to the thread pool (see app/api/inline.py), as a list."""
    import app.api.inline as inline

    hops: list = []
    real = inline.run_in_threadpool

    async def counting(fn, *args):
        hops.append(fn)
        return await real(fn, *args)

    monkeypatch.setattr(inline, "run_in_threadpool", counting)
    return hops
