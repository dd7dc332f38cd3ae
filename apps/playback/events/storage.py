"""Writing play events: one statement per batch that skips the events already stored and names
the ones it stored.

`INSERT ... ON CONFLICT (user, event id) DO NOTHING RETURNING event_id` (PostgreSQL, and SQLite
since 3.35) answers in the same statement which events were new, so the counts are exact even
when two retries of one batch race. It is SQL rather than `bulk_create(ignore_conflicts=True)`
because this is the hottest write of the platform: bulk_create prepares every value through its
field (4.1 ms of a 50-event batch's 8.8 ms on SQLite, measured with
tests/benchmarks/bench_events.py) and cannot say which rows it skipped, which costs a query of its
own.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connection, transaction

from apps.playback.models import PlayEvent

# What each event brings, and what every event of a batch shares, by field name.
EVENT_FIELDS = (
    "event_id",
    "type",
    "track",
    "ms_played",
    "context_uri",
    "device_id",
    "played_at",
    "offline",
    "is_stream",
)
BATCH_FIELDS = ("user", "received_at", "private", "country", "product")


@dataclass(frozen=True, slots=True)
class BatchValues:
    """The BATCH_FIELDS values of one batch."""

    user_id: int
    received_at: datetime
    private: bool
    country: str
    product: str


@dataclass(frozen=True, slots=True)
class EventRow:
    """The EVENT_FIELDS values of one accepted event."""

    event_id: str
    type: str
    track_id: int
    ms_played: int
    context_uri: str
    device_id: str
    played_at: datetime
    offline: bool
    is_stream: bool


def insert_new(batch: BatchValues, rows: list[EventRow]) -> set[str]:
    """Insert the rows whose (user, event id) is not stored yet; return the event ids inserted.
    All or nothing: one statement on PostgreSQL, one transaction on SQLite."""
    if not rows:
        return set()
    statements = _postgresql(batch, rows) if connection.vendor == "postgresql" else _values(batch, rows)
    stored: set[str] = set()
    # A single statement is atomic on its own: no BEGIN and COMMIT round trips around it.
    atomic = transaction.atomic() if len(statements) > 1 else nullcontext()
    with atomic, connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            stored.update(event_id for (event_id,) in cursor.fetchall())
    return stored


def _columns(names) -> list:
    return [PlayEvent._meta.get_field(name) for name in names]


def _head() -> tuple[str, str]:
    """`INSERT INTO table (batch columns, event columns)` and the `ON CONFLICT ... RETURNING` tail.
    Identifiers come from the model's own metadata, quoted; every value is a bound parameter."""
    quote = connection.ops.quote_name
    meta = PlayEvent._meta
    columns = ", ".join(quote(field.column) for field in _columns(BATCH_FIELDS + EVENT_FIELDS))
    key = ", ".join(quote(field.column) for field in _columns(("user", "event_id")))
    tail = f"ON CONFLICT ({key}) DO NOTHING RETURNING {quote(meta.get_field('event_id').column)}"
    return f"INSERT INTO {quote(meta.db_table)} ({columns})", tail


def _postgresql(batch: BatchValues, rows: list[EventRow]) -> list[tuple[str, list]]:
    """The events travel as one JSON array read by `json_to_recordset`: json.dumps encodes a
    batch in C in a few tens of microseconds, where binding a column array per field cost psycopg
    1.2 ms a batch (each string of each array quoted in Python); PostgreSQL parses either as fast."""
    sql, names = _postgresql_statement()
    document = json.dumps(
        [dict(zip(names, _event_values(row, played_at=row.played_at.isoformat()), strict=True)) for row in rows],
        separators=(",", ":"),
    )
    return [(sql, [*_batch_values(batch, received_at=batch.received_at), document])]


@cache
def _postgresql_statement() -> tuple[str, list[str]]:
    """The statement (the same for every batch, so built once) and the JSON keys of an event."""
    quote = connection.ops.quote_name
    insert, tail = _head()
    event_columns = _columns(EVENT_FIELDS)
    record = ", ".join(f"{quote(field.column)} {field.db_type(connection)}" for field in event_columns)
    shared = ", ".join(f"%s::{field.db_type(connection)}" for field in _columns(BATCH_FIELDS))
    selected = ", ".join(f"r.{quote(field.column)}" for field in event_columns)
    sql = f"{insert} SELECT {shared}, {selected} FROM json_to_recordset(%s::json) AS r({record}) {tail}"  # noqa: S608 (identifiers, quoted)
    return sql, [field.column for field in event_columns]


def _values(batch: BatchValues, rows: list[EventRow]) -> list[tuple[str, list]]:
    """Plain VALUES lists, as many statements as SQLite's bound on parameters (999) needs."""
    insert, tail = _head()
    adapt = connection.ops.adapt_datetimefield_value  # SQLite stores datetimes as text
    shared = list(_batch_values(batch, received_at=adapt(batch.received_at)))
    width = len(BATCH_FIELDS) + len(EVENT_FIELDS)
    row = "(" + ", ".join(["%s"] * width) + ")"
    per_statement = connection.features.max_query_params // width
    statements = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        params = [value for r in chunk for value in (*shared, *_event_values(r, played_at=adapt(r.played_at)))]
        statements.append((f"{insert} VALUES {', '.join([row] * len(chunk))} {tail}", params))
    return statements


def _batch_values(batch: BatchValues, *, received_at) -> tuple:
    """In BATCH_FIELDS order, `received_at` as the backend binds it."""
    return (batch.user_id, received_at, batch.private, batch.country, batch.product)


def _event_values(row: EventRow, *, played_at) -> tuple:
    return (
        row.event_id,
        row.type,
        row.track_id,
        row.ms_played,
        row.context_uri,
        row.device_id,
        played_at,
        row.offline,
        row.is_stream,
    )
