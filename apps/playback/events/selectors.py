"""Reads of play events: a listener's recently played tracks, what is popular now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber

from apps.catalog.models import Track
from apps.playback.models import PlayEvent

_FIELDS = ("track_id", "played_at", "context_uri")


@dataclass(frozen=True, slots=True)
class Play:
    track: Track  # loaded `with_relations()`, ready to render
    played_at: datetime
    context_uri: str


@dataclass(frozen=True, slots=True)
class PlayHistoryPage:
    plays: list[Play]  # newest first
    has_older: bool  # whether a page before the oldest play exists


def recently_played(
    *, user, limit: int, after: datetime | None = None, before: datetime | None = None
) -> PlayHistoryPage:
    """Up to `limit` of the user's streams, newest first, in a fixed number of queries.

    `before` pages back in time (the plays just before it); `after` pages forward (the plays just
    after it, so that a client polling with its newest cursor misses none even when more than
    `limit` arrived since). Cursors are strict: the play at the cursor itself is not repeated.
    Cursors are milliseconds (Spotify's), so two streams of one user in the same millisecond could
    straddle a page boundary and one be skipped; a listener's plays are never that close.
    """
    streams = PlayEvent.objects.filter(user=user, is_stream=True)
    if after is not None:
        rows = list(streams.filter(played_at__gt=after).order_by("played_at", "id").values_list(*_FIELDS)[:limit])
        rows.reverse()
        has_older = bool(rows) and streams.filter(played_at__lt=rows[-1][1]).exists()
    else:
        if before is not None:
            streams = streams.filter(played_at__lt=before)
        # One row more than asked says whether an older page exists, without a count.
        rows = list(streams.order_by("-played_at", "-id").values_list(*_FIELDS)[: limit + 1])
        has_older = len(rows) > limit
        rows = rows[:limit]

    # Tracks through the catalog's own queryset, so they carry what its renderer needs. Not
    # `.ready()`: a play stays in the history while its track is being re-ingested.
    tracks = Track.objects.with_relations().in_bulk({track_id for track_id, _, _ in rows})
    plays = [Play(track=tracks[track_id], played_at=at, context_uri=uri) for track_id, at, uri in rows]
    return PlayHistoryPage(plays=plays, has_older=has_older)


def popular_track_ids(*, country: str | None, since: datetime, limit: int) -> list[int]:
    """The most streamed tracks since `since`, most first (ties by id), in one country or all."""
    streams = PlayEvent.objects.filter(is_stream=True, played_at__gte=since)
    if country:
        streams = streams.filter(country=country)
    ranked = streams.values("track_id").annotate(streams=Count("id")).order_by("-streams", "track_id")
    return [row["track_id"] for row in ranked[:limit]]


def recent_streams_of(*, user_ids, since: datetime, per_user: int, limit: int) -> list[tuple[int, int, datetime, str]]:
    """(user id, track id, played at, context URI) of the given listeners' latest `per_user`
    streams each since `since`, newest first, leaving out what they played privately. The cap is
    per listener in the query itself, so one busy listener cannot crowd out the rest."""
    streams = PlayEvent.objects.filter(user_id__in=user_ids, is_stream=True, private=False, played_at__gte=since)
    ranked = streams.annotate(
        nth=Window(RowNumber(), partition_by=[F("user_id")], order_by=[F("played_at").desc(), F("id").desc()])
    ).filter(nth__lte=per_user)
    rows = ranked.order_by("-played_at", "-id").values_list("user_id", "track_id", "played_at", "context_uri")
    return list(rows[:limit])
