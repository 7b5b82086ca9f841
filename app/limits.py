"""What one visitor may cost the others: waits for a busy session, requests running at once,
and seconds of computation. Wired in app/main.py (ServiceGate) and app/actions.py (computation).

* **Busy sessions wait on the event loop.** A request for a session that another request is
  using waits here, as an asyncio future, before it reaches a route: it holds no worker thread
  while it waits. At most `session_queue` requests wait for one session (more: 409 at once), for
  at most `busy_wait` seconds (then 503); both with Retry-After. So one session never has more
  than one request in the thread pool per worker, however many are sent.
* **Requests running at once** that touch sessions (the page, /ui/*, /api/*, /s/*): at most
  `client_concurrency` per client address and `max_active` per worker; the rest wait on the loop
  (bounded by the same `busy_wait`), then a 503. One client cannot take the thread pool, and the
  live sessions in memory at once stay bounded (the worker's memory ceiling, README: Hosting).
* **A CPU budget per client**: the thread CPU time of its moves (training, replays, steps),
  of building its networks and of drawing them is charged to a token bucket of `cpu_budget`
  seconds a minute; a client with less than a second left gets a 429 with Retry-After for
  training, `iterate`, `goto` and building a network, and a run never goes past what is left
  of the budget.

The client is the address uvicorn reports (behind a trusted proxy: the real client's). Each
worker process counts on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Receive, Scope, Send

from .messages import Phrase, Refusal

SESSION_PATH = re.compile(r"^/(?:ui|api/sessions)/([A-Za-z0-9_-]{22})(?:/|$)")
GATED_PREFIXES = ("/ui/", "/api/", "/s/")
SESSION_COOKIE = b"bs_session="


class Full(Exception):
    """No room in the queue: refuse at once."""


@dataclass
class Slots:
    """At most `limit` holders at once; the others wait in FIFO order on the event loop, at
    most `queue` of them (None: no bound but the wait's deadline)."""

    limit: int
    queue: int | None = None
    holders: int = 0
    waiters: deque = field(default_factory=deque)

    @property
    def idle(self) -> bool:
        return self.holders == 0 and not self.waiters

    async def acquire(self, deadline: float) -> None:
        """Raises Full (queue full) or TimeoutError (deadline, loop time, passed)."""
        if self.holders < self.limit and not self.waiters:
            self.holders += 1
            return
        if self.queue is not None and len(self.waiters) >= self.queue:
            raise Full
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self.waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, max(0.0, deadline - loop.time()))
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed the slot just as we gave up: pass it on
            else:
                with contextlib.suppress(ValueError):  # already passed over by release()
                    self.waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                _grant(waiter, self)  # the slot goes straight to the next in line
                return
        self.holders -= 1


def _grant(waiter: asyncio.Future, slots: Slots) -> None:
    """Hand the slot to a waiter, on its own event loop (a server has one; a test client may
    run requests on several)."""
    loop = waiter.get_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is running:
        waiter.set_result(None)
        return

    def grant() -> None:
        if waiter.done():
            slots.release()  # it gave up meanwhile: pass the slot on
        else:
            waiter.set_result(None)

    loop.call_soon_threadsafe(grant)


class KeyedSlots:
    """Slots per key (a session id, a client address), dropped when nobody holds or waits."""

    def __init__(self, limit: int, queue: int | None = None):
        self.limit, self.queue = limit, queue
        self._slots: dict[str, Slots] = {}

    def get(self, key: str) -> Slots:
        slots = self._slots.get(key)
        if slots is None:
            slots = self._slots[key] = Slots(self.limit, self.queue)
        return slots

    def release(self, key: str) -> None:
        slots = self._slots[key]
        slots.release()
        if slots.idle:
            del self._slots[key]

    def forget_if_idle(self, key: str) -> None:
        slots = self._slots.get(key)
        if slots is not None and slots.idle:
            del self._slots[key]

    def __len__(self) -> int:
        return len(self._slots)


class ServiceGate:
    """ASGI middleware: the waits and concurrency limits above, before any route runs.

    `respond(scope, send, refusal)` writes a refusal in the form the path calls for (set by
    app/main.py: JSON for the API, the page's language for the page)."""

    def __init__(self, app: ASGIApp, *, busy_wait: float, session_queue: int,
                 client_concurrency: int, max_active: int,
                 respond: Callable[[Scope, Send, Refusal], object]):
        self.app, self.busy_wait, self.respond = app, busy_wait, respond
        self.sessions = KeyedSlots(1, session_queue)
        self.clients = KeyedSlots(client_concurrency)
        self.active = Slots(max_active)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/" or path.startswith(GATED_PREFIXES)):
            await self.app(scope, receive, send)
            return
        sid = _session_of(scope, path)
        client = scope.get("client")
        client_key = client[0] if client else "?"
        deadline = asyncio.get_running_loop().time() + self.busy_wait
        held: list[Callable[[], None]] = []
        try:
            if sid is not None:
                await self._take(self.sessions.get(sid), deadline, lambda: Refusal(
                    "session_busy", status=409, headers={"Retry-After": "1"}, retry=1,
                    waiting=self.sessions.queue), lambda: Refusal(
                    "session_wait_timeout", status=503, headers={"Retry-After": "2"},
                    seconds=self.busy_wait, retry=2),
                    on_fail=lambda: self.sessions.forget_if_idle(sid))
                held.append(lambda: self.sessions.release(sid))
            await self._take(self.clients.get(client_key), deadline, None, lambda: Refusal(
                "server_busy", status=503, headers={"Retry-After": "2"}, retry=2,
                limit=self.clients.limit, who=Phrase("per_client")),
                on_fail=lambda: self.clients.forget_if_idle(client_key))
            held.append(lambda: self.clients.release(client_key))
            await self._take(self.active, deadline, None, lambda: Refusal(
                "server_busy", status=503, headers={"Retry-After": "2"}, retry=2,
                limit=self.active.limit, who=Phrase("per_server")))
            held.append(self.active.release)
        except Refusal as refusal:
            for release in reversed(held):
                release()
            await self.respond(scope, send, refusal)
            return
        except BaseException:  # cancelled while waiting (a shutdown): give back what it held
            for release in reversed(held):
                release()
            raise
        try:
            await self.app(scope, receive, send)
        finally:
            for release in reversed(held):
                release()

    @staticmethod
    async def _take(slots: Slots, deadline: float, full: Callable[[], Refusal] | None,
                    timed_out: Callable[[], Refusal],
                    on_fail: Callable[[], None] | None = None) -> None:
        try:
            await slots.acquire(deadline)
        except Full:
            if on_fail:
                on_fail()
            raise (full or timed_out)() from None
        except TimeoutError:
            if on_fail:
                on_fail()
            raise timed_out() from None


def _session_of(scope: Scope, path: str) -> str | None:
    """The session a request is about: in its path, or (the page itself) its cookie."""
    match = SESSION_PATH.match(path)
    if match:
        return match.group(1)
    if path != "/":
        return None
    for name, value in scope.get("headers", []):
        if name == b"cookie" and SESSION_COOKIE in value:
            for part in value.split(b";"):
                part = part.strip()
                if part.startswith(SESSION_COOKIE):
                    sid = part[len(SESSION_COOKIE):].decode("latin-1")
                    return sid if re.fullmatch(r"[A-Za-z0-9_-]{22}", sid) else None
    return None


# -- the CPU budget ------------------------------------------------------------------------------
class CpuBudget:
    """A token bucket of CPU seconds per client: up to `per_minute` at once, refilled at
    per_minute/60 a second; a charge may drive it below zero (a debt paid back by waiting)."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 50_000):
        self.per_minute, self.clock, self.max_clients = per_minute, clock, max_clients
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()  # charged from the event loop and the thread pool

    def left(self, client: str) -> float:
        """Seconds of computation the client may still use now (≤ 0: in debt)."""
        now = self.clock()
        tokens, then = self._buckets.get(client, (self.per_minute, now))
        return min(self.per_minute, tokens + (now - then) * self.rate)

    def charge(self, client: str, seconds: float) -> None:
        with self._lock:
            now = self.clock()
            self._buckets[client] = (self.left(client) - seconds, now)
            if len(self._buckets) > self.max_clients:
                self._buckets = {k: v for k, v in self._buckets.items()
                                 if v[0] + (now - v[1]) * self.rate < self.per_minute}

    @property
    def least(self) -> float:
        """What a client must have left for a costly move: a second (or the whole budget,
        if smaller)."""
        return min(1.0, self.per_minute)

    def retry_after(self, client: str) -> int:
        """Seconds until the client has `least` again."""
        return max(1, math.ceil((self.least - self.left(client)) / self.rate))


@dataclass
class _Charge:
    budget: CpuBudget
    client: str


_charge: ContextVar[_Charge | None] = ContextVar("backprop_cpu_charge", default=None)


class CpuBudgetMiddleware:
    """Puts the client's budget where `computation()` finds it (a context variable: it follows
    the request into the thread pool)."""

    def __init__(self, app: ASGIApp, *, per_minute: float):
        self.app = app
        self.budget = CpuBudget(per_minute) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.budget is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = _charge.set(_Charge(self.budget, client[0] if client else "?"))
        try:
            await self.app(scope, receive, send)
        finally:
            _charge.reset(token)


@contextmanager
def computation(refuse_in_debt: bool = True) -> Iterator[float]:
    """Charge the thread CPU time of the block to the client's budget. Yields the seconds of
    computation left (inf without a budget); refuses (429, Retry-After) before anything runs
    when the client has none left and `refuse_in_debt`."""
    charge = _charge.get()
    if charge is None:
        yield math.inf
        return
    left = charge.budget.left(charge.client)
    if refuse_in_debt and left < charge.budget.least:
        retry = charge.budget.retry_after(charge.client)
        raise Refusal("cpu_budget", status=429, headers={"Retry-After": str(retry)},
                      budget=charge.budget.per_minute, retry=retry)
    started = time.thread_time()
    try:
        yield max(left, 0.0)
    finally:
        charge.budget.charge(charge.client, time.thread_time() - started)
