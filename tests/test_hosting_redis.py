"""Hosting on Redis when Redis misbehaves: stopped (every route a 503 with a message, /healthz
says so), stalled (no lock left behind once it answers again), or evicting part of a session
(treated like an expired one). Each test starts its own redis-server on a free loopback port
and stops it by its PID."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from live import free_port
from test_store import config

from app.main import create_app
from app.settings import Settings
from app.store.redis import RedisStore

REDIS_SERVER = "/usr/bin/redis-server"


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen([REDIS_SERVER, "--port", str(self.port), "--bind",
                                      "127.0.0.1", "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url, socket_timeout=1).ping()
                return self
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def redis_server():
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed (bash .ci/setup --test installs it)")
    server = RedisServer().start()
    yield server
    server.stop()


def redis_app(url: str, **settings):
    store = RedisStore(url, capacity=100, ttl=3600, socket_timeout=0.5, lock_timeout=0.5,
                       touch_interval=0)
    app = create_app(Settings(rate_limit=0, store="redis", redis_url=url, **settings),
                     store=store)
    return app, store


def test_with_redis_stopped_every_route_is_a_503_with_a_message(redis_server):
    app, store = redis_app(redis_server.url)
    client = TestClient(app, raise_server_exceptions=False)
    sid = client.post("/api/sessions", json={}).json()["id"]
    client.get("/")
    page_sid = client.cookies["bs_session"]
    assert client.get("/healthz").json() == {"status": "ok", "store": "redis"}
    redis_server.stop()
    r = client.get(f"/api/sessions/{sid}")
    assert r.status_code == 503 and r.json()["error"] == "store_unavailable"
    assert "cannot be reached" in r.json()["message"] and int(r.headers["retry-after"]) >= 1
    assert client.post("/api/sessions", json={}).status_code == 503
    r = client.post(f"/ui/{page_sid}/next?lang=zh")
    assert r.status_code == 503 and "无法连接会话存储" in r.json()["message"]
    r = client.get("/")  # the page itself: a page that says so, and tries again
    assert r.status_code == 503 and r.headers["content-type"].startswith("text/html")
    assert "cannot be reached" in r.text and 'http-equiv="refresh"' in r.text
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable" and r.json()["store"] == "redis"
    # Back again (the same port): everything answers as before, without a restart.
    redis_server.start()
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 200
    store.close()


def test_a_stalled_redis_leaves_no_lock_behind(redis_server):
    store = RedisStore(redis_server.url, capacity=100, ttl=3600, socket_timeout=0.5,
                       lock_timeout=0.5, touch_interval=0)
    session = store.create(config("xor"))
    lock = f"bs:lock:{session.id}"
    os.kill(redis_server.proc.pid, signal.SIGSTOP)  # a stall: requests queue up unanswered
    try:
        with pytest.raises(redis.TimeoutError), store.checkout(session.id):
            pass
    finally:
        os.kill(redis_server.proc.pid, signal.SIGCONT)
    # Redis now runs the attempt it received during the stall: too late, it takes nothing.
    watcher = redis.Redis.from_url(redis_server.url)
    watcher.ping()  # answered after everything sent before it
    assert not watcher.exists(lock)
    with store.checkout(session.id) as held:  # at once, not after the lock's 60 s lease
        assert held is not None
    assert 0 < store.lock_timeout < store.lock_lease
    store.close()


def test_a_half_evicted_session_is_treated_as_expired(redis_server):
    app, store = redis_app(redis_server.url)
    client = TestClient(app, raise_server_exceptions=False)
    sid = client.post("/api/sessions", json={"dataset": "xor"}).json()["id"]
    assert client.post(f"/api/sessions/{sid}/train",
                       json={"iterations": 30}).status_code == 200
    store.redis.delete(f"bs:s:{sid}:h")  # Redis dropped the history, kept the main key
    store._forget(sid)  # as another worker, which never cached it, would see it
    r = client.get(f"/api/sessions/{sid}")
    assert r.status_code == 404
    assert not store.redis.exists(f"bs:s:{sid}")  # the rest is cleared away
    # The page: a fresh network, and a notice that the old one is gone.
    client.get("/")
    page_sid = client.cookies["bs_session"]
    assert client.post(f"/ui/{page_sid}/train", data={"iterations": 20}).status_code == 200
    store.redis.delete(f"bs:s:{page_sid}:h")
    store._forget(page_sid)
    r = client.get("/")
    assert r.status_code == 200 and "Your previous network is no longer kept" in r.text
    assert re.search(r'data-sid="([^"]+)"', r.text).group(1) != page_sid
    store.close()


def test_a_clock_behind_redis_still_takes_the_lock(redis_server):
    """Lock attempts carry this host's time; a clock a minute behind Redis's must not make
    every attempt look late."""
    store = RedisStore(redis_server.url, capacity=100, ttl=3600, socket_timeout=0.5,
                       lock_timeout=0.5, touch_interval=0)
    session = store.create(config("xor"))
    store._skew_ms = -60_000  # as if this host's clock were a minute behind
    with store.checkout(session.id) as held:
        assert held is not None
    assert abs(store._skew_ms) < 1000  # measured against Redis's TIME
    store.close()
