"""What the recommender knows of a track to filter and vary its lists besides its rights: first
artist, genres, popularity and the explicit flag, memoised in the process.

Every recommendation, mix, radio step and home shelf asks these of a few hundred candidates at a
time, mostly the same popular ones; loading them costs two queries and much of a request's budget,
from memory they cost nothing. The memo is keyed on the catalog version, which is bumped after
every commit that changes a track, its credits or genres, or its popularity
(`apps.catalog.freshness`), and it lives at most `CATALOG_RENDER_CACHE_SECONDS`, the bound the
embedded mode needs where each process has its own version (`apps.common.memo`).

Rights are not memoised: whether a track may play is asked of the availability read model on every
request (`restrictions_for_ready`, one query for the whole pool), so a takedown or a licence window
that opens or closes shows at once. (Memoising the availability rows too was measured: it saved
1 ms of a 13 ms recommendation and made rights per-process in the embedded mode; not worth it.)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import OuterRef, Subquery

from apps.catalog.freshness import catalog_version
from apps.catalog.models import Track, TrackArtist
from apps.common.memo import VersionedMemo

MAX_MEMOISED = 500_000  # tracks, some 200 MB at worst; past it the memo starts over


@dataclass(frozen=True, slots=True)
class TrackFacts:
    """One ready track, as the recommender sees it."""

    artist_id: int | None  # the first credited artist
    genre_ids: tuple[int, ...]
    popularity: int
    explicit: bool


_memo = VersionedMemo(
    version=catalog_version, lifetime=lambda: settings.CATALOG_RENDER_CACHE_SECONDS, max_entries=MAX_MEMOISED
)


def ready_track_facts(track_ids) -> dict[int, TrackFacts]:
    """The facts of those of `track_ids` that are ready; the ones not in memory in two queries."""
    rows = _memo.entries()  # pk -> facts, or None: not a ready track
    wanted = list(dict.fromkeys(track_ids))
    missing = [pk for pk in wanted if pk not in rows]
    if missing:
        loaded = _load(missing)
        rows.update({pk: loaded.get(pk) for pk in missing})
    return {pk: facts for pk in wanted if (facts := rows.get(pk)) is not None}


def _load(track_ids: list[int]) -> dict[int, TrackFacts]:
    first_artist = TrackArtist.objects.filter(track=OuterRef("pk")).order_by("position", "pk").values("artist_id")[:1]
    found = {
        pk: (artist_id, popularity, explicit)
        for pk, artist_id, popularity, explicit in Track.objects.ready()
        .filter(pk__any=track_ids)
        .order_by()
        .annotate(first_artist=Subquery(first_artist))
        .values_list("pk", "first_artist", "popularity", "explicit")
    }
    genres: dict[int, list[int]] = {pk: [] for pk in found}
    for track_id, genre_id in Track.genres.through.objects.filter(track_id__any=list(found)).values_list(
        "track_id", "genre_id"
    ):
        genres[track_id].append(genre_id)
    return {
        pk: TrackFacts(artist, tuple(sorted(genres[pk])), popularity, explicit)
        for pk, (artist, popularity, explicit) in found.items()
    }
