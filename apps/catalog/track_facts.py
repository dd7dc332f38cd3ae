"""What the recommender knows of a track to rank and vary its lists besides its rights: first
artist, genres and popularity, held for the whole catalog in the process's memory.

Every recommendation, mix, radio step and home shelf asks these of a few hundred candidates at a
time. Memoised track by track under the catalog version (as they were), they were read from the
database far more often than not: the version moves after every commit that touches a track, a
new one takes the whole memo with it, and the candidates of one listener's list are largely not
those of the last; reading 500 of them costs two queries and ~10 ms, most of a request's budget.
So they are held as a table of the whole catalog, a few numpy columns (some 30 MB for a million
tracks), built in three scans (0.15 s for 100,000 tracks here) and rebuilt in a background thread
once it is older than `TRACK_FACTS_REFRESH_SECONDS`, the old table serving until the new one is
ready. A track made ready since the build is read on demand (and remembered under the catalog
version), so a new release is never missing.

What these facts decide is ranking and variety, where a change showing within the refresh period
is soon enough. What decides whether a track may be offered at all (that it is still ready, its
explicit flag, its rights) is not read from here but from `apps.catalog.offerable`, under the
catalog version, so a takedown, a failed re-ingest or an explicit flag shows in the next list.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Subquery

from apps.catalog.freshness import catalog_version
from apps.catalog.models import IngestState, Track, TrackArtist
from apps.common.memo import VersionedMemo

logger = logging.getLogger(__name__)

MAX_LATE_ARRIVALS = 100_000  # tracks read on demand between builds; past it that memo starts over
NO_ARTIST = 0


@dataclass(frozen=True, slots=True)
class TrackFacts:
    """One ready track, as the recommender sees it."""

    artist_id: int | None  # the first credited artist
    genre_ids: tuple[int, ...]
    popularity: int
    explicit: bool


@dataclass(frozen=True, slots=True)
class SoftFacts:
    """The part of a track's facts held in memory: what ranks and varies a list."""

    artist_id: int | None
    genre_ids: tuple[int, ...]
    popularity: int

    def with_explicit(self, explicit: bool) -> TrackFacts:
        return TrackFacts(self.artist_id, self.genre_ids, self.popularity, explicit)


@dataclass(frozen=True)
class FactsTable:
    track_ids: np.ndarray  # int64, ascending: the ready tracks when it was built
    popularity: np.ndarray  # int32
    artist_ids: np.ndarray  # int64, NO_ARTIST where none is credited
    genre_offsets: np.ndarray  # int64, len(track_ids) + 1: row i's genres are genre_ids[offsets[i]:offsets[i+1]]
    genre_ids: np.ndarray  # int64, ascending within a row
    built_at: float  # time.monotonic()

    def __len__(self) -> int:
        return len(self.track_ids)

    def facts(self, track_ids: list[int]) -> dict[int, SoftFacts]:
        """The facts of those of `track_ids` in the table."""
        if not len(self.track_ids) or not track_ids:
            return {}
        wanted = np.asarray(track_ids, dtype=np.int64)
        rows = np.searchsorted(self.track_ids, wanted).clip(0, len(self.track_ids) - 1)
        rows = rows[self.track_ids[rows] == wanted]
        found = {}
        for track, artist, popularity, start, end in zip(
            self.track_ids[rows].tolist(),
            self.artist_ids[rows].tolist(),
            self.popularity[rows].tolist(),
            self.genre_offsets[rows].tolist(),
            self.genre_offsets[rows + 1].tolist(),
            strict=True,
        ):
            tagged = () if start == end else tuple(self.genre_ids[start:end].tolist())
            found[track] = SoftFacts(artist or None, tagged, popularity)
        return found


def build_facts_table() -> FactsTable:
    """Three ordered scans (tracks, first credits, genres), put together by track id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, popularity FROM catalog_track WHERE ingest_state = %s ORDER BY id", [IngestState.READY]
        )
        tracks = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
        cursor.execute("SELECT track_id, artist_id FROM catalog_trackartist ORDER BY track_id, position, id")
        credits = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
        cursor.execute("SELECT track_id, genre_id FROM catalog_track_genres ORDER BY track_id, genre_id")
        tagged = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
    track_ids = tracks[:, 0]
    artist_ids = np.full(len(track_ids), NO_ARTIST, dtype=np.int64)
    _, first_credits = np.unique(credits[:, 0], return_index=True)  # each track's first row: its first artist
    credits = credits[first_credits]
    rows, known = _rows_in(track_ids, credits[:, 0])
    artist_ids[rows[known]] = credits[known, 1]
    rows, known = _rows_in(track_ids, tagged[:, 0])
    counts = np.bincount(rows[known], minlength=len(track_ids)) if len(track_ids) else np.zeros(0, dtype=np.int64)
    offsets = np.zeros(len(track_ids) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return FactsTable(
        track_ids=track_ids.copy(),
        popularity=tracks[:, 1].astype(np.int32),
        artist_ids=artist_ids,
        genre_offsets=offsets,
        genre_ids=tagged[known, 1].copy(),  # already ordered by track, then genre
        built_at=time.monotonic(),
    )


def _rows_in(track_ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(track_ids):
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    rows = np.searchsorted(track_ids, wanted).clip(0, len(track_ids) - 1)
    return rows, track_ids[rows] == wanted


class _Current:
    """The process's table, whether a rebuild is under way, and a generation that forgetting the
    table moves, so that a rebuild started before never installs what it read after all."""

    lock = threading.Lock()
    table: FactsTable | None = None
    rebuilding = False
    generation = 0


# Tracks not in the table (made ready since it was built, or not ready: None), read on demand.
_late_arrivals = VersionedMemo(
    version=catalog_version, lifetime=lambda: settings.CATALOG_RENDER_CACHE_SECONDS, max_entries=MAX_LATE_ARRIVALS
)


def facts_table() -> FactsTable:
    """The process's table: built on first use, rebuilt in the background once it is older than
    `TRACK_FACTS_REFRESH_SECONDS` while the old one serves."""
    table = _Current.table
    if table is None:
        with _Current.lock:
            if _Current.table is None:
                _Current.table = build_facts_table()
            return _Current.table
    if time.monotonic() - table.built_at > settings.TRACK_FACTS_REFRESH_SECONDS:
        _rebuild_in_background()
    return table


def _rebuild_in_background() -> None:
    with _Current.lock:
        if _Current.rebuilding:
            return
        _Current.rebuilding = True
        generation = _Current.generation
    try:
        threading.Thread(target=_rebuild, args=(generation,), name="track-facts-rebuild", daemon=True).start()
    except RuntimeError:  # no thread to be had now: the next stale read tries again
        logger.exception("Could not start rebuilding the track facts table")
        _Current.rebuilding = False


def _rebuild(generation: int) -> None:
    try:
        table = build_facts_table()
        with _Current.lock:
            if _Current.generation == generation:
                _Current.table = table
    except Exception:  # the old table serves on; the next stale read tries again
        logger.exception("Rebuilding the track facts table failed")
    finally:
        _Current.rebuilding = False
        connection.close()  # this thread's own connection: nothing else would close it


def track_facts_clear() -> None:
    """Forget the table and the late arrivals (tests, and after a bulk change made without signals)."""
    with _Current.lock:
        _Current.table = None
        _Current.generation += 1
    _late_arrivals.forget()


def soft_track_facts(track_ids) -> dict[int, SoftFacts]:
    """The facts of those of `track_ids` that are ready (or were at the table's build): from the
    table, the rest read in two queries and remembered under the catalog version."""
    wanted = list(dict.fromkeys(track_ids))
    found = facts_table().facts(wanted)
    if len(found) == len(wanted):
        return found
    late = _late_arrivals.entries()
    missing = [pk for pk in wanted if pk not in found and pk not in late]
    if missing:
        loaded = _load(missing)
        late.update({pk: loaded.get(pk) for pk in missing})
    found.update({pk: facts for pk in wanted if pk not in found and (facts := late.get(pk)) is not None})
    return found


def _load(track_ids: list[int]) -> dict[int, SoftFacts]:
    first_artist = TrackArtist.objects.filter(track=OuterRef("pk")).order_by("position", "pk").values("artist_id")[:1]
    found = {
        pk: (artist_id, popularity)
        for pk, artist_id, popularity in Track.objects.ready()
        .filter(pk__any=track_ids)
        .order_by()
        .annotate(first_artist=Subquery(first_artist))
        .values_list("pk", "first_artist", "popularity")
    }
    genres: dict[int, list[int]] = {pk: [] for pk in found}
    for track_id, genre_id in Track.genres.through.objects.filter(track_id__any=list(found)).values_list(
        "track_id", "genre_id"
    ):
        genres[track_id].append(genre_id)
    return {pk: SoftFacts(artist, tuple(sorted(genres[pk])), popularity) for pk, (artist, popularity) in found.items()}
