"""Sessions and snapshots in Redis (REDIS_URL): for several hosts behind one load balancer.

Keys (prefix `bs:`):

    bs:s:{id}      hash: cfg (config JSON, written once), head (JSON), ver, used
    bs:s:{id}:ck   hash: iteration -> checkpoint (float64 bytes)
    bs:s:{id}:h    hash: chunk index -> history rows (float64 bytes)
    bs:idle        sorted set: id -> last used (eviction of the oldest idle beyond capacity)
    bs:lock:{id}   the session's lock: a random token, SET NX PX, released by compare-and-delete
    bs:snap:{id}   hash: cfg, head, arrays, created (no expiry)

Session keys expire after the idle TTL (PEXPIRE on every write or touch). Configure Redis with
persistence (RDB or AOF) and a `maxmemory-policy` that never evicts keys without a TTL
(`noeviction` or a `volatile-*` policy), or snapshots can be lost.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis

from . import codec
from .base import PersistentStore, StoreBusy, Stored, WouldBlock

PREFIX = "bs:"
RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class RedisStore(PersistentStore):
    kind = "redis"

    def __init__(self, url: str, capacity: int, ttl: float, cache_size: int = 256,
                 touch_interval: float = 15.0, lock_timeout: float = 30.0,
                 lock_lease: float = 60.0, clock: Callable[[], float] = time.time):
        super().__init__(capacity, ttl, cache_size, touch_interval, clock)
        self.redis = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=5,
                                          health_check_interval=30)
        self.lock_timeout, self.lock_lease = lock_timeout, lock_lease
        self._release = self.redis.register_script(RELEASE)
        self._tokens: dict[str, bytes] = {}

    @staticmethod
    def _key(session_id: str, part: str = "") -> str:
        return f"{PREFIX}s:{session_id}{part}"

    def close(self) -> None:
        self.redis.close()

    # -- the lock -------------------------------------------------------------------------------
    @contextmanager
    def _lock(self, session_id: str, wait: bool = True) -> Iterator[None]:
        key, token = f"{PREFIX}lock:{session_id}", secrets.token_bytes(16)
        lease_ms = int(self.lock_lease * 1000)
        deadline = time.monotonic() + self.lock_timeout
        pause = 0.0005
        while not self.redis.set(key, token, nx=True, px=lease_ms):
            if not wait:
                raise WouldBlock(session_id)
            if time.monotonic() > deadline:
                raise StoreBusy(f"session {session_id[:4]}… stayed locked for "
                                f"{self.lock_timeout:g} s")
            time.sleep(pause)
            pause = min(pause * 2, 0.01)
        self._tokens[session_id] = token
        try:
            yield
        finally:
            self._tokens.pop(session_id, None)
            self._release(keys=[key], args=[token])

    # -- primitives ---------------------------------------------------------------------------
    def _head(self, session_id: str) -> tuple[int, float] | None:
        version, used = self.redis.hmget(self._key(session_id), "ver", "used")
        if version is None or used is None:
            return None
        return int(version), float(used)

    def _load(self, session_id: str, with_config: bool) -> Stored | None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.hmget(self._key(session_id), "head", "ver", "cfg")
        pipe.hgetall(self._key(session_id, ":ck"))
        pipe.hgetall(self._key(session_id, ":h"))
        (head, version, config), checkpoints, chunks = pipe.execute()
        if head is None or version is None:
            return None
        order = sorted(int(k) for k in chunks)
        if order != list(range(len(order))):
            raise codec.CorruptState("history chunks of a session are not contiguous")
        return Stored(config.decode() if with_config and config else None, head, int(version),
                      {int(k): v for k, v in checkpoints.items()},
                      [chunks[str(j).encode()] for j in order])

    def _write(self, session_id: str, delta: codec.Delta, version: int, now: float,
               config: str | None = None) -> bool:
        key, ck, hist = (self._key(session_id), self._key(session_id, ":ck"),
                         self._key(session_id, ":h"))
        ttl_ms = int(self.ttl * 1000)
        with self.redis.pipeline(transaction=True) as pipe:
            if config is None:
                lock = f"{PREFIX}lock:{session_id}"
                pipe.watch(lock, key)  # EXEC fails if the lock or the session changed hands
                if (pipe.get(lock) != self._tokens.get(session_id)
                        or pipe.hget(key, "ver") != str(version - 1).encode()):
                    return False
                pipe.multi()
            else:
                pipe.hset(key, "cfg", config)
            pipe.hset(key, mapping={"head": delta.head, "ver": version, "used": repr(now)})
            if delta.checkpoints_deleted:
                pipe.hdel(ck, *[str(k) for k in delta.checkpoints_deleted])
            if delta.checkpoints_put:
                pipe.hset(ck, mapping={str(k): b for k, b in delta.checkpoints_put.items()})
            if delta.chunks_total < delta.chunks_before:
                pipe.hdel(hist, *[str(j) for j in range(delta.chunks_total,
                                                        delta.chunks_before)])
            if delta.chunks_put:
                pipe.hset(hist, mapping={str(j): b for j, b in delta.chunks_put.items()})
            for k in (key, ck, hist):
                pipe.pexpire(k, ttl_ms)
            pipe.zadd(f"{PREFIX}idle", {session_id: now})
            try:
                pipe.execute()
            except redis.WatchError:
                return False
        return True

    def _touch(self, session_id: str, now: float) -> None:
        ttl_ms = int(self.ttl * 1000)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self._key(session_id), "used", repr(now))
        for part in ("", ":ck", ":h"):
            pipe.pexpire(self._key(session_id, part), ttl_ms)
        pipe.zadd(f"{PREFIX}idle", {session_id: now})
        pipe.execute()

    def _remove(self, session_ids: list[str]) -> int:
        if not session_ids:
            return 0
        pipe = self.redis.pipeline(transaction=True)
        for session_id in session_ids:
            pipe.delete(self._key(session_id))
            pipe.delete(self._key(session_id, ":ck"), self._key(session_id, ":h"))
        pipe.zrem(f"{PREFIX}idle", *session_ids)
        results = pipe.execute()
        for session_id in session_ids:
            self._forget(session_id)
        return sum(results[0:-1:2])

    def _evict(self, now: float) -> None:
        idle = f"{PREFIX}idle"
        expired = [m.decode() for m in self.redis.zrangebyscore(idle, "-inf", now - self.ttl,
                                                                start=0, num=1000)]
        self._remove(expired)
        excess = self.redis.zcard(idle) - self.capacity
        if excess > 0:
            self._remove([m.decode() for m in self.redis.zrange(idle, 0, excess - 1)])

    def _put_snapshot(self, snapshot_id: str, snap: codec.Snapshot, now: float) -> None:
        self.redis.hset(f"{PREFIX}snap:{snapshot_id}", mapping={
            "cfg": snap.config, "head": snap.head, "arrays": snap.arrays, "created": repr(now)})

    def _get_snapshot(self, snapshot_id: str) -> codec.Snapshot | None:
        config, head, arrays = self.redis.hmget(f"{PREFIX}snap:{snapshot_id}",
                                                "cfg", "head", "arrays")
        if config is None or head is None or arrays is None:
            return None
        return codec.Snapshot(config.decode(), head, arrays)

    def __len__(self) -> int:
        return int(self.redis.zcard(f"{PREFIX}idle"))
