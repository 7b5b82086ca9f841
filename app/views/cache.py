"""A per-session memo for rendered pieces. The arrays of an iteration are never changed in place
(steps only add keys), so a piece stays valid while the very same array objects are in use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


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
