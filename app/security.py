"""Hardening for a public demo: security headers, a request-body limit and a per-client rate
limit, in one ASGI middleware (wired in app/main.py).

* Every response gets a Content-Security-Policy without inline script or eval, nosniff and a
  same-origin referrer policy. The /docs page (FastAPI's, with Swagger UI vendored under
  static/) starts Swagger UI with one inline script: that page alone gets a policy allowing
  exactly that script (by its SHA-256).
* A body over `max_body_bytes` is a 413 (from Content-Length up front, or counted while the
  route reads a chunked body).
* More than `rate_limit` requests a minute from one client is a 429 with Retry-After (a token
  bucket per client address: bursts up to the limit, then limit/60 per second). The address is
  the one uvicorn reports: behind a proxy, uvicorn's proxy headers give the real client when the
  proxy is trusted (FORWARDED_ALLOW_IPS). Each worker process counts on its own.
* The request's scheme (https behind a TLS proxy, via X-Forwarded-Proto) is kept in a context
  variable, so cookies can be set Secure (`request_is_secure`).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import time
from collections.abc import Callable
from contextvars import ContextVar

import orjson
from fastapi import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .messages import Refusal, answer_lang

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'self'")
DOCS_PATHS = frozenset({"/docs"})
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
UNLIMITED_PATHS = ("/healthz", "/static/")  # cheap, and a page load fetches many assets

_scheme: ContextVar[str] = ContextVar("backprop_request_scheme", default="http")


def request_is_secure() -> bool:
    """Whether the request being handled came over HTTPS (directly or via a trusted proxy)."""
    return _scheme.get() == "https"


class BodyTooLarge(HTTPException):
    """Raised while a route reads a body past the limit. An HTTPException, so FastAPI's body
    parsing passes it on instead of calling it a malformed body; main.py renders it."""

    def __init__(self, limit: int):
        super().__init__(413, body_too_large(limit).text())
        self.limit = limit


def body_too_large(limit: int) -> Refusal:
    return Refusal("body_too_large", status=413, extra={"limit": limit}, limit=limit)


class RateLimiter:
    """A token bucket per client: up to `per_minute` at once, refilled at per_minute/60 a
    second. Used from the event loop only (no locking)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 50_000):
        self.per_minute, self.clock, self.max_clients = per_minute, clock, max_clients
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}

    def hit(self, client: str) -> float:
        """0 if the request may go ahead, else the seconds until it could."""
        now = self.clock()
        tokens, then = self._buckets.get(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - then) * self.rate)
        if tokens >= 1.0:
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > self.max_clients:
                self._prune(now)
            return 0.0
        self._buckets[client] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        # Buckets that have refilled completely hold no information.
        full = 60.0
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full}
        if len(self._buckets) > self.max_clients:  # a flood of addresses: forget the oldest
            keep = sorted(self._buckets.items(), key=lambda kv: kv[1][1])[-self.max_clients // 2:]
            self._buckets = dict(keep)


def _inline_script_hashes(html: bytes) -> list[str]:
    scripts = re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'"
            for s in scripts]


def docs_csp(html: bytes) -> str:
    hashes = " ".join(_inline_script_hashes(html))
    return (f"default-src 'self'; script-src 'self' {hashes}; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
            "worker-src blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'self'")


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, rate_limit: int,
                 clock: Callable[[], float] = time.monotonic):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.limiter = RateLimiter(rate_limit, clock) if rate_limit > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _scheme.set(scope.get("scheme", "http"))
        try:
            await self._handle(scope, receive, send)
        finally:
            _scheme.reset(token)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if path in DOCS_PATHS:
            send = _DocsSend(send)
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                headers += [(n, v) for n, v in HEADERS if n not in names]
                message = {**message, "headers": headers}
            await send(message)

        if self.limiter is not None and not path.startswith(UNLIMITED_PATHS):
            client = scope.get("client")
            wait = self.limiter.hit(client[0] if client else "?")
            if wait > 0:
                retry = max(1, math.ceil(wait))
                await _refuse(send_secured, scope, Refusal(
                    "rate_limited", status=429, headers={"Retry-After": str(retry)},
                    extra={"retry_after": retry}, limit=self.limiter.per_minute, retry=retry))
                return

        limit = self.max_body_bytes
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _refuse(send_secured, scope, Refusal("bad_content_length", status=400))
                return
            if int(declared) > limit:
                await _refuse(send_secured, scope, body_too_large(limit))
                return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, receive_limited, send_secured)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(send_secured, scope, body_too_large(limit))


class _DocsSend:
    """Holds back the docs page until its body is complete, to put its inline script's hash in
    its own policy."""

    def __init__(self, send: Send):
        self.send, self.start, self.body = send, None, b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] == "http.response.body" and self.start is not None:
            self.body += message.get("body", b"")
            if message.get("more_body"):
                return
            headers = [(n, v) for n, v in self.start.get("headers", [])
                       if n.lower() != b"content-security-policy"]
            headers.append((b"content-security-policy", docs_csp(self.body).encode()))
            await self.send({**self.start, "headers": headers})
            await self.send({"type": "http.response.body", "body": self.body})
            self.start = None
            return
        await self.send(message)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


async def _refuse(send: Send, scope: Scope, refusal: Refusal) -> None:
    """The refusal as app/main.py writes it (in the page's language for the page's requests),
    before the app sees the request."""
    body = orjson.dumps(refusal.body(answer_lang(Request(scope))))
    await send({"type": "http.response.start", "status": refusal.status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in refusal.headers.items())]})
    await send({"type": "http.response.body", "body": body})
