"""Session stores: memory (tests), SQLite in the data directory (the default), Redis."""

from __future__ import annotations

from ..settings import Settings
from .base import (
    SESSION_ID,
    SNAPSHOT_ID,
    PersistentStore,
    Store,
    StoreBusy,
    StoreUnavailable,
    WouldBlock,
)
from .codec import CorruptState
from .memory import MemoryStore

__all__ = ["SESSION_ID", "SNAPSHOT_ID", "CorruptState", "MemoryStore", "PersistentStore",
           "Store", "StoreBusy", "StoreUnavailable", "WouldBlock", "make_store"]


def make_store(settings: Settings) -> Store:
    """The store the settings ask for: REDIS_URL set → Redis, otherwise SQLite in data_dir."""
    kind = settings.store_kind
    snapshot_limits = (settings.max_snapshots_per_session, settings.max_snapshots)
    if kind == "memory":
        return MemoryStore(settings.max_sessions, settings.session_ttl,
                           snapshot_limits=snapshot_limits)
    limits = {"cache_size": settings.cache_sessions, "cache_bytes": settings.cache_bytes,
              "lock_timeout": settings.lock_timeout, "snapshot_limits": snapshot_limits}
    if kind == "redis":
        from .redis import RedisStore

        assert settings.redis_url
        return RedisStore(settings.redis_url, settings.max_sessions, settings.session_ttl,
                          **limits)
    from .sqlite import SQLiteStore

    return SQLiteStore(settings.data_dir, settings.max_sessions, settings.session_ttl,
                       **limits)
