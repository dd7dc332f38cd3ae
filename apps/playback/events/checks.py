"""Checking play events one by one, before anything touches the database.

Plain Python over the parsed JSON, not a model `full_clean()` per event: this runs for every event
every listener reports. A bad event raises `EventRejected` with the reason the client is told.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings

from apps.common.errors import ApplicationError
from apps.common.ids import is_public_id
from apps.common.uris import ParsedUri, parse_uri
from apps.playback.models import CONTEXT_URI_MAX, DEVICE_ID_MAX, EVENT_ID_PATTERN, PlayEventType

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MS = timedelta(milliseconds=1)
TIMESTAMP_TEXT_MAX = 40  # "2025-01-31T23:59:59.123456+05:30" is 32
EVENT_ID_RE = re.compile(EVENT_ID_PATTERN)
EVENT_TYPES = frozenset(PlayEventType.values)
CONTEXT_TYPES = ("album", "artist", "playlist", "track")


class EventRejected(Exception):
    """One event is refused; the rest of its batch goes on."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def invalid(message: str) -> EventRejected:
    return EventRejected("INVALID_EVENT", message)


# --- Conversions, shared with the read side -----------------------------------------------


def datetime_from_ms(value: int) -> datetime:
    # timedelta arithmetic, not fromtimestamp(ms / 1000): a float cannot hold every millisecond.
    return EPOCH + value * ONE_MS


def ms_from_datetime(value: datetime) -> int:
    return (value - EPOCH) // ONE_MS


def parse_context_uri(value: str) -> ParsedUri:
    """A play's context: an album, artist, playlist or track URI, or a user's saved tracks as
    Spotify's clients name them, `spotify:user:<id>:collection` (type `collection`)."""
    parts = value.split(":")
    if len(parts) == 4 and parts[0] in settings.URI_SCHEMES_ACCEPTED and parts[1:4:2] == ["user", "collection"]:
        if is_public_id(parts[2]):
            return ParsedUri(type="collection", id=parts[2])
    return parse_uri(value, expected=CONTEXT_TYPES)


def batch_check_size(events: Any) -> list:
    maximum = settings.PLAY_EVENTS_MAX_BATCH
    if not isinstance(events, list):
        raise ApplicationError('events must be a JSON array: {"events": [...]}.')
    if not 1 <= len(events) <= maximum:
        raise ApplicationError(f"A batch carries between 1 and {maximum} events; this one has {len(events)}.")
    return events


# --- Checking one event -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckedEvent:
    """An event whose fields are well formed; its track is not looked up yet."""

    index: int
    event_id: str
    type: str
    track_public_id: str
    ms_played: int
    played_at: datetime
    context_uri: str
    device_id: str
    offline: bool


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The client timestamps accepted now, in epoch milliseconds."""

    oldest_ms: int
    newest_ms: int

    @classmethod
    def around(cls, now: datetime) -> TimeWindow:
        oldest = now - timedelta(days=settings.PLAY_EVENT_MAX_AGE_DAYS)
        newest = now + timedelta(seconds=settings.PLAY_EVENT_FUTURE_SKEW_SECONDS)
        return cls(oldest_ms=ms_from_datetime(oldest), newest_ms=ms_from_datetime(newest))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # JSON true is not a number


def _event_id(raw: dict) -> str:
    value = raw.get("id")
    if not isinstance(value, str) or not EVENT_ID_RE.match(value):
        raise invalid("id must be 1 to 64 characters of A-Z a-z 0-9 _ . : -")
    return value


def _type(raw: dict) -> str:
    value = raw.get("type")
    if value not in EVENT_TYPES:
        raise invalid(f"type must be one of {', '.join(PlayEventType.values)}.")
    return value


def _track_public_id(raw: dict) -> str:
    value = raw.get("track")
    if isinstance(value, str):
        if is_public_id(value):
            return value
        try:
            return parse_uri(value, expected=("track",)).id
        except ApplicationError:
            pass
    raise invalid("track must be a track URI (spotify:track:<id>) or a 22-character base62 track id.")


def _ms_played(raw: dict) -> int:
    value = raw.get("ms_played")
    if not _is_int(value) or value < 0:
        raise invalid("ms_played must be a non-negative integer (milliseconds).")
    return value


def _played_at(raw: dict, window: TimeWindow) -> datetime:
    """The client's `timestamp`: epoch milliseconds, or ISO 8601 with a UTC offset; kept to the
    millisecond, the precision recently-played cursors have."""
    value = raw.get("timestamp")
    if _is_int(value):
        ms = value
    elif isinstance(value, str) and len(value) <= TIMESTAMP_TEXT_MAX:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise invalid("timestamp is not an ISO 8601 date and time.") from None
        if parsed.tzinfo is None:
            raise invalid("timestamp needs a UTC offset (Z or +hh:mm): a local time names no instant.")
        ms = ms_from_datetime(parsed)
    else:
        raise invalid("timestamp must be epoch milliseconds (integer) or an ISO 8601 string.")
    # Compared as integers first, so an absurd number never reaches datetime arithmetic.
    if ms > window.newest_ms:
        raise EventRejected("TIMESTAMP_IN_FUTURE", "timestamp is in the future (check the device's clock).")
    if ms < window.oldest_ms:
        raise EventRejected(
            "TIMESTAMP_TOO_OLD", f"timestamp is older than {settings.PLAY_EVENT_MAX_AGE_DAYS} days: no longer accepted."
        )
    return datetime_from_ms(ms)


def _context_uri(raw: dict) -> str:
    value = raw.get("context_uri")
    if value is None or value == "":
        return ""
    # isprintable(): the id check (apps.common.ids) lets a final newline through.
    if isinstance(value, str) and len(value) <= CONTEXT_URI_MAX and value.isprintable():
        try:
            parse_context_uri(value)
            return value
        except ApplicationError:
            pass
    raise invalid("context_uri must be an album, artist, playlist, track or collection URI.")


def _device_id(raw: dict) -> str:
    value = raw.get("device_id")
    if value is None:
        return ""
    # Printable only: PostgreSQL refuses NUL in text, and control characters have no business here.
    if not isinstance(value, str) or len(value) > DEVICE_ID_MAX or not value.isprintable():
        raise invalid(f"device_id must be a string of at most {DEVICE_ID_MAX} printable characters.")
    return value


def _offline(raw: dict) -> bool:
    value = raw.get("offline", False)
    if not isinstance(value, bool):
        raise invalid("offline must be true or false.")
    return value


def event_check(*, index: int, raw: Any, window: TimeWindow) -> CheckedEvent:
    """The fields of one event, checked in the order a client most needs to hear about. Keys we do
    not know are ignored, so that a newer client can report more than this server stores."""
    if not isinstance(raw, dict):
        raise invalid("An event must be a JSON object.")
    return CheckedEvent(
        index=index,
        event_id=_event_id(raw),
        type=_type(raw),
        track_public_id=_track_public_id(raw),
        ms_played=_ms_played(raw),
        played_at=_played_at(raw, window),
        context_uri=_context_uri(raw),
        device_id=_device_id(raw),
        offline=_offline(raw),
    )


def echoed_id(raw: Any) -> str | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) and EVENT_ID_RE.match(value) else None
