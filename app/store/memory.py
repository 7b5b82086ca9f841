"""Sessions in this process's memory: nothing survives a restart, workers do not share them.
For tests and tools (settings store="memory"); snapshots are stored as immutable bytes all the
same, so a shared link never follows later changes."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..limits import computation
from ..schemas import SessionConfig
from ..sessions import Session, ViewSettings, build_stepper
from . import codec
from .base import (
    SESSION_ID,
    SNAPSHOT_ID,
    Store,
    WouldBlock,
    check_snapshot_caps,
    new_session_id,
    new_snapshot_id,
)


@dataclass
class _Entry:
    """A session as this store holds it: with the lock a request holds it by, and its last use."""

    session: Session
    last_used: float
    lock: threading.Lock = field(default_factory=threading.Lock)


class MemoryStore(Store):
    """In-memory sessions, least recently used evicted beyond `capacity`, idle ones after
    `ttl` seconds."""

    kind = "memory"
    inline = True

    def __init__(self, capacity: int, ttl: float = 7 * 24 * 3600,
                 clock: Callable[[], float] = time.monotonic,
                 snapshot_limits: tuple[int, int] = (50, 100_000)):
        super().__init__(capacity, ttl, clock)
        self._sessions: OrderedDict[str, _Entry] = OrderedDict()
        self._snapshots: dict[str, codec.Snapshot] = {}
        self._by_source: dict[str, dict[str, str]] = {}  # source -> digest -> snapshot id
        self.snapshots_per_session, self.max_snapshots = snapshot_limits
        self._lock = threading.Lock()

    def create(self, config: SessionConfig, view: ViewSettings | None = None) -> Session:
        with computation():  # charged to the client's CPU budget; refused when it is spent
            stepper, dataset = build_stepper(config)
        session = Session(new_session_id(), config, stepper, dataset, view or ViewSettings())
        return self._add(session)

    def _add(self, session: Session) -> Session:
        now = self.clock()
        with self._lock:
            self._sessions[session.id] = _Entry(session, now)
            while self._sessions:
                oldest = next(iter(self._sessions.values()))
                if oldest.last_used + self.ttl >= now and (
                        len(self._sessions) <= self.capacity
                        or oldest.last_used > now - self.evict_grace):
                    break
                self._sessions.popitem(last=False)
        return session

    @contextmanager
    def checkout(self, session_id: str, wait: bool = True) -> Iterator[Session | None]:
        entry = self._entry(session_id)
        if entry is None:
            yield None
            return
        if not entry.lock.acquire(blocking=wait):
            raise WouldBlock(session_id)
        try:
            yield entry.session
        finally:
            entry.lock.release()

    def get(self, session_id: str) -> Session | None:
        entry = self._entry(session_id)
        return None if entry is None else entry.session

    def _entry(self, session_id: str) -> _Entry | None:
        """The session's entry, its use noted now (None: no such id, or idle past the TTL)."""
        with self._lock:
            entry = self._sessions.get(session_id)
            if entry is None:
                return None
            now = self.clock()
            if entry.last_used + self.ttl < now:
                del self._sessions[session_id]
                return None
            self._sessions.move_to_end(session_id)
            entry.last_used = now
            return entry

    def delete(self, session_id: str) -> bool:
        with self._lock:
            return self._sessions.pop(session_id, None) is not None

    def share(self, session: Session) -> str:
        snap = codec.snapshot(session)
        source, digest = codec.source_key(session.id), snap.digest()
        with self._lock:
            made = self._by_source.setdefault(source, {})
            if digest in made:
                return made[digest]
            check_snapshot_caps(len(made), self.snapshots_per_session, len(self._snapshots),
                                self.max_snapshots)
            snapshot_id = made[digest] = new_snapshot_id()
            self._snapshots[snapshot_id] = snap
        return snapshot_id

    def open_snapshot(self, snapshot_id: str) -> Session | None:
        if not SNAPSHOT_ID.fullmatch(snapshot_id):
            return None
        with self._lock:
            snap = self._snapshots.get(snapshot_id)
        if snap is None:
            return None
        return self._add(codec.from_snapshot(new_session_id(), snap))

    def __len__(self) -> int:
        return len(self._sessions)


__all__ = ["SESSION_ID", "MemoryStore"]
