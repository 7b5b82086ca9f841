"""Sessions and snapshots in Redis (REDIS_URL): for several hosts behind one load balancer.

Keys (prefix `bs:`):

    bs:s:{id}      hash: cfg (config JSON, written once), head (JSON), ver, used
    bs:s:{id}:ck   hash: iteration -> checkpoint (float64 bytes)
    bs:s:{id}:h    hash: chunk index -> history rows (float64 bytes)
    bs:idle        sorted set: id -> last used (eviction of the oldest idle beyond capacity)
    bs:lock:{id}   the session's lock: a random token, taken by a script that refuses a request
                   landing after its sender gave up (below), released by compare-and-delete
    bs:snap:{id}   hash: cfg and arrays ('blob:' + digest), head, created, source, digest
                   (no expiry)
    bs:blob:{sha256}  a snapshot's config or arrays, stored once whatever shares them
    bs:snaps:{source}  hash: digest -> snapshot id, the snapshots made from one session (a hash
                   of its id); expires with the session
    bs:snapcount   how many snapshots there are

Session keys expire after the idle TTL (PEXPIRE on every write or touch). Configure Redis with
persistence (RDB or AOF) and a `maxmemory-policy` that never evicts keys without a TTL
(`noeviction` or a `volatile-*` policy), or snapshots can be lost. A session Redis evicted in
part (its main key without its history, say) is deleted and treated as expired.

The lock's acquisition is bounded by `lock_timeout`, shorter than its lease (`lock_lease`): a
request waits at most that long. Each attempt carries the time after which its sender no longer
waits for the answer (the socket timeout); the script compares it with Redis's own clock and
does not take the lock for an attempt that arrives later (Redis stalled meanwhile). So a stall
never leaves behind a lock nobody holds. Every Redis error that means "unreachable" (connection
refused or lost, a timeout) is a StoreUnavailable: the app answers 503 with a message.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis

from . import codec
from .base import PersistentStore, StoreBusy, Stored, StoreUnavailable, WouldBlock

PREFIX = "bs:"
# KEYS[1] the lock; ARGV: token, lease in ms, the sender's deadline in ms since the epoch.
ACQUIRE = """
local now = redis.call('time')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[3]) then
    return -1
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return 1
end
return 0
"""
RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class RedisStore(PersistentStore):
    kind = "redis"

    def __init__(self, url: str, capacity: int, ttl: float, cache_size: int = 256,
                 touch_interval: float = 15.0, lock_timeout: float = 10.0,
                 lock_lease: float = 60.0, clock: Callable[[], float] = time.time,
                 socket_timeout: float = 5.0, **limits):
        super().__init__(capacity, ttl, cache_size, touch_interval, clock,
                         lock_timeout=lock_timeout, **limits)
        if not socket_timeout < lock_lease or not lock_timeout < lock_lease:
            raise ValueError("the lock's lease must outlast its acquisition and any command")
        self.url, self.socket_timeout = url, socket_timeout
        self.redis = redis.Redis.from_url(url, socket_timeout=socket_timeout,
                                          socket_connect_timeout=min(socket_timeout, 5),
                                          health_check_interval=30)
        self.lock_lease = lock_lease
        self._acquire = self.redis.register_script(ACQUIRE)
        self._release = self.redis.register_script(RELEASE)
        self._tokens: dict[str, bytes] = {}
        self._skew_ms = 0  # Redis's clock minus this host's (see _try_lock)
        self._health = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    @staticmethod
    def _key(session_id: str, part: str = "") -> str:
        return f"{PREFIX}s:{session_id}{part}"

    def close(self) -> None:
        self.redis.close()
        self._health.close()

    def ping(self) -> None:
        try:
            self._health.ping()
        except redis.RedisError as err:
            raise StoreUnavailable(f"Redis: {err}") from err

    # -- the lock -------------------------------------------------------------------------------
    @contextmanager
    def _lock(self, session_id: str, wait: bool = True) -> Iterator[None]:
        key, token = f"{PREFIX}lock:{session_id}", secrets.token_bytes(16)
        lease_ms = int(self.lock_lease * 1000)
        deadline = time.monotonic() + self.lock_timeout
        pause = 0.0005
        while not self._try_lock(key, token, lease_ms):
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

    def _try_lock(self, key: str, token: bytes, lease_ms: int) -> bool:
        # The sender stops waiting after socket_timeout: an attempt that reaches Redis later
        # (it was stalled) must not take the lock (-1), or nobody would release it. An answer
        # of -1 that does arrive means this host's clock is behind Redis's: measure the
        # difference and try again on Redis's time.
        for _ in range(2):
            gives_up_ms = int((time.time() + self.socket_timeout) * 1000) + self._skew_ms
            taken = self._acquire(keys=[key], args=[token, lease_ms, gives_up_ms])
            if taken != -1:
                return taken == 1
            seconds, micros = self.redis.time()
            self._skew_ms = int(seconds * 1000 + micros // 1000 - time.time() * 1000)
        return False

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
            oldest = self.redis.zrangebyscore(idle, "-inf", now - self.evict_grace,
                                              start=0, num=excess)
            self._remove([m.decode() for m in oldest])

    def _put_snapshot(self, snapshot_id: str, snap: codec.Snapshot, now: float, source: str,
                      digest: str) -> None:
        config, arrays = snap.config.encode(), snap.arrays
        config_digest, arrays_digest = codec.blob_digest(config), codec.blob_digest(arrays)
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(f"{PREFIX}blob:{config_digest}", config, nx=True)
        pipe.set(f"{PREFIX}blob:{arrays_digest}", arrays, nx=True)
        pipe.hset(f"{PREFIX}snap:{snapshot_id}", mapping={
            "cfg": codec.BLOB_REF + config_digest, "head": snap.head,
            "arrays": codec.BLOB_REF + arrays_digest, "created": repr(now), "source": source,
            "digest": digest})
        pipe.hset(f"{PREFIX}snaps:{source}", digest, snapshot_id)
        pipe.pexpire(f"{PREFIX}snaps:{source}", int(self.ttl * 1000))
        pipe.incr(f"{PREFIX}snapcount")
        pipe.execute()

    def _find_snapshot(self, source: str, digest: str) -> str | None:
        found = self.redis.hget(f"{PREFIX}snaps:{source}", digest)
        return None if found is None else found.decode()

    def _count_snapshots(self, source: str | None) -> int:
        if source is None:
            return int(self.redis.get(f"{PREFIX}snapcount") or 0)
        return int(self.redis.hlen(f"{PREFIX}snaps:{source}"))

    def _get_snapshot(self, snapshot_id: str) -> codec.Snapshot | None:
        config, head, arrays = self.redis.hmget(f"{PREFIX}snap:{snapshot_id}",
                                                "cfg", "head", "arrays")
        if config is None or head is None or arrays is None:
            return None
        ref = codec.BLOB_REF.encode()
        if config.startswith(ref):
            config = self._blob(config)
        if arrays.startswith(ref):
            arrays = self._blob(arrays)
        return codec.Snapshot(config.decode(), head, arrays)

    def _blob(self, ref: bytes) -> bytes:
        data = self.redis.get(f"{PREFIX}blob:{ref[len(codec.BLOB_REF):].decode('ascii')}")
        if data is None:
            raise codec.CorruptState("a snapshot's blob is missing")
        return data

    def __len__(self) -> int:
        return int(self.redis.zcard(f"{PREFIX}idle"))
