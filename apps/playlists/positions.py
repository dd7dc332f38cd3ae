"""From a position in a playlist to its entry's key, without walking the index every time.

Clients name entries by position; the table orders them by key. Walking the (playlist, key) index
to position n costs n steps, so on a 10,000-entry playlist an edit near the end paid for 10,000
(bench_playlists: a move took 2.7x as long as on a 100-entry playlist). So the whole ordered key
list of a playlist is kept in the cache, tagged with the playlist version it describes: an edit
reads it under the playlist's row lock, uses it only if its version is the locked row's, updates it
with its own change and stores it after its commit. A missing or older list (another process's
edit, an eviction, a rollback) is rebuilt from the index, once.

Only a list whose version equals the locked row's is trusted, and a list is stored only after its
version committed, so a rolled-back edit (whose version number the next edit reuses) never leaves
a list that could be mistaken for the truth.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

from apps.playlists.models import Playlist, PlaylistEntry

CACHE_SECONDS = 3600


def _cache_key(playlist: Playlist) -> str:
    # The public id, not the pk: SQLite may hand a deleted row's pk to a new playlist.
    return f"playlist-keys:{playlist.public_id}"


class Positions:
    """The ordered keys of one playlist locked for an edit."""

    def __init__(self, playlist: Playlist):
        self.playlist = playlist
        self._keys: list[str] | None = None
        self._looked_in_cache = False

    def _from_cache(self) -> list[str] | None:
        if self._keys is None and not self._looked_in_cache:
            self._looked_in_cache = True
            cached = cache.get(_cache_key(self.playlist))
            if cached and cached[0] == self.playlist.version and len(cached[1]) == self.playlist.length:
                self._keys = cached[1]
        return self._keys

    @property
    def keys(self) -> list[str]:
        if self._from_cache() is None:
            rows = PlaylistEntry.objects.filter(playlist=self.playlist).order_by("key")
            self._keys = list(rows.values_list("key", flat=True))
        return self._keys

    def between(self, low: int, high: int) -> list[str]:
        return self.keys[max(low, 0) : high]

    def last(self) -> str | None:
        """For appends, the most common edit: from the cached list if there is one, else from the
        index's end (one step), without loading the list."""
        keys = self._from_cache()
        if keys is not None:
            return keys[-1] if keys else None
        return PlaylistEntry.objects.filter(playlist=self.playlist).order_by("key").values_list("key", flat=True).last()

    def change(self, *, removed: Iterable[str] = (), added: Iterable[str] = ()) -> None:
        """Apply an edit's key changes to the list, if it is loaded (keys stay sorted: removals and
        inserts by bisection); an unloaded list is simply not stored, and rebuilt when next needed."""
        keys = self._keys
        if keys is None:
            return
        for key in removed:
            index = bisect.bisect_left(keys, key)
            if index < len(keys) and keys[index] == key:
                del keys[index]
        for key in added:
            bisect.insort(keys, key)

    def replace(self, keys: list[str]) -> None:
        self._keys = sorted(keys)

    def store_after_commit(self, version: int) -> None:
        if self._keys is None:
            return
        snapshot = (version, list(self._keys))
        key = _cache_key(self.playlist)
        transaction.on_commit(lambda: cache.set(key, snapshot, CACHE_SECONDS), robust=True)
