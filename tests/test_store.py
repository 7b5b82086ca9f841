"""Stored sessions come back bit for bit: codec round trips after random walks, and the memory and
SQLite stores (versions, caching across store instances, eviction, expiry, snapshots, a lock
that holds across processes). The Redis store has the same checks in test_redis.py."""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import threading
import warnings
import zlib

import numpy as np
import orjson
import pytest

from app.engine import Diverged, StepOrderError, Stepper
from app.schemas import SessionConfig
from app.sessions import Session, ViewSettings, build_stepper
from app.store import MemoryStore, codec
from app.store.base import new_session_id
from app.store.sqlite import SQLiteStore

CONFIGS = {
    "xor": {},
    "circles-minibatch-test": {"layers": [2, 5, 4, 1], "activations": ["relu", "tanh", "sigmoid"],
                               "dataset": "circles", "samples": 60, "noise": 0.1,
                               "batch_size": 16, "test_ratio": 0.25, "weight_decay": 0.01},
    "softmax": {"layers": [2, 6, 3], "activations": ["tanh", "softmax"],
                "loss": "cross_entropy", "dataset": "gaussians", "samples": 45, "seed": 3},
    "regression": {"layers": [1, 8, 1], "activations": ["sigmoid", "linear"],
                   "loss": "squared_error", "dataset": "sine", "samples": 30, "seed": 5,
                   "init": "he", "test_ratio": 0.2},
    "custom": {"layers": [3, 2, 2], "activations": ["leaky_relu", "sigmoid"],
               "loss": "squared_error",
               "data": {"X": [[0.1, 0.2, 0.3], [1, -1, 0.5], [2.5, 0, -0.75], [0, 0, 1e-3]],
                        "Y": [[1, 0], [0, 1], [0.5, 0.5], [0.25, 0.75]]},
               "parameters": {"W": [[[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]],
                                    [[0.7, -0.8], [0.9, 1.0]]],
                              "b": [[0.01, -0.02], [0.03, 0.04]]}},
    "diverging": {"layers": [2, 4, 1], "activations": ["relu", "linear"], "loss": "squared_error",
                  "dataset": "random", "samples": 20, "learning_rate": 90, "init": "normal",
                  "init_scale": 10},
}


def config(name: str) -> SessionConfig:
    return SessionConfig(**CONFIGS[name])


def new_session(name: str, view: ViewSettings | None = None) -> Session:
    cfg = config(name)
    stepper, dataset = build_stepper(cfg)
    return Session(new_session_id(), cfg, stepper, dataset, view or ViewSettings())


# -- comparing steppers ---------------------------------------------------------------------------
def same_number(a, b) -> bool:
    return np.array_equal(np.asarray(a, float), np.asarray(b, float), equal_nan=True)


def assert_same(a: Stepper, b: Stepper) -> None:
    """Everything a stepper holds, compared exactly (np.array_equal, no tolerance)."""
    assert (a.t, a.c) == (b.t, b.c)
    assert a.checkpoint_every == b.checkpoint_every
    assert a.schedule == b.schedule
    assert sorted(a.checkpoints) == sorted(b.checkpoints)
    for k, params in a.checkpoints.items():
        assert list(params) == list(b.checkpoints[k])
        for key, value in params.items():
            assert np.array_equal(value, b.checkpoints[k][key]), (k, key)
            assert value.flags.c_contiguous == b.checkpoints[k][key].flags.c_contiguous
    assert len(a.losses) == len(b.losses) and same_number(a.losses, b.losses)
    assert set(a.metrics) == set(b.metrics)
    for name, series in a.metrics.items():
        assert len(series) == len(b.metrics[name])
        assert same_number(series, b.metrics[name]), name
    assert set(a.values) == set(b.values)
    for key, value in a.values.items():
        other = b.values[key]
        assert np.asarray(value).shape == np.asarray(other).shape, key
        assert np.asarray(value).dtype == np.asarray(other).dtype, key
        assert np.array_equal(value, other), key
    for key, value in a.current_params().items():
        assert np.array_equal(value, b.current_params()[key]), key
    assert a.loss == b.loss or (a.loss is None and b.loss is None)


MOVES = ["next", "next", "next", "prev", "forward", "backward", "update", "iterate", "train",
         "goto", "lr", "reset", "next"]


def move(stepper: Stepper, name: str, rng: random.Random) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if name == "train":
                stepper.train(rng.choice([1, 3, 12, 27]))
            elif name == "goto":
                stepper.goto(rng.randint(0, stepper.completed))
            elif name == "lr":
                stepper.set_learning_rate(rng.choice([0.05, 0.3, 1.5]))
            elif name == "reset":
                if rng.random() < 0.3:
                    stepper.reset()
            else:
                getattr(stepper, name)()
    except (StepOrderError, Diverged):
        pass


def round_trip(session: Session) -> Session:
    """Through the per-session parts a persistent store keeps (what the SQLite rows hold)."""
    delta = codec.diff(session, codec.Written())
    chunks = [delta.chunks_put[j] for j in range(delta.chunks_total)]
    return codec.restore(session.id, codec.parse_config(codec.config_json(session.config)),
                         delta.head, delta.checkpoints_put, chunks)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_random_walks_restore_exactly_and_go_on_identically(name):
    rng = random.Random(zlib.crc32(name.encode()))
    session = new_session(name, ViewSettings(example=1, log_scale=True, neuron=(1, 0)))
    for round_ in range(12):
        for _ in range(rng.randint(1, 6)):
            move(session.stepper, rng.choice(MOVES), rng)
        for restore in (round_trip,
                        lambda s: codec.from_snapshot("x" * 22, codec.snapshot(s))):
            restored = restore(session)
            assert_same(session.stepper, restored.stepper)
            assert restored.view == session.view
            assert restored.config == session.config
            # Both go on the same way.
            follow = random.Random(round_)
            moves = [follow.choice(MOVES) for _ in range(5)]
            for m in moves:
                seed = follow.random()
                move(session.stepper, m, random.Random(seed))
                move(restored.stepper, m, random.Random(seed))
                assert_same(session.stepper, restored.stepper)


def test_every_position_of_an_iteration_restores():
    session = new_session("circles-minibatch-test")
    session.stepper.train(13)
    n = session.stepper.steps_per_iteration
    for c in range(n + 1):
        if c == 0:
            session.stepper.next()
            session.stepper.prev()
        else:
            session.stepper.next()
        assert session.stepper.c == c
        assert_same(session.stepper, round_trip(session).stepper)
    session.stepper.goto(0)
    assert_same(session.stepper, round_trip(session).stepper)


def test_a_position_where_the_next_step_diverges_restores():
    session = new_session("diverging")
    s = session.stepper
    with pytest.raises(Diverged), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s.train(500)
    assert s.completed > 0
    assert all(np.isfinite(v).all() for v in s.values.values())
    restored = round_trip(session)
    assert_same(s, restored.stepper)


def test_thinned_checkpoints_and_a_long_history_round_trip():
    session = new_session("xor")
    s = session.stepper
    s.train(2600)  # more than 256 checkpoints at every 10: the spacing doubles
    assert s.checkpoint_every == 20
    s.goto(1234)
    s.set_learning_rate(0.8)
    s.train(5)
    s.next()
    restored = round_trip(session)
    assert_same(s, restored.stepper)
    assert len(codec.diff(session, codec.Written()).chunks_put) == codec.n_chunks(s.completed)


def test_deltas_write_only_what_changed():
    session = new_session("xor")
    s = session.stepper
    written = codec.committed(codec.diff(session, codec.Written()), 1)
    delta = codec.diff(session, written)
    assert not delta.changed  # nothing moved
    s.next()
    delta = codec.diff(session, written)
    assert delta.head_changed and not delta.checkpoints_put and not delta.chunks_put
    written = codec.committed(delta, 2)
    s.train(15)  # an iteration completes: history rows; iteration 10: a checkpoint
    delta = codec.diff(session, written)
    assert list(delta.checkpoints_put) == [10] and list(delta.chunks_put) == [0]
    written = codec.committed(delta, 3)
    s.goto(3)  # only the position moves: history and checkpoints stay
    delta = codec.diff(session, written)
    assert delta.head_changed and not delta.checkpoints_put and not delta.chunks_put
    written = codec.committed(delta, 4)
    s.set_learning_rate(2.0)  # drops history after iteration 3 and checkpoint 10
    delta = codec.diff(session, written)
    assert delta.checkpoints_deleted == [10] and list(delta.chunks_put) == [0]
    assert delta.chunks_total == 1
    written = codec.committed(delta, 5)
    s.reset()
    delta = codec.diff(session, written)
    assert delta.chunks_total == 0 and delta.chunks_before == 1 and delta.changed


def test_stored_bytes_are_json_and_float64_only():
    session = new_session("softmax")
    session.stepper.train(25)
    delta = codec.diff(session, codec.Written())
    import orjson

    head = orjson.loads(delta.head)
    assert head["t"] == 24 and head["c"] == session.stepper.steps_per_iteration
    assert head["completed"] == 25
    for blob in [*delta.checkpoints_put.values(), *delta.chunks_put.values()]:
        assert len(blob) % 8 == 0
    snap = codec.snapshot(session)
    assert b"pickle" not in snap.arrays and snap.arrays.startswith(b"\x93NUMPY")
    with pytest.raises(codec.CorruptState):
        codec.decode_params(b"\0" * 8, session.stepper.checkpoints[0])


# -- stores ---------------------------------------------------------------------------------------
class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def sqlite_store(path, clock, **kw) -> SQLiteStore:
    kw.setdefault("touch_interval", 0)
    return SQLiteStore(path, capacity=kw.pop("capacity", 100), ttl=kw.pop("ttl", 3600),
                       clock=clock, **kw)


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path, clock):
    if request.param == "memory":
        yield MemoryStore(capacity=3, ttl=3600, clock=clock)
    else:
        s = sqlite_store(tmp_path, clock, capacity=3)
        yield s
        s.close()


def step(store, sid: str, action: str = "next", **args) -> None:
    with store.checkout(sid) as session:
        assert session is not None
        getattr(session.stepper, action)(**args)


def test_store_round_trip_eviction_expiry_and_snapshots(store, clock):
    a = store.create(config("xor"), ViewSettings(rows=True))
    assert len(a.id) == 22 and store.get(a.id) is not None
    for _ in range(5):
        step(store, a.id)
    snap = None
    with store.checkout(a.id) as held:
        snap = store.share(held)
        expected = held.stepper
    assert len(snap) == 11 and a.id not in snap
    step(store, a.id, "train", iterations=4)  # the snapshot does not follow
    opened = store.open_snapshot(snap)
    assert opened is not None and opened.id not in (a.id, snap)
    with store.checkout(opened.id) as held:
        assert (held.stepper.t, held.stepper.c) == (0, 5)
        assert held.view == ViewSettings(rows=True)
        held.stepper.train(2)
    again = store.open_snapshot(snap)
    with store.checkout(again.id) as held:
        assert (held.stepper.t, held.stepper.c) == (0, 5)  # opening twice: two own copies
    with store.checkout(a.id) as held:
        assert held.stepper.completed == 4 and expected is held.stepper
    # Unknown, guessed or malformed ids.
    for bad in ("", "x", "a" * 22, new_session_id(), "../../etc/passwd", "a' OR 1=1 --"):
        with store.checkout(bad) as nothing:
            assert nothing is None
        assert store.get(bad) is None and not store.delete(bad)
    for bad in ("", "a" * 11, "nope", "a' OR 1=1 --"):
        assert store.open_snapshot(bad) is None
    # Capacity 3: creating more evicts the least recently used.
    clock.now += 10
    step(store, opened.id)
    clock.now += 10
    step(store, a.id)
    clock.now += 10
    b = store.create(config("xor"))  # a, opened, again, b: `again` is the oldest idle
    assert store.get(again.id) is None
    assert {s is not None for s in (store.get(a.id), store.get(opened.id), store.get(b.id))} \
        == {True}
    # Idle beyond the TTL: gone.
    clock.now += 3000
    step(store, b.id)
    clock.now += 1000
    assert store.get(a.id) is None and store.get(b.id) is not None
    with store.checkout(a.id) as gone:
        assert gone is None
    assert store.delete(b.id) and store.get(b.id) is None
    assert store.open_snapshot(snap) is not None  # snapshots do not expire with sessions


def test_sqlite_sessions_and_snapshots_survive_reopening(tmp_path, clock):
    first = sqlite_store(tmp_path, clock)
    session = first.create(config("circles-minibatch-test"))
    for action, args in [("train", {"iterations": 23}), ("next", {}), ("next", {}),
                         ("goto", {"updates": 11}), ("next", {})]:
        step(first, session.id, action, **args)
    with first.checkout(session.id) as held:
        snap = first.share(held)
        reference = held.stepper
    first.close()
    second = sqlite_store(tmp_path, clock)
    with second.checkout(session.id) as held:
        assert held is not None and held.stepper is not reference
        assert_same(reference, held.stepper)
    opened = second.open_snapshot(snap)
    assert_same(reference, opened.stepper)
    second.close()


def test_two_store_instances_see_each_others_changes(tmp_path, clock):
    """Two instances on one file stand for two workers: each reuses its cached session only
    while the stored version is the one it knows."""
    a, b = sqlite_store(tmp_path, clock), sqlite_store(tmp_path, clock)
    reference = new_session("xor").stepper
    session = a.create(config("xor"))
    moves = ["next", "next", "iterate", "prev", "next", "iterate", "forward", "backward",
             "update", "next"]
    for i, name in enumerate(moves * 3):
        store = (a, b)[i % 2]
        with store.checkout(session.id) as held:
            getattr(held.stepper, name)()
            getattr(reference, name)()
            assert_same(reference, held.stepper)
    with a.checkout(session.id) as first, b.checkout(session.id):
        pass
    assert a.cached_version(session.id) == b.cached_version(session.id) == 1 + len(moves) * 3
    # A read-only checkout writes nothing and keeps the cached object.
    with a.checkout(session.id) as again:
        assert again is first
    assert a.cached_version(session.id) == 1 + len(moves) * 3
    a.close()
    b.close()


def test_a_failed_request_drops_the_cached_session(tmp_path, clock):
    store = sqlite_store(tmp_path, clock)
    session = store.create(config("xor"))
    step(store, session.id)
    with pytest.raises(RuntimeError), store.checkout(session.id) as held:
        held.stepper.next()  # changed in memory, then the request fails: not stored
        raise RuntimeError("boom")
    with store.checkout(session.id) as held:
        assert held is not session and held.stepper.c == 1
    store.close()


def test_sqlite_holds_no_pickle_and_only_expected_tables(tmp_path, clock):
    store = sqlite_store(tmp_path, clock)
    session = store.create(config("softmax"))
    step(store, session.id, "train", iterations=30)
    with store.checkout(session.id) as held:
        store.share(held)
    con = sqlite3.connect(store.path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"meta", "sessions", "checkpoints", "history", "snapshots", "blobs"}
    (head,) = con.execute("SELECT head FROM sessions").fetchone()
    assert bytes(head).startswith(b"{")
    blobs = sorted(bytes(b)[:6] for (b,) in con.execute("SELECT data FROM blobs"))
    assert blobs == [b'{"laye', b"\x93NUMPY"]  # the config's JSON; np.save without pickle
    con.close()
    store.close()


def _hammer(path: str, sid: str, count: int) -> None:
    store = SQLiteStore(path, capacity=100, ttl=3600, touch_interval=0)
    for _ in range(count):
        with store.checkout(sid) as held:
            held.stepper.next()
    store.close()


def test_the_lock_holds_across_processes(tmp_path):
    """Two processes step one session concurrently: no move is lost or interleaved."""
    store = SQLiteStore(tmp_path, capacity=100, ttl=3600)
    session = store.create(config("xor"))
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_hammer, args=(str(tmp_path), session.id, 60)) for _ in range(2)]
    for p in procs:
        p.start()
    _hammer(str(tmp_path), session.id, 60)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    reference = new_session("xor").stepper
    for _ in range(180):
        reference.next()
    with store.checkout(session.id) as held:
        assert_same(reference, held.stepper)
    assert store.cached_version(session.id) == 1 + 180
    store.close()


def test_history_chunks_stay_right_across_reloads_and_truncations(tmp_path, clock):
    """More than one chunk of history, cut back across a chunk boundary and grown again, by two
    instances in turn (each reloading what the other wrote), then read by a third."""
    a, b = sqlite_store(tmp_path, clock), sqlite_store(tmp_path, clock)
    reference = new_session("xor").stepper
    session = a.create(config("xor"))
    plan = [("train", {"iterations": 600}), ("goto", {"updates": 200}),
            ("set_learning_rate", {"lr": 0.9}), ("train", {"iterations": 70}),
            ("goto", {"updates": 260}), ("set_learning_rate", {"lr": 0.2}), ("next", {}),
            ("train", {"iterations": 300}), ("reset", {}), ("train", {"iterations": 5})]
    for i, (name, args) in enumerate(plan):
        store = (a, b)[i % 2]
        with store.checkout(session.id) as held:
            getattr(held.stepper, name)(**args)
            getattr(reference, name)(**args)
            assert_same(reference, held.stepper)
        third = sqlite_store(tmp_path, clock)
        with third.checkout(session.id) as fresh:
            assert_same(reference, fresh.stepper)
        third.close()
    a.close()
    b.close()


def test_checkout_without_waiting_says_would_block_and_changes_nothing(store):
    """What lets a step run on the event loop: a held session is reported at once, and the
    holder's work and the session are untouched; once free, the same call goes through."""
    from app.store import WouldBlock

    session = store.create(config("xor"))
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def holder():
        with store.checkout(session.id) as s:
            s.stepper.next()
            held.set()
            release.wait(5)
        done.set()

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(5)
    with pytest.raises(WouldBlock), store.checkout(session.id, wait=False):
        pytest.fail("the block must not run while another request holds the session")
    release.set()
    assert done.wait(5)
    thread.join()
    with store.checkout(session.id, wait=False) as s:
        assert (s.stepper.t, s.stepper.c) == (0, 1)  # the holder's step, nothing else
        s.stepper.next()
    with store.checkout(session.id) as s:
        assert s.stepper.c == 2


def test_a_position_stored_under_another_plan_restores_at_the_start_of_its_iteration():
    """A session stored by an earlier version whose plan had other steps (per-example mode's
    one "rest" step became one step per layer): the count of steps done would land on another
    step, so the restore stands at the start of the same iteration instead."""
    session = new_session("circles-minibatch-test")
    session.stepper.train(3)
    for _ in range(5):
        session.stepper.next()
    step_done = session.stepper.plan[4].id
    delta = codec.diff(session, codec.Written())
    head = orjson.loads(delta.head)
    assert (head["t"], head["c"], head["step"]) == (3, 5, step_done)
    chunks = [delta.chunks_put[j] for j in range(delta.chunks_total)]
    config = codec.parse_config(codec.config_json(session.config))

    def restored(h: dict) -> Session:
        return codec.restore(session.id, config, orjson.dumps(h), delta.checkpoints_put, chunks)

    assert_same(session.stepper, restored(head).stepper)  # the same plan: exactly where it was
    moved = restored({**head, "step": "rest"}).stepper
    assert (moved.t, moved.c) == (3, 0) and moved.completed == 3
    session.stepper.goto(3)
    session.stepper.next()
    session.stepper.prev()
    assert_same(session.stepper, moved)
    older = restored({k: v for k, v in head.items() if k != "step"}).stepper  # no name stored
    assert (older.t, older.c) == (3, 5)
