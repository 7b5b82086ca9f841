"""Store cost: bytes per stored session, and whether 10,000 idle sessions slow a step down.

    .venv/bin/python bench/bench_store.py [--sessions 10000] [--steps 2000]

In process, the SQLite store (the embedded default) in a fresh temporary directory:

1. Bytes per session: the file's growth (after a WAL checkpoint) divided by the number of
   sessions, for sessions as a visitor leaves them after a few steps (the default XOR 2-2-1,
   5 steps), after 100 iterations of training, and for a network on 200 examples of its own
   data (the config, data included, is stored once per session).
2. One step (checkout + `next` + the write) timed `--steps` times on a store holding one
   session, then again after `--sessions` idle sessions were stored beside it: p50 and p99.
3. The same for the in-memory store, as the floor of what a step costs without storage.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.schemas import SessionConfig  # noqa: E402
from app.store import MemoryStore  # noqa: E402
from app.store.sqlite import SQLiteStore  # noqa: E402


def file_bytes(store: SQLiteStore) -> int:
    con = sqlite3.connect(store.path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return sum(p.stat().st_size for p in store.path.parent.glob(store.path.name + "*")
               if not p.name.endswith(".lock"))


def per_session(kind: str, config: SessionConfig, count: int, prepare) -> float:
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    store = SQLiteStore(tmp, capacity=10 * count, ttl=3600)
    before = file_bytes(store)
    for _ in range(count):
        session = store.create(config)
        with store.checkout(session.id) as held:
            prepare(held.stepper)
    grown = file_bytes(store) - before
    store.close()
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"| {kind} | {count:,} | {grown / count:,.0f} B |")
    return grown / count


def time_steps(store, session_id: str, steps: int) -> tuple[float, float]:
    samples = []
    for _ in range(steps):
        start = time.perf_counter()
        with store.checkout(session_id) as held:
            held.stepper.next()
        samples.append(time.perf_counter() - start)
    us = np.sort(np.array(samples)) * 1e6
    return float(us[len(us) // 2]), float(us[int(len(us) * 0.99)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args()

    print("Bytes per stored session (SQLite file growth / sessions):\n")
    print("| sessions | count | bytes each |")
    print("|---|---:|---:|")
    xor = SessionConfig()
    per_session("2-2-1 XOR, 5 steps", xor, 2000, lambda s: [s.next() for _ in range(5)])
    per_session("2-2-1 XOR, 100 iterations", xor, 500, lambda s: s.train(100))
    rng = np.random.default_rng(0)
    own = SessionConfig(layers=[2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"],
                        data={"X": rng.normal(size=(200, 2)).round(6).tolist(),
                              "Y": rng.integers(0, 2, size=(200, 1)).tolist()})
    per_session("2-8-8-1, its own 200 examples, 5 steps", own, 200,
                lambda s: [s.next() for _ in range(5)])

    print(f"\nOne step (checkout + next + write), {args.steps} times:\n")
    print("| store | sessions stored | p50 | p99 |")
    print("|---|---:|---:|---:|")
    memory = MemoryStore(args.sessions + 10)
    sid = memory.create(xor).id
    p50, p99 = time_steps(memory, sid, args.steps)
    print(f"| memory | 1 | {p50:.0f} µs | {p99:.0f} µs |")
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    store = SQLiteStore(tmp, capacity=args.sessions + 10, ttl=3600)
    sid = store.create(xor).id
    p50, p99 = time_steps(store, sid, args.steps)
    print(f"| SQLite | 1 | {p50:.0f} µs | {p99:.0f} µs |")
    start = time.perf_counter()
    for _ in range(args.sessions):
        session = store.create(xor)
        with store.checkout(session.id) as held:
            held.stepper.next()
    filled = time.perf_counter() - start
    store._cache.clear()  # the idle ones are not in memory: only the stepped one comes back
    sid_other = store.create(xor).id
    p50, p99 = time_steps(store, sid_other, args.steps)
    print(f"| SQLite | {len(store):,} | {p50:.0f} µs | {p99:.0f} µs |")
    size = file_bytes(store)
    print(f"\n{args.sessions:,} sessions stored in {filled:.1f} s "
          f"({filled / args.sessions * 1e3:.2f} ms per create + first step); "
          f"file {size / 1e6:.1f} MB")
    store.close()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
