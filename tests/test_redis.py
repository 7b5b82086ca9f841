"""The Redis store (REDIS_URL) against a real redis-server started here (Debian's package, no
persistence, loopback, a free port), stopped by its PID: the same store checks as SQLite, and two
app processes sharing sessions through it."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import orjson
import pytest
import test_store as common
from live import Server, free_port

from app.store.redis import RedisStore

REDIS_SERVER = "/usr/bin/redis-server"


@pytest.fixture(scope="module")
def redis_url():
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed (bash .ci/setup --test installs it)")
    import redis

    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


@pytest.fixture
def redis_store(redis_url):
    clock = common.Clock()
    store = RedisStore(redis_url, capacity=3, ttl=3600, touch_interval=0, clock=clock)
    store.redis.flushdb()
    store.clock_ = clock
    yield store
    store.redis.flushdb()
    store.close()


def test_redis_store_round_trip_eviction_expiry_and_snapshots(redis_store):
    common.test_store_round_trip_eviction_expiry_and_snapshots(redis_store, redis_store.clock_)


def test_redis_keys_expire_and_hold_no_pickle(redis_store):
    session = redis_store.create(common.config("softmax"))
    common.step(redis_store, session.id, "train", iterations=30)
    r = redis_store.redis
    keys = sorted(k.decode() for k in r.keys("*"))
    assert keys == sorted(["bs:idle", f"bs:s:{session.id}", f"bs:s:{session.id}:ck",
                           f"bs:s:{session.id}:h"])
    for key in keys[1:]:
        assert 0 < r.pttl(key) <= 3600 * 1000
    assert r.hget(f"bs:s:{session.id}", "head").startswith(b"{")
    with redis_store.checkout(session.id) as held:
        snap = redis_store.share(held)
    assert r.pttl(f"bs:snap:{snap}") == -1  # snapshots do not expire


def test_a_second_instance_reads_what_the_first_wrote(redis_url, redis_store):
    other = RedisStore(redis_url, capacity=3, ttl=3600, touch_interval=0,
                       clock=redis_store.clock_)
    reference = common.new_session("circles-minibatch-test").stepper
    session = redis_store.create(common.config("circles-minibatch-test"))
    for i, (name, args) in enumerate([("train", {"iterations": 21}), ("next", {}),
                                      ("goto", {"updates": 7}), ("next", {}), ("prev", {}),
                                      ("set_learning_rate", {"lr": 0.05}), ("iterate", {})]):
        store = (redis_store, other)[i % 2]
        with store.checkout(session.id) as held:
            getattr(held.stepper, name)(**args)
            getattr(reference, name)(**args)
            common.assert_same(reference, held.stepper)
    other.close()


def test_the_lock_is_released_only_by_its_holder(redis_store):
    session = redis_store.create(common.config("xor"))
    redis_store.lock_timeout = 0.2
    from app.store import StoreBusy

    with redis_store._lock(session.id):
        # A lock someone else holds: a second taker waits, then gives up.
        other = RedisStore.__new__(RedisStore)
        other.__dict__.update(redis_store.__dict__)
        other._tokens = {}
        t0 = time.monotonic()
        with pytest.raises(StoreBusy), other._lock(session.id):
            pass
        assert time.monotonic() - t0 >= 0.2
        # Compare-and-delete: a wrong token deletes nothing.
        assert redis_store._release(keys=[f"bs:lock:{session.id}"], args=[b"wrong"]) == 0
        assert redis_store.redis.exists(f"bs:lock:{session.id}")
    assert not redis_store.redis.exists(f"bs:lock:{session.id}")


def test_two_app_processes_share_sessions_through_redis(tmp_path, redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    one = Server(tmp_path / "one", REDIS_URL=redis_url, BACKPROP_DATA_DIR=str(tmp_path / "d1"))
    two = Server(tmp_path / "two", REDIS_URL=redis_url, BACKPROP_DATA_DIR=str(tmp_path / "d2"))
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with one, two, httpx.Client(base_url=one.url) as a, httpx.Client(base_url=two.url) as b:
        created = a.post("/api/sessions", json={"dataset": "xor"})
        assert created.status_code == 201
        sid = created.json()["id"]
        n = created.json()["steps_per_iteration"]
        for i in range(30):
            r = (a, b)[i % 2].post(f"/api/sessions/{sid}/next")
            assert r.status_code == 200, r.text
        assert a.get(f"/api/sessions/{sid}").content == b.get(f"/api/sessions/{sid}").content
        statuses: list[int] = []

        def hammer(url: str) -> None:
            with httpx.Client(base_url=url) as c:
                for _ in range(20):
                    statuses.append(c.post(f"/api/sessions/{sid}/next").status_code)

        threads = [threading.Thread(target=hammer, args=(u,)) for u in (one.url, two.url) * 2]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert statuses == [200] * 80
        state = orjson.loads(b.get(f"/api/sessions/{sid}").content)
        steps = 30 + 80
        assert state["completed"] == steps // n
        assert state["iteration"] == (steps - 1) // n + 1  # numbered from 1
        # A snapshot made through one opens through the other.
        snap = a.post(f"/api/sessions/{sid}/snapshots").json()["id"]
        copy = b.post(f"/api/snapshots/{snap}/sessions")
        assert copy.status_code == 201 and copy.json()["completed"] == steps // n
        # No SQLite file was made: Redis holds everything.
        assert not (tmp_path / "d1" / "sessions.sqlite3").exists()
    assert one.errors() == "" and two.errors() == ""
