"""Shared fixtures. Keep this small and generic: feature-specific fixtures live with their tests."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # Starlette's notice that the test client's httpx backend is deprecated is not ours to fix.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


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
