"""Popularity, Spotify's 0-100: how much a track has been streamed lately, on a log scale, so that
the long tail still orders itself (10 streams and 100 differ as much as 10,000 and 100,000).

Computed from play events by the playback app, which hands the counts in here: tracks write
their popularity, artists take their most popular track's (as Spotify's does, from their tracks),
and the search read model takes both, so ranking follows within the same transaction.
"""

from __future__ import annotations

import math

from django.db import connection, transaction

from apps.catalog.freshness import bump_catalog_version
from apps.catalog.models import Track

BATCH = 5_000


def popularity_from_streams(streams: int, most: int) -> int:
    """The log of the streams relative to the most streamed track's: 100 for it, 0 for none."""
    if streams <= 0 or most <= 0:
        return 0
    return max(1, round(100 * math.log1p(streams) / math.log1p(most)))


@transaction.atomic
def popularity_apply(*, streams_by_track: dict[int, int]) -> int:
    """Set every track's popularity from its streams in the window (tracks not in it fall to 0);
    returns how many tracks changed."""
    most = max(streams_by_track.values(), default=0)
    wanted = {pk: popularity_from_streams(n, most) for pk, n in streams_by_track.items()}
    current = dict(Track.objects.filter(popularity__gt=0).values_list("pk", "popularity"))
    current.update(Track.objects.filter(pk__in=list(wanted)).values_list("pk", "popularity"))
    changes = {pk: wanted.get(pk, 0) for pk, now in current.items() if wanted.get(pk, 0) != now}
    by_value: dict[int, list[int]] = {}
    for pk, value in changes.items():
        by_value.setdefault(value, []).append(pk)
    for value, pks in by_value.items():
        for start in range(0, len(pks), BATCH):
            Track.objects.filter(pk__in=pks[start : start + BATCH]).update(popularity=value)
    if not changes:
        return 0
    _artists_follow_their_tracks()
    _search_documents_follow()
    bump_catalog_version()
    return len(changes)


def _artists_follow_their_tracks() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_artist SET popularity = COALESCE((SELECT MAX(t.popularity) FROM catalog_trackartist ta "
            "JOIN catalog_track t ON t.id = ta.track_id WHERE ta.artist_id = catalog_artist.id), 0)"
        )


def _search_documents_follow() -> None:
    """The same numbers in the search read model (UPDATE ... FROM: PostgreSQL and SQLite 3.33+)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_searchdocument SET popularity = t.popularity FROM catalog_track t "
            "WHERE catalog_searchdocument.kind = 'track' AND t.id = catalog_searchdocument.object_id "
            "AND catalog_searchdocument.popularity <> t.popularity"
        )
        cursor.execute(
            "UPDATE catalog_searchdocument SET popularity = a.popularity FROM catalog_artist a "
            "WHERE catalog_searchdocument.kind = 'artist' AND a.id = catalog_searchdocument.object_id "
            "AND catalog_searchdocument.popularity <> a.popularity"
        )
        cursor.execute(
            "UPDATE catalog_searchdocument SET popularity = COALESCE((SELECT MAX(t.popularity) FROM catalog_track t "
            "WHERE t.album_id = catalog_searchdocument.object_id AND t.ingest_state = 'ready'), 0) "
            "WHERE catalog_searchdocument.kind = 'album'"
        )
