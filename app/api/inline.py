"""Short session moves on the event loop, long or contended ones in the thread pool.

Handing a request to the thread pool and its answer back costs ~1 ms per request on a 2-vCPU VM
(measured: a no-op route serves ~3,300 req/s as `async def` and ~750 req/s as `def`), more than
a step and its page together. So a step, a seek or a view change runs on the loop when its
session is free: `work(False)` checks the session out without waiting and raises WouldBlock
before changing anything if another request holds it, or if the move would take long (a `prev`
that replays many iterations); the pool then runs `work(True)`, which may wait. Stores whose
reads and writes are remote round trips (Redis) always use the pool. Training and `goto` runs
stay in the pool, so they never hold the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from ..sessions import Session
from ..store import Store, WouldBlock

T = TypeVar("T")

INLINE_REPLAYS = 16  # a `prev` recomputing more iterations than this goes to the pool


def too_long_for_the_loop(session: Session, action: str, wait: bool) -> bool:
    """True when `work(False)` should leave this move to the pool (nothing changed yet)."""
    return (not wait and action == "prev"
            and session.stepper.prev_replays() > INLINE_REPLAYS)


async def on_loop_if_free(store: Store, work: Callable[[bool], T]) -> T:
    if store.inline:
        try:
            return work(False)
        except WouldBlock:
            pass
    return await run_in_threadpool(work, True)
