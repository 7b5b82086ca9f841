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
* Cross-site requests: a state-changing request to the page's routes (POST /ui/…) must come
  from the page itself. `Sec-Fetch-Site` (every current browser sends it) must say
  `same-origin` (or `none`: typed by the visitor); without it, an `Origin` must name this
  server (its Host, or BACKPROP_PUBLIC_URL). A request with neither header is not from a
  browser that could carry a visitor's cookie across sites (curl, scripts): allowed. Refused
  requests are a 403 before any route runs, so no cookie is set.
* Under /static/ only asset files are served (not, say, static/vendor/update.py).
* A response that sets a cookie is never stored by a shared cache
  (`Cache-Control: private, no-store`).
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from urllib.parse import urlsplit

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api.json import dumps
from .messages import Refusal

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
ASSET_SUFFIXES = (".css", ".js", ".svg", ".png", ".woff2", ".woff", ".ico", ".json", ".map",
                  ".gz", ".br")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NO_STORE = (b"cache-control", b"private, no-store")

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


def page_language(scope: Scope) -> str:
    """The visitor's language as the page picks it: ?lang=, the bs_lang cookie, then
    Accept-Language."""
    query = scope.get("query_string", b"").decode("latin-1")
    asked = re.search(r"(?:^|&)lang=(en|zh)(?:&|$)", query)
    if asked:
        return asked.group(1)
    cookie = _header(scope, b"cookie") or ""
    found = re.search(r"(?:^|;)\s*bs_lang=(en|zh)\b", cookie)
    if found:
        return found.group(1)
    accept = (_header(scope, b"accept-language") or "").lower()
    return "zh" if accept.startswith("zh") else "en"


HTML_REFUSAL = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title} · {status}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{refresh}<style>body {{ font: 1.05rem/1.5 system-ui, sans-serif; margin: 2rem auto;
max-width: 40rem; padding: 0 1rem; }} .error {{ color: #8a1c1c; }}</style></head>
<body><main><p class="error" role="alert">{text}</p><p><a href="/">{title}</a></p>
</main></body></html>
"""


def refusal_parts(scope: Scope, refusal: Refusal) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body of a refusal, in the form its path calls for: the API's JSON
    (English); for the page's own requests (/ui/…) the same JSON with the message in the
    page's language (the page shows it); for a page the browser navigates to (GET /, /s/…) a
    small HTML page that tries again after Retry-After."""
    path, method = scope.get("path", ""), scope.get("method", "GET")
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1"))
               for k, v in refusal.headers.items()]
    if path.startswith("/api/") or path.startswith("/ui/") and method != "GET":
        body = refusal.body("en" if path.startswith("/api/") else page_language(scope))
        return refusal.status, [(b"content-type", b"application/json"), *headers], \
            dumps(body)  # NumPy arrays too (a diverged move's last finite state)
    lang = page_language(scope)
    retry = refusal.headers.get("Retry-After")
    refresh = (f'<meta http-equiv="refresh" content="{int(retry)}">\n'
               if retry and retry.isdigit() else "")
    from .views.i18n import translator  # the page's own name, in its language

    page = HTML_REFUSAL.format(lang="zh-Hans" if lang == "zh" else "en",
                               status=refusal.status, refresh=refresh,
                               title=html.escape(translator(lang)("title")),
                               text=html.escape(refusal.text(lang)))
    return refusal.status, [(b"content-type", b"text/html; charset=utf-8"), *headers], \
        page.encode()


async def send_refusal(scope: Scope, send: Send, refusal: Refusal) -> None:
    status, headers, body = refusal_parts(scope, refusal)
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def cross_site_origin(scope: Scope, public_url: str | None) -> str | None:
    """The foreign origin a state-changing page request came from, or None when it may go on
    (see the module's docstring for the policy)."""
    site = _header(scope, b"sec-fetch-site")
    origin = _header(scope, b"origin")
    if site is not None:
        if site.lower() in ("same-origin", "none"):
            return None
        return origin or site
    if origin is None:
        return None  # not a browser that sends a cookie across sites
    parsed = urlsplit(origin)
    host = (_header(scope, b"host") or "").lower()
    allowed = {host} | ({urlsplit(public_url).netloc.lower()} if public_url else set())
    if parsed.scheme in ("http", "https") and parsed.netloc.lower() in allowed:
        return None
    return origin


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, rate_limit: int,
                 clock: Callable[[], float] = time.monotonic, public_url: str | None = None):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.public_url = public_url
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
                if b"set-cookie" in names:  # a visitor's own session: no shared cache keeps it
                    headers = [(n, v) for n, v in headers if n.lower() != b"cache-control"]
                    headers.append(NO_STORE)
                headers += [(n, v) for n, v in HEADERS if n not in names]
                message = {**message, "headers": headers}
            await send(message)

        if self.limiter is not None and not path.startswith(UNLIMITED_PATHS):
            client = scope.get("client")
            wait = self.limiter.hit(client[0] if client else "?")
            if wait > 0:
                retry = max(1, math.ceil(wait))
                await send_refusal(scope, send_secured, Refusal(
                    "rate_limited", status=429, headers={"Retry-After": str(retry)},
                    extra={"retry_after": retry}, limit=self.limiter.per_minute, retry=retry))
                return

        if path.startswith("/static/") and not path.lower().endswith(ASSET_SUFFIXES):
            await send_refusal(scope, send_secured, Refusal("not_found", status=404))
            return
        if path.startswith("/ui/") and scope.get("method", "GET") not in SAFE_METHODS:
            origin = cross_site_origin(scope, self.public_url)
            if origin is not None:
                await send_refusal(scope, send_secured, Refusal(
                    "cross_site", status=403, origin=origin[:100]))
                return

        limit = self.max_body_bytes
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await send_refusal(scope, send_secured, Refusal("bad_content_length", status=400))
                return
            if int(declared) > limit:
                await send_refusal(scope, send_secured, body_too_large(limit))
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
            await send_refusal(scope, send_secured, body_too_large(limit))


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
