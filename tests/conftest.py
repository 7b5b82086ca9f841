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


@pytest.fixture
def app():
    """A fresh app (its own empty session store) per test."""
    return create_app()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    """A TestClient over `app`; requests go through the real ASGI stack, in process."""
    with TestClient(app) as test_client:
        yield test_client
