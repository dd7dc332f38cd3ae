"""Reads of play events: a listener's recently played tracks and top tracks and artists, what is
popular now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, F, Max, OuterRef, Sum, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone

from apps.catalog.availability import active_q
from apps.catalog.models import WORLDWIDE, ArtistRole, AvailabilityKind, IngestState, Track, TrackAvailability
from apps.playback.models import PlayEvent, PlayEventType

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


# --- A listener's top tracks and artists ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TopPage:
    ids: list[int]  # track or artist pks, best first
    total: int  # how many there are over the whole window, for the paging object


def _own_streams(*, user, since: datetime, country: str):
    """The user's streams since `since` of tracks they may still see: ready, and not taken down
    where they are (a takedown hides a track from every list, not only from playback).

    Plays reported in a private session (`private=True`) are counted: a private session hides
    listening from followers, and a listener's own top lists are theirs alone."""
    takedowns = TrackAvailability.objects.filter(
        active_q(timezone.now()),
        track=OuterRef("track_id"),
        territory__in=[country, WORLDWIDE],
        kind=AvailabilityKind.TAKEDOWN,
    )
    return PlayEvent.objects.filter(
        user=user, is_stream=True, played_at__gte=since, track__ingest_state=IngestState.READY
    ).filter(~Exists(takedowns))


def _ranked_page(ranked, key: str, *, limit: int, offset: int) -> TopPage:
    # Two queries whatever the limit: the page, and how many rows the grouping yields in all.
    ids = [row[key] for row in ranked[offset : offset + limit]]
    return TopPage(ids=ids, total=ranked.count())


def top_track_ids(*, user, since: datetime, country: str, limit: int, offset: int) -> TopPage:
    """The user's most streamed tracks since `since`: most streams first, then most time spent
    listening to them, then the one played most recently (the track id last, so that pages never
    overlap). `country` is where the listener is, for takedowns."""
    ranked = (
        _own_streams(user=user, since=since, country=country)
        .values("track_id")
        .annotate(streams=Count("id"), listened=Sum("ms_played"), last_played=Max("played_at"))
        .order_by("-streams", "-listened", "-last_played", "track_id")
    )
    return _ranked_page(ranked, "track_id", limit=limit, offset=offset)


def top_artist_ids(*, user, since: datetime, country: str, limit: int, offset: int) -> TopPage:
    """The user's most streamed artists since `since`, ranked like `top_track_ids` over the
    streams of their tracks. Each stream counts for every main (primary) artist credited on the
    track, so a duet lifts both; featured artists are not credited with the play."""
    ranked = (
        _own_streams(user=user, since=since, country=country)
        .filter(track__track_artists__role=ArtistRole.PRIMARY)
        # The grouping reuses the join the filter above made, so each stream is counted once per
        # primary artist (one credit row per track and artist), never once per credit of any role.
        .values(artist_id=F("track__track_artists__artist_id"))
        .annotate(streams=Count("id"), listened=Sum("ms_played"), last_played=Max("played_at"))
        .order_by("-streams", "-listened", "-last_played", "artist_id")
    )
    return _ranked_page(ranked, "artist_id", limit=limit, offset=offset)


def closed_plays_after(*, after_id: int, received_before: datetime, limit: int) -> list[tuple]:
    """Terminal events (a play's end or skip) with ids above `after_id`, oldest first, as
    (id, user id, track id, ms played, is stream, played at): the feed of incremental readers such
    as the recommender's affinities. `received_before` holds back the newest seconds, so that an
    insert still in flight with a lower id is not passed over."""
    rows = PlayEvent.objects.filter(
        id__gt=after_id, received_at__lt=received_before, type__in=[PlayEventType.END, PlayEventType.SKIP]
    )
    fields = ("id", "user_id", "track_id", "ms_played", "is_stream", "played_at")
    return list(rows.order_by("id").values_list(*fields)[:limit])


def daily_stream_counts(*, since: datetime) -> list[tuple[str, int, date, int]]:
    """(country, track id, day, streams) for every day since `since`: the input of the charts."""
    streams = PlayEvent.objects.filter(is_stream=True, played_at__gte=since)
    rows = streams.annotate(day=TruncDate("played_at")).values("country", "track_id", "day").annotate(n=Count("id"))
    return [(row["country"], row["track_id"], row["day"], row["n"]) for row in rows]
