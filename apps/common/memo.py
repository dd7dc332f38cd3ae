"""A process's memo of answers read from the database, valid under one version of what they were
read from (a counter in the shared cache, bumped after every commit that changes it) and for at
most a lifetime: the bound the embedded mode needs, where each process keeps its own counter.

A new version starts a new dict: answers loaded under an old one are never read again, so a load
that raced a change cannot outlive it.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class VersionedMemo:
    def __init__(self, *, version: Callable[[], int], lifetime: Callable[[], float], max_entries: int):
        self._version, self._lifetime, self._max_entries = version, lifetime, max_entries
        self._current: tuple[int | None, float, dict] = (None, 0.0, {})

    def entries(self) -> dict:
        """The dict for the current version: read from it and add to it."""
        version, now = self._version(), time.monotonic()
        seen, expires, entries = self._current
        if seen != version or now >= expires or len(entries) > self._max_entries:
            entries = {}
            self._current = (version, now + self._lifetime(), entries)
        return entries

    def forget(self) -> None:
        self._current = (None, 0.0, {})
