"""A per-session memo for rendered pieces. The arrays of an iteration are never changed in place
(steps only add keys), so a piece stays valid while the very same array objects are in use.
It lives in the session's `memo` (kept in memory with the session, never stored)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..sessions import Session

RENDERED_PIECE = 4096  # bytes a rendered piece holds, on average (SVG, tables)


class RenderCache:
    MAX_ENTRIES = 512

    def __init__(self) -> None:
        self._entries: dict[tuple, tuple[tuple, Any]] = {}

    def get(self, slot: tuple, arrays: Sequence[object], make: Callable[[], Any]) -> Any:
        """The piece stored under `slot` if it was made from these very `arrays`, else make()."""
        hit = self._entries.get(slot)
        if hit is not None and len(hit[0]) == len(arrays) and all(
                a is b for a, b in zip(hit[0], arrays, strict=True)):
            return hit[1]
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        piece = make()
        self._entries[slot] = (tuple(arrays), piece)
        return piece

    @property
    def nbytes(self) -> int:
        """About how much memory the pieces hold (counted in the session's size)."""
        return RENDERED_PIECE * len(self._entries)


def render_cache(session: Session) -> RenderCache:
    """The session's RenderCache, made on first use."""
    cache = session.memo.get("render")
    if cache is None:
        cache = session.memo["render"] = RenderCache()
    return cache
