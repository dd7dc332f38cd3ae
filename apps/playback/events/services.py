"""Play events: what clients report about plays, stored once each, cheaply.

A client sends batches of events (`play.start`, `play.progress`, `play.end`, `skip`), each with an
id it generated, so that a batch retried after a lost answer (Spotify clients retry a POST after a
5xx) is stored once. Every event is checked on its own (`checks`): a bad one is reported back with
a reason while the rest of the batch is kept, because a client cannot repair history it recorded
offline days ago and must not lose the good events with it.

Cost is what matters here (every listener reports every play): whatever its size, a batch costs
one query for its tracks and one insert that skips the ids already stored and says which rows it
wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.catalog.models import Track
from apps.playback.events.checks import (
    CheckedEvent,
    EventRejected,
    TimeWindow,
    batch_check_size,
    echoed_id,
    event_check,
)
from apps.playback.models import TERMINAL_TYPES, PlayEvent


class Rejected(TypedDict):
    index: int
    id: str | None
    reason: str
    message: str


class IngestResult(TypedDict):
    accepted: int
    duplicates: int
    rejected: list[Rejected]


@dataclass(frozen=True, slots=True)
class PlayableTrack:
    pk: int
    max_ms_played: int


def _tracks_for(public_ids: set[str]) -> dict[str, PlayableTrack]:
    """The batch's tracks in one query: those that exist and are ready."""
    slack = settings.PLAY_EVENT_DURATION_SLACK_MS
    # order_by(): a track's default ordering joins its album, which a lookup by id does not need.
    rows = (
        Track.objects.ready().filter(public_id__in=public_ids).order_by().values_list("public_id", "pk", "duration_ms")
    )
    # A ready track always has its duration; should one lack it, the longest track ingest accepts
    # still bounds what a play can claim.
    return {
        public_id: PlayableTrack(pk=pk, max_ms_played=(duration or settings.INGEST_MAX_DURATION_MS) + slack)
        for public_id, pk, duration in rows
    }


# --- The service --------------------------------------------------------------------------


def play_events_ingest(*, user, country: str, product: str, events: list[dict]) -> IngestResult:
    """Store a batch of play events for `user`, once each.

    `country` and `product` are the listener's at the time of reporting (charts are per country,
    royalties per product). A malformed, oversized or empty batch raises ApplicationError and
    writes nothing; otherwise each event is accepted, a duplicate (its id already stored, or
    earlier in this batch) or rejected with a reason, and the accepted ones are written in one
    transaction.
    """
    batch_check_size(events)
    now = timezone.now()
    window = TimeWindow.around(now)
    rejected: list[Rejected] = []

    checked: list[CheckedEvent] = []
    for index, raw in enumerate(events):
        try:
            checked.append(event_check(index=index, raw=raw, window=window))
        except EventRejected as error:
            rejected.append(_rejection(index, raw, error))

    tracks = _tracks_for({event.track_public_id for event in checked}) if checked else {}
    unique: dict[str, tuple[CheckedEvent, PlayableTrack]] = {}
    duplicates = 0
    for event in checked:
        track = tracks.get(event.track_public_id)
        if track is None:
            error = EventRejected("UNKNOWN_TRACK", f"No playable track {event.track_public_id}.")
        elif event.ms_played > track.max_ms_played:
            error = EventRejected(
                "MS_PLAYED_TOO_LONG",
                f"ms_played {event.ms_played} exceeds the track's duration and the allowed slack "
                f"({track.max_ms_played} ms).",
            )
        elif event.event_id in unique:
            duplicates += 1
            continue
        else:
            unique[event.event_id] = (event, track)
            continue
        rejected.append(_rejection(event.index, events[event.index], error))

    stored: set[str] = set()
    if unique:
        # str(): a profile's country is a django_countries Country, a product may be a Choices
        # member, and the insert binds plain values.
        rows = _rows(
            user_id=user.pk,
            country=str(country),
            product=str(product),
            # Kept from followers for good: what is reported in a private session or while the
            # listener does not share their activity (sharing again later does not reveal it).
            private=user.in_private_session(now) or not user.share_activity,
            accepted=unique.values(),
            received_at=now,
        )
        stored = _insert_new(rows)
    duplicates += len(unique) - len(stored)

    rejected.sort(key=lambda entry: entry["index"])
    return {"accepted": len(stored), "duplicates": duplicates, "rejected": rejected}


def _rejection(index: int, raw: Any, error: EventRejected) -> Rejected:
    return {"index": index, "id": echoed_id(raw), "reason": error.reason, "message": error.message}


# --- The insert ---------------------------------------------------------------------------

# The columns `_rows` fills, in its order.
INSERT_FIELDS = (
    "user",
    "event_id",
    "type",
    "track",
    "ms_played",
    "context_uri",
    "device_id",
    "played_at",
    "received_at",
    "offline",
    "private",
    "is_stream",
    "country",
    "product",
)


def _rows(*, user_id: int, country: str, product: str, private: bool, accepted, received_at: datetime) -> list[tuple]:
    """The INSERT_FIELDS values of each accepted (event, track), ready to bind."""
    adapt = connection.ops.adapt_datetimefield_value  # SQLite stores text, PostgreSQL takes datetimes
    received = adapt(received_at)
    stream_min_ms = settings.STREAM_MIN_MS
    return [
        (
            user_id,
            event.event_id,
            event.type,
            track.pk,
            event.ms_played,
            event.context_uri,
            event.device_id,
            adapt(event.played_at),
            received,
            event.offline,
            private,
            # Only the event closing a play counts, so each play is at most one stream.
            event.type in TERMINAL_TYPES and event.ms_played >= stream_min_ms,
            country,
            product,
        )
        for event, track in accepted
    ]


def _statements(rows: list[tuple]):
    """The INSERT statements for `rows` and their parameters: `INSERT ... ON CONFLICT DO NOTHING
    RETURNING event_id`, which skips the events already stored and names the ones it stored."""
    quote = connection.ops.quote_name
    meta = PlayEvent._meta
    fields = [meta.get_field(name) for name in INSERT_FIELDS]
    # Identifiers come from the model's own metadata, quoted; every value is a bound parameter.
    insert = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
    key = ", ".join(quote(meta.get_field(name).column) for name in ("user", "event_id"))
    tail = f"ON CONFLICT ({key}) DO NOTHING RETURNING {quote(meta.get_field('event_id').column)}"
    if connection.vendor == "postgresql":
        # One array per column, unnested: PostgreSQL parses, and psycopg binds, 13 arrays much
        # faster than 13 values per row.
        arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
        sql = f"{insert} SELECT * FROM unnest({arrays}) {tail}"  # noqa: S608 (identifiers, quoted)
        yield sql, [list(column) for column in zip(*rows, strict=True)]
        return
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = connection.features.max_query_params // len(fields)  # SQLite binds at most 999 values
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        yield f"{insert} VALUES {', '.join([row] * len(chunk))} {tail}", [value for r in chunk for value in r]


def _insert_new(rows: list[tuple]) -> set[str]:
    """Insert the rows whose (user, event id) is not stored yet, in one transaction; return the
    event ids inserted.

    `ON CONFLICT DO NOTHING RETURNING` (PostgreSQL, and SQLite since 3.35) answers in the same
    statement which events were new, so the counts are exact even when two retries of one batch
    race. It is SQL rather than `bulk_create(ignore_conflicts=True)` because this is the hottest
    write of the platform: bulk_create prepares every value through its field (4.1 ms of a 50-event
    batch's 8.8 ms on SQLite, measured with tests/benchmarks/bench_events.py) and cannot say which
    rows it skipped, which cost a query of its own.
    """
    stored: set[str] = set()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in _statements(rows):
            cursor.execute(sql, params)
            stored.update(event_id for (event_id,) in cursor.fetchall())
    return stored
