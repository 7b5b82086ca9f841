"""What every session store offers, and the part the persistent ones share.

A store creates sessions, hands one out exclusively for a request (`checkout`), deletes them,
and turns a session into an immutable snapshot (`share`) that any number of new sessions can be
opened from (`open_snapshot`).

The persistent stores (SQLite, Redis) keep each process's live `Session` objects in a bounded
cache, keyed by id, with the version number the store held when the object was last read or
written. A checkout takes a lock that spans processes for the whole block, reads the stored
version (a few bytes), reuses the cached object when nobody else changed the session, and at the
end writes only what changed: the small head, new checkpoints and new history chunks.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from ..limits import computation
from ..messages import Refusal
from ..schemas import SessionConfig
from ..sessions import Session, ViewSettings, build_stepper, session_bytes
from . import codec

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16): 128 random bits
SNAPSHOT_ID = re.compile(r"[A-Za-z0-9_-]{11}")  # secrets.token_urlsafe(8): 64 random bits


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def new_snapshot_id() -> str:
    return secrets.token_urlsafe(8)


class StoreBusy(RuntimeError):
    """A session stayed locked by another request for longer than the store waits."""


class StoreUnavailable(RuntimeError):
    """The store cannot be reached (Redis down or stalled, the SQLite file unusable)."""


class WouldBlock(RuntimeError):
    """checkout(wait=False): another request holds the session right now; nothing was done."""


class Store(ABC):
    """Sessions by id, each read or changed by one request at a time."""

    kind = "abstract"
    # Whether a request may use the store on the event loop itself (checkout with wait=False):
    # true when its reads and writes are local and take microseconds (memory, SQLite).
    inline = False
    # Seconds a session just created or used is safe from eviction for capacity: the request
    # that made it reads it back next (a cap smaller than the creations in flight must not
    # lose it in between). The store may hold that many seconds' creations over the cap.
    evict_grace = 5.0

    def __init__(self, capacity: int, ttl: float, clock: Callable[[], float] = time.time):
        self.capacity, self.ttl, self.clock = capacity, ttl, clock

    @abstractmethod
    def create(self, config: SessionConfig, view: ViewSettings | None = None) -> Session:
        """A new session (ConfigError if the config cannot be built)."""

    @abstractmethod
    def checkout(self, session_id: str, wait: bool = True
                 ) -> AbstractContextManager[Session | None]:
        """The session, held exclusively until the block ends (None: no such id, or expired).
        Every read or change of a session goes through here; changes are stored at the end.
        With wait=False, raises WouldBlock at once if another request holds it."""

    @abstractmethod
    def get(self, session_id: str) -> Session | None:
        """The session without holding it (tests and tools): use checkout() to read or change."""

    @abstractmethod
    def delete(self, session_id: str) -> bool: ...

    @abstractmethod
    def share(self, session: Session) -> str:
        """An immutable snapshot of a checked-out session; returns its id."""

    @abstractmethod
    def open_snapshot(self, snapshot_id: str) -> Session | None:
        """A new session standing exactly where the snapshot stood (None: no such snapshot)."""

    @abstractmethod
    def __len__(self) -> int: ...

    def close(self) -> None:  # noqa: B027 - optional
        pass

    def ping(self) -> None:  # noqa: B027 - nothing to reach in memory
        """Raise if the store cannot be reached (/healthz)."""


def check_snapshot_caps(of_session: int, per_session: int, total: int, max_total: int) -> None:
    if of_session >= per_session:
        raise Refusal("snapshot_limit_session", status=409, limit=per_session)
    if total >= max_total:
        raise Refusal("snapshot_limit_total", status=507, limit=max_total)


class LocalLocks:
    """One lock per key within this process, created on demand, dropped when nobody holds it.
    A wait is bounded by `timeout` (then StoreBusy)."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, key: str, wait: bool = True) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(key, (None, 0))
            if lock is None:
                lock = threading.Lock()
            self._locks[key] = (lock, users + 1)
        try:
            if not wait:
                if not lock.acquire(blocking=False):
                    raise WouldBlock(key)
            elif not lock.acquire(timeout=self.timeout):
                raise StoreBusy(f"session stayed locked for {self.timeout:g} s")
            try:
                yield
            finally:
                lock.release()
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)


@dataclass
class Kept:
    """This process's copy of a session: the object, the store's record of what it holds for it
    (codec.Written: what the next checkout compares against) and its size when last cached."""

    session: Session
    written: codec.Written
    nbytes: int = 0


@dataclass
class Stored:
    """A session's stored parts, as a backend returns them."""

    config: str | bytes | None  # None when the caller said it has the config already
    head: bytes
    version: int
    checkpoints: dict[int, bytes]
    chunks: list[bytes]


class PersistentStore(Store):
    """Checkout, caching and change tracking over a backend's primitives (the methods with a
    leading underscore below): SQLite and Redis implement those."""

    def __init__(self, capacity: int, ttl: float, cache_size: int = 256,
                 touch_interval: float = 15.0, clock: Callable[[], float] = time.time,
                 cache_bytes: int = 256 * 1024 * 1024, lock_timeout: float = 10.0,
                 snapshot_limits: tuple[int, int] = (50, 100_000)):
        super().__init__(capacity, ttl, clock)
        self.cache_size, self.touch_interval = cache_size, touch_interval
        self.cache_bytes, self.lock_timeout = cache_bytes, lock_timeout
        self.snapshots_per_session, self.max_snapshots = snapshot_limits
        self._cache: OrderedDict[str, Kept] = OrderedDict()
        self._cached_bytes = 0
        self._cache_lock = threading.Lock()
        self._local = LocalLocks(lock_timeout)

    # -- backend primitives ---------------------------------------------------------------------
    @abstractmethod
    def _lock(self, session_id: str, wait: bool = True) -> AbstractContextManager[None]:
        """Exclusive across every process using the store, for the whole block (wait=False:
        WouldBlock unless it is free at once)."""

    @abstractmethod
    def _head(self, session_id: str) -> tuple[int, float] | None:
        """(version, last_used) or None."""

    @abstractmethod
    def _load(self, session_id: str, with_config: bool) -> Stored | None: ...

    @abstractmethod
    def _write(self, session_id: str, delta: codec.Delta, version: int, now: float,
               config: str | None = None) -> bool:
        """Store a delta as `version` (the previous one is version - 1; config given: a new
        session). False if the session is gone."""

    @abstractmethod
    def _touch(self, session_id: str, now: float) -> None: ...

    @abstractmethod
    def _remove(self, session_ids: list[str]) -> int: ...

    @abstractmethod
    def _evict(self, now: float) -> None:
        """Delete sessions idle longer than the TTL, then the oldest idle beyond capacity."""

    @abstractmethod
    def _put_snapshot(self, snapshot_id: str, snap: codec.Snapshot, now: float, source: str,
                      digest: str) -> None:
        """Store a snapshot, its config and arrays as blobs named by their digest (once)."""

    @abstractmethod
    def _find_snapshot(self, source: str, digest: str) -> str | None:
        """The id of the snapshot with this content made from this session, if any."""

    @abstractmethod
    def _count_snapshots(self, source: str | None) -> int:
        """Snapshots made from this session (None: in all)."""

    @abstractmethod
    def _get_snapshot(self, snapshot_id: str) -> codec.Snapshot | None: ...

    def _local_key(self, session_id: str) -> str:
        """What threads of this process serialise on before taking the store's lock."""
        return session_id

    # -- the cache ------------------------------------------------------------------------------
    def _cached(self, session_id: str, version: int) -> Kept | None:
        with self._cache_lock:
            kept = self._cache.get(session_id)
            if kept is None:
                return None
            if kept.written.version != version:
                return kept  # stale, but its config is still good: see _load_session
            self._cache.move_to_end(session_id)
            return kept

    def _remember(self, kept: Kept) -> None:
        """Keep the session for the next request, within the cache's count and bytes (the
        least recently used go first; one larger than the whole cache is not kept)."""
        session = kept.session
        size = session_bytes(session, held=len(kept.written.rows))
        with self._cache_lock:
            old = self._cache.pop(session.id, None)
            if old is not None:
                self._cached_bytes -= old.nbytes
            kept.nbytes = size
            if size > self.cache_bytes:
                return
            self._cache[session.id] = kept
            self._cached_bytes += size
            while len(self._cache) > self.cache_size or self._cached_bytes > self.cache_bytes:
                _, dropped = self._cache.popitem(last=False)
                self._cached_bytes -= dropped.nbytes

    def _forget(self, session_id: str) -> None:
        with self._cache_lock:
            dropped = self._cache.pop(session_id, None)
            if dropped is not None:
                self._cached_bytes -= dropped.nbytes

    def cache_usage(self) -> tuple[int, int]:
        """(sessions, bytes) this process caches."""
        with self._cache_lock:
            return len(self._cache), self._cached_bytes

    def cached_version(self, session_id: str) -> int | None:
        """The stored version this process's copy of the session was read or written as (None:
        not cached here)."""
        with self._cache_lock:
            kept = self._cache.get(session_id)
            return None if kept is None else kept.written.version

    def _load_session(self, session_id: str, known: Session | None) -> Kept | None:
        stored = self._load(session_id, with_config=known is None)
        if stored is None:
            return None
        config = known.config if known is not None else codec.parse_config(stored.config or "")
        session = codec.restore(session_id, config, stored.head, stored.checkpoints,
                                stored.chunks)
        return Kept(session, codec.loaded(session, stored.version, stored.head,
                                          b"".join(stored.chunks)))

    # -- the interface --------------------------------------------------------------------------
    def create(self, config: SessionConfig, view: ViewSettings | None = None) -> Session:
        with computation():  # charged to the client's CPU budget; refused when it is spent
            stepper, dataset = build_stepper(config)
        session = Session(new_session_id(), config, stepper, dataset, view or ViewSettings())
        return self._insert(session, codec.config_json(config))

    def _insert(self, session: Session, config: str) -> Session:
        now = self.clock()
        delta = codec.diff(session, codec.Written())
        self._write(session.id, delta, 1, now, config=config)
        self._remember(Kept(session, codec.committed(delta, 1)))
        self._evict(now)
        return session

    @contextmanager
    def checkout(self, session_id: str, wait: bool = True) -> Iterator[Session | None]:
        if not SESSION_ID.fullmatch(session_id):
            yield None
            return
        with self._local.hold(self._local_key(session_id), wait), self._lock(session_id, wait):
            now = self.clock()
            head = self._head(session_id)
            if head is None or head[1] + self.ttl < now:
                if head is not None:
                    self._remove([session_id])
                self._forget(session_id)
                yield None
                return
            version, last_used = head
            kept = self._cached(session_id, version)
            if kept is None or kept.written.version != version:
                kept = self._load_broken_as_gone(session_id, kept)
                if kept is None:
                    self._forget(session_id)
                    yield None
                    return
            try:
                yield kept.session
            except BaseException:
                # Its in-memory state may be half-changed: the next request reads the store.
                self._forget(session_id)
                raise
            self._save(kept, now, last_used)

    def _load_broken_as_gone(self, session_id: str, stale: Kept | None) -> Kept | None:
        """The stored session; one whose parts do not fit together (a store that evicted some
        of its keys, say) is deleted and treated as expired: None."""
        try:
            return self._load_session(session_id, stale.session if stale else None)
        except (codec.CorruptState, ValueError, KeyError):
            self._remove([session_id])
            return None

    def _save(self, kept: Kept, now: float, last_used: float) -> None:
        session = kept.session
        try:
            delta = codec.diff(session, kept.written)
            if delta.changed:
                version = kept.written.version + 1
                if not self._write(session.id, delta, version, now):
                    self._forget(session.id)  # deleted or evicted meanwhile
                    return
                kept.written = codec.committed(delta, version)
            elif now - last_used >= self.touch_interval:
                self._touch(session.id, now)
        except BaseException:
            self._forget(session.id)
            raise
        self._remember(kept)

    def get(self, session_id: str) -> Session | None:
        if not SESSION_ID.fullmatch(session_id):
            return None
        head = self._head(session_id)
        if head is None or head[1] + self.ttl < self.clock():
            return None
        kept = self._cached(session_id, head[0])
        if kept is None or kept.written.version != head[0]:
            kept = self._load_broken_as_gone(session_id, kept)
            if kept is None:
                return None
            self._remember(kept)
        return kept.session

    def delete(self, session_id: str) -> bool:
        if not SESSION_ID.fullmatch(session_id):
            return False
        self._forget(session_id)
        return self._remove([session_id]) > 0

    def share(self, session: Session) -> str:
        """The session's snapshot id: the one it already has for this very state, or a new one
        within the caps (Refusal when one is reached). Config and arrays are stored once by
        their digest, however many snapshots hold them."""
        snap = codec.snapshot(session)
        source, digest = codec.source_key(session.id), snap.digest()
        existing = self._find_snapshot(source, digest)
        if existing is not None:
            return existing
        check_snapshot_caps(self._count_snapshots(source), self.snapshots_per_session,
                            self._count_snapshots(None), self.max_snapshots)
        snapshot_id = new_snapshot_id()
        self._put_snapshot(snapshot_id, snap, self.clock(), source, digest)
        return snapshot_id

    def open_snapshot(self, snapshot_id: str) -> Session | None:
        if not SNAPSHOT_ID.fullmatch(snapshot_id):
            return None
        snap = self._get_snapshot(snapshot_id)
        if snap is None:
            return None
        session = codec.from_snapshot(new_session_id(), snap)
        return self._insert(session, snap.config)
