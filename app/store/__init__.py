"""Session stores: memory (tests), SQLite in the data directory (the default), Redis."""

from __future__ import annotations

from ..settings import Settings
from .base import SESSION_ID, SNAPSHOT_ID, PersistentStore, Store, StoreBusy, WouldBlock
from .codec import CorruptState
from .memory import MemoryStore

__all__ = ["SESSION_ID", "SNAPSHOT_ID", "CorruptState", "MemoryStore", "PersistentStore",
           "Store", "StoreBusy", "WouldBlock", "make_store"]


def make_store(settings: Settings) -> Store:
    """The store the settings ask for: REDIS_URL set → Redis, otherwise SQLite in data_dir."""
    kind = settings.store_kind
    if kind == "memory":
        return MemoryStore(settings.max_sessions, settings.session_ttl)
    if kind == "redis":
        from .redis import RedisStore

        assert settings.redis_url
        return RedisStore(settings.redis_url, settings.max_sessions, settings.session_ttl,
                          cache_size=settings.cache_sessions)
    from .sqlite import SQLiteStore

    return SQLiteStore(settings.data_dir, settings.max_sessions, settings.session_ttl,
                       cache_size=settings.cache_sessions)
