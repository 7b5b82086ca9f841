"""Sessions and snapshots in one SQLite file in the data directory: the embedded default.

Several worker processes on one host share the file. A checkout holds an exclusive lock on one
byte of `sessions.lock` (fcntl, chosen by a hash of the session id) for its whole duration, so
two requests on the same session never interleave, whichever processes serve them, while
different sessions proceed in parallel; the kernel drops the lock if a process dies. Writes are
short `BEGIN IMMEDIATE` transactions (WAL journal, so reads never wait for them), and each one
checks the version it expects (compare-and-set) as a second line of defence.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from . import codec
from .base import PersistentStore, StoreBusy, Stored, WouldBlock

SCHEMA_VERSION = 2  # 2: snapshots name their config and arrays in `blobs` (stored once)
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    config TEXT NOT NULL,          -- SessionConfig JSON, written once
    head BLOB NOT NULL,            -- position, schedule, view: JSON, rewritten on change
    version INTEGER NOT NULL,
    created REAL NOT NULL,
    last_used REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_last_used ON sessions (last_used);
CREATE TABLE IF NOT EXISTS checkpoints (
    sid TEXT NOT NULL,
    iteration INTEGER NOT NULL,
    params BLOB NOT NULL,          -- float64 little-endian: W1, b1, W2, b2, …
    PRIMARY KEY (sid, iteration)
);
CREATE TABLE IF NOT EXISTS history (
    sid TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    rows BLOB NOT NULL,            -- up to 256 float64 rows: loss, then the metrics
    PRIMARY KEY (sid, chunk)
);
CREATE TABLE IF NOT EXISTS snapshots (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    config TEXT NOT NULL,          -- 'blob:' + digest (schema 1: the JSON itself)
    head BLOB NOT NULL,
    arrays BLOB NOT NULL           -- b'blob:' + digest (schema 1: np.save × 3 itself)
);
CREATE TABLE IF NOT EXISTS blobs (
    digest TEXT PRIMARY KEY,       -- sha256 of data
    data BLOB NOT NULL
);
"""
# Schema 1 → 2: snapshots say which session (a hash of its id) and which content they hold.
MIGRATE_2 = """
ALTER TABLE snapshots ADD COLUMN source TEXT;
ALTER TABLE snapshots ADD COLUMN digest TEXT;
CREATE INDEX IF NOT EXISTS snapshots_by_source ON snapshots (source, digest);
"""
LOCK_SLOTS = 1 << 30


_NO_LOCK = contextlib.nullcontext()


class _Gone(Exception):
    """The row to update is not there (deleted, expired or evicted meanwhile)."""


class SQLiteStore(PersistentStore):
    kind = "sqlite"
    inline = True  # a local file: a step's read and write take ~0.1 ms

    def __init__(self, data_dir: Path, capacity: int, ttl: float, cache_size: int = 256,
                 touch_interval: float = 15.0, lock_timeout: float = 10.0,
                 clock: Callable[[], float] = time.time, filename: str = "sessions.sqlite3",
                 **limits):
        super().__init__(capacity, ttl, cache_size, touch_interval, clock,
                         lock_timeout=lock_timeout, **limits)
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / filename
        self._thread = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._lock_path = self.data_dir / (filename + ".lock")
        self._lock_fd = -1
        self._init_schema()

    # -- connections --------------------------------------------------------------------------
    def _con(self) -> sqlite3.Connection:
        con = getattr(self._thread, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=30.0, isolation_level=None,
                                  check_same_thread=False)
            con.execute("PRAGMA busy_timeout = 30000")
            con.execute("PRAGMA synchronous = NORMAL")
            self._thread.con = con
            with self._connections_lock:
                self._connections.append(con)
        return con

    @contextmanager
    def _tx(self, con: sqlite3.Connection, mode: str = "IMMEDIATE") -> Iterator[None]:
        # Writers of this process take turns here: SQLite's own wait for the write lock polls
        # with sleeps of up to 100 ms, which only other processes should ever meet.
        with self._write_lock if mode == "IMMEDIATE" else _NO_LOCK:
            con.execute(f"BEGIN {mode}")
            try:
                yield
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def _init_schema(self) -> None:
        con = self._con()
        for attempt in range(50):  # several workers may start at once
            try:
                con.execute("PRAGMA journal_mode = WAL")
                with self._tx(con):
                    for statement in SCHEMA.split(";"):
                        if statement.strip():
                            con.execute(statement)
                    row = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
                    if row is None or int(row[0]) == 1:
                        for statement in MIGRATE_2.split(";"):
                            if statement.strip():
                                con.execute(statement)
                        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)",
                                    (str(SCHEMA_VERSION),))
                    elif int(row[0]) != SCHEMA_VERSION:
                        raise RuntimeError(f"{self.path}: schema {row[0]}, this code knows "
                                           f"{SCHEMA_VERSION}")
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or attempt == 49:
                    raise
                time.sleep(0.05)

    def _lock_file(self) -> int:
        # Kept open until close(): closing any descriptor of a file drops every fcntl lock
        # this process holds on it. Reopened if the store is used again after close().
        if self._lock_fd < 0:
            with self._connections_lock:
                if self._lock_fd < 0:
                    self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._lock_fd

    def close(self) -> None:
        """Close connections and the lock file (at shutdown); a later use opens them again."""
        with self._connections_lock:
            for con in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    con.close()
            self._connections.clear()
        self._thread = threading.local()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1

    # -- the cross-process lock -----------------------------------------------------------------
    @staticmethod
    def _slot(session_id: str) -> int:
        digest = hashlib.blake2b(session_id.encode(), digest_size=8).digest()
        return int.from_bytes(digest, "little") % LOCK_SLOTS

    def _local_key(self, session_id: str) -> str:
        # Threads of one process share its fcntl locks: serialise them per byte, not per id,
        # so two ids on the same byte cannot release each other's lock.
        return str(self._slot(session_id))

    @contextmanager
    def _lock(self, session_id: str, wait: bool = True) -> Iterator[None]:
        slot, fd = self._slot(session_id), self._lock_file()
        deadline = time.monotonic() + self.lock_timeout
        pause = 0.0005
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, slot, os.SEEK_SET)
                break
            except OSError as err:
                if err.errno not in (errno.EACCES, errno.EAGAIN, errno.EDEADLK):
                    raise
            if not wait:
                raise WouldBlock(session_id)
            if time.monotonic() > deadline:
                raise StoreBusy(f"session {session_id[:4]}… stayed locked for "
                                f"{self.lock_timeout:g} s")
            time.sleep(pause)
            pause = min(pause * 2, 0.01)
        try:
            yield
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, slot, os.SEEK_SET)

    # -- primitives ---------------------------------------------------------------------------
    def _head(self, session_id: str) -> tuple[int, float] | None:
        row = self._con().execute("SELECT version, last_used FROM sessions WHERE id = ?",
                                  (session_id,)).fetchone()
        return None if row is None else (row[0], row[1])

    def _load(self, session_id: str, with_config: bool) -> Stored | None:
        con = self._con()
        with self._tx(con, "DEFERRED"):
            row = con.execute(f"SELECT head, version{', config' if with_config else ''} "
                              "FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None:
                return None
            checkpoints = dict(con.execute(
                "SELECT iteration, params FROM checkpoints WHERE sid = ?", (session_id,)))
            chunks = con.execute("SELECT chunk, rows FROM history WHERE sid = ? ORDER BY chunk",
                                 (session_id,)).fetchall()
        if [c for c, _ in chunks] != list(range(len(chunks))):
            raise codec.CorruptState("history chunks of a session are not contiguous")
        return Stored(row[2] if with_config else None, bytes(row[0]), row[1], checkpoints,
                      [bytes(r) for _, r in chunks])

    def _write(self, session_id: str, delta: codec.Delta, version: int, now: float,
               config: str | None = None) -> bool:
        try:
            self._write_tx(session_id, delta, version, now, config)
        except _Gone:
            return False
        return True

    def _write_tx(self, session_id: str, delta: codec.Delta, version: int, now: float,
                  config: str | None) -> None:
        con = self._con()
        with self._tx(con):
            if config is not None:
                con.execute("INSERT INTO sessions (id, config, head, version, created, "
                            "last_used) VALUES (?, ?, ?, ?, ?, ?)",
                            (session_id, config, delta.head, version, now, now))
            else:
                cur = con.execute("UPDATE sessions SET head = ?, version = ?, last_used = ? "
                                  "WHERE id = ? AND version = ?",
                                  (delta.head, version, now, session_id, version - 1))
                if cur.rowcount != 1:
                    raise _Gone
            if delta.checkpoints_deleted:
                con.executemany("DELETE FROM checkpoints WHERE sid = ? AND iteration = ?",
                                [(session_id, k) for k in delta.checkpoints_deleted])
            if delta.checkpoints_put:
                con.executemany("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?)",
                                [(session_id, k, b) for k, b in delta.checkpoints_put.items()])
            if delta.chunks_total < delta.chunks_before:
                con.execute("DELETE FROM history WHERE sid = ? AND chunk >= ?",
                            (session_id, delta.chunks_total))
            if delta.chunks_put:
                con.executemany("INSERT OR REPLACE INTO history VALUES (?, ?, ?)",
                                [(session_id, j, b) for j, b in delta.chunks_put.items()])

    def _touch(self, session_id: str, now: float) -> None:
        self._con().execute("UPDATE sessions SET last_used = ? WHERE id = ?", (now, session_id))

    def _remove(self, session_ids: list[str]) -> int:
        if not session_ids:
            return 0
        con = self._con()
        removed = 0
        with self._tx(con):
            for i in range(0, len(session_ids), 500):
                ids = session_ids[i:i + 500]
                marks = ",".join("?" * len(ids))
                removed += con.execute(f"DELETE FROM sessions WHERE id IN ({marks})",
                                       ids).rowcount
                con.execute(f"DELETE FROM checkpoints WHERE sid IN ({marks})", ids)
                con.execute(f"DELETE FROM history WHERE sid IN ({marks})", ids)
        for session_id in session_ids:
            self._forget(session_id)
        return removed

    def _evict(self, now: float) -> None:
        con = self._con()
        expired = [r[0] for r in con.execute(
            "SELECT id FROM sessions WHERE last_used < ? ORDER BY last_used LIMIT 1000",
            (now - self.ttl,))]
        self._remove(expired)
        (count,) = con.execute("SELECT COUNT(*) FROM sessions").fetchone()
        if count > self.capacity:
            oldest = [r[0] for r in con.execute(
                "SELECT id FROM sessions WHERE last_used < ? ORDER BY last_used LIMIT ?",
                (now - self.evict_grace, count - self.capacity))]
            self._remove(oldest)

    def ping(self) -> None:
        self._con().execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()

    def _put_snapshot(self, snapshot_id: str, snap: codec.Snapshot, now: float, source: str,
                      digest: str) -> None:
        config, arrays = snap.config.encode(), snap.arrays
        config_digest, arrays_digest = codec.blob_digest(config), codec.blob_digest(arrays)
        con = self._con()
        with self._tx(con):
            con.executemany("INSERT OR IGNORE INTO blobs VALUES (?, ?)",
                            [(config_digest, config), (arrays_digest, arrays)])
            con.execute("INSERT INTO snapshots (id, created, config, head, arrays, source, "
                        "digest) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (snapshot_id, now, codec.BLOB_REF + config_digest, snap.head,
                         (codec.BLOB_REF + arrays_digest).encode(), source, digest))

    def _find_snapshot(self, source: str, digest: str) -> str | None:
        row = self._con().execute("SELECT id FROM snapshots WHERE source = ? AND digest = ? "
                                  "LIMIT 1", (source, digest)).fetchone()
        return None if row is None else row[0]

    def _count_snapshots(self, source: str | None) -> int:
        if source is None:
            return self.snapshot_count()
        return self._con().execute("SELECT COUNT(*) FROM snapshots WHERE source = ?",
                                   (source,)).fetchone()[0]

    def _blob(self, ref: bytes) -> bytes:
        digest = ref[len(codec.BLOB_REF):].decode("ascii")
        row = self._con().execute("SELECT data FROM blobs WHERE digest = ?",
                                  (digest,)).fetchone()
        if row is None:
            raise codec.CorruptState(f"a snapshot's blob {digest[:12]}… is missing")
        return bytes(row[0])

    def _get_snapshot(self, snapshot_id: str) -> codec.Snapshot | None:
        row = self._con().execute("SELECT config, head, arrays FROM snapshots WHERE id = ?",
                                  (snapshot_id,)).fetchone()
        if row is None:
            return None
        config, head, arrays = row[0], bytes(row[1]), bytes(row[2])
        ref = codec.BLOB_REF.encode()
        if config.startswith(codec.BLOB_REF):
            config = self._blob(config.encode()).decode()
        if arrays.startswith(ref):
            arrays = self._blob(arrays)
        return codec.Snapshot(config, head, arrays)

    def snapshot_count(self) -> int:
        return self._con().execute("SELECT COUNT(*) FROM snapshots").fetchone()[0]

    def __len__(self) -> int:
        return self._con().execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
