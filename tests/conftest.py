"""Shared fixtures. Keep this small and generic: feature-specific fixtures live with their tests."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

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
