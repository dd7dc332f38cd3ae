"""Play events: what clients report about plays, stored once each, cheaply.

A client sends batches of events (`play.start`, `play.progress`, `play.end`, `skip`), each with an
id it generated, so that a batch retried after a lost answer (Spotify clients retry a POST after a
5xx) is stored once. Every event is checked on its own (`checks`): a bad one is reported back with
a reason while the rest of the batch is kept, because a client cannot repair history it recorded
offline days ago and must not lose the good events with it.

Cost is what matters here (every listener reports every play): whatever its size, a batch costs
one insert that skips the ids already stored and says which rows it wrote (`storage`), and its
tracks are read from a per-process memo (one query for the ones not in it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from apps.accounts.models import private_session_active
from apps.catalog.freshness import catalog_version
from apps.catalog.models import Track
from apps.common.memo import VersionedMemo
from apps.playback.events.checks import (
    CheckedEvent,
    EventRejected,
    TimeWindow,
    batch_check_size,
    echoed_id,
    event_check,
)
from apps.playback.events.storage import BatchValues, EventRow, insert_new
from apps.playback.models import TERMINAL_TYPES


class Rejected(TypedDict):
    index: int
    id: str | None
    reason: str
    message: str


class IngestResult(TypedDict):
    accepted: int
    duplicates: int
    rejected: list[Rejected]


MAX_MEMOISED_TRACKS = 200_000  # some 40 MB at worst; past it the memo starts over


@dataclass(frozen=True, slots=True)
class PlayableTrack:
    pk: int
    max_ms_played: int


# Ready tracks by public id, as a batch needs them. Only tracks found are kept: a track that
# becomes ready is looked up again at once (a just-uploaded song's plays must not be refused), and
# one that stops being ready or is deleted changes the catalog version, which starts a new memo.
# Should an insert still meet a deleted track (the embedded mode's per-process version lets a memo
# live CATALOG_RENDER_CACHE_SECONDS), the batch is checked again against the database.
_known_tracks = VersionedMemo(
    version=catalog_version, lifetime=lambda: settings.CATALOG_RENDER_CACHE_SECONDS, max_entries=MAX_MEMOISED_TRACKS
)


def _tracks_for(public_ids: set[str], *, fresh: bool = False) -> dict[str, PlayableTrack]:
    """The batch's tracks that exist and are ready: from memory, the others in one query."""
    if fresh:
        _known_tracks.forget()
    known = _known_tracks.entries()
    found = {public_id: track for public_id in public_ids if (track := known.get(public_id)) is not None}
    missing = public_ids.difference(found)
    if missing:
        slack = settings.PLAY_EVENT_DURATION_SLACK_MS
        # order_by(): a track's default ordering joins its album, which a lookup by id does not need.
        rows = Track.objects.ready().filter(public_id__in=missing).order_by()
        for public_id, pk, duration in rows.values_list("public_id", "pk", "duration_ms"):
            # A ready track always has its duration; should one lack it, the longest track ingest
            # accepts still bounds what a play can claim.
            found[public_id] = PlayableTrack(pk=pk, max_ms_played=(duration or settings.INGEST_MAX_DURATION_MS) + slack)
        known.update((public_id, found[public_id]) for public_id in missing if public_id in found)
    return found


# --- The service --------------------------------------------------------------------------


def play_events_ingest(*, user, country: str, product: str, events: list[dict]) -> IngestResult:
    """Store a batch of play events for `user`, once each.

    `country` and `product` are the listener's at the time of reporting (charts are per country,
    royalties per product). A malformed, oversized or empty batch raises ApplicationError and
    writes nothing; otherwise each event is accepted, a duplicate (its id already stored, or
    earlier in this batch) or rejected with a reason, and the accepted ones are written in one
    transaction.
    """
    reporter = Reporter(
        user_id=user.pk,
        country=country,
        product=product,
        private_session_until=user.private_session_until,
        share_activity=user.share_activity,
    )
    return reported_events_ingest(reporter=reporter, events=events)


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who reports a batch, with what the batch records of them: enough to store it without a
    `User` instance (the bearer-token collector, `collector.py`, reads only these columns)."""

    user_id: int
    country: str
    product: str
    private_session_until: datetime | None
    share_activity: bool

    def batch_values(self, now: datetime) -> BatchValues:
        return BatchValues(
            user_id=self.user_id,
            received_at=now,
            # Kept from followers for good: what is reported in a private session or while the
            # listener does not share their activity (sharing again later does not reveal it).
            private=private_session_active(self.private_session_until, now) or not self.share_activity,
            # str(): a profile's country is a django_countries Country, a product may be a
            # Choices member, and the insert binds plain values.
            country=str(self.country),
            product=str(self.product),
        )


def reported_events_ingest(*, reporter: Reporter, events: list[dict]) -> IngestResult:
    """`play_events_ingest` for a reporter already read."""
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

    batch = reporter.batch_values(now)
    public_ids = {event.track_public_id for event in checked}
    try:
        sorted_out = _sort_out(checked, _tracks_for(public_ids), events)
        stored = insert_new(batch, sorted_out.rows)
    except IntegrityError:
        # A memoised track was deleted since (see _known_tracks): check the batch afresh. The
        # failed statement wrote nothing.
        sorted_out = _sort_out(checked, _tracks_for(public_ids, fresh=True), events)
        stored = insert_new(batch, sorted_out.rows)

    rejected += sorted_out.rejected
    rejected.sort(key=lambda entry: entry["index"])
    duplicates = sorted_out.duplicates + len(sorted_out.rows) - len(stored)
    return {"accepted": len(stored), "duplicates": duplicates, "rejected": rejected}


@dataclass(slots=True)
class _SortedOut:
    rows: list[EventRow]  # to insert: well formed, of a known track, once per event id
    duplicates: int  # repeated within the batch
    rejected: list[Rejected]


def _sort_out(checked: list[CheckedEvent], tracks: dict[str, PlayableTrack], events: list) -> _SortedOut:
    """The well-formed events checked against their tracks."""
    result = _SortedOut(rows=[], duplicates=0, rejected=[])
    seen: set[str] = set()
    stream_min_ms = settings.STREAM_MIN_MS
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
        elif event.event_id in seen:
            result.duplicates += 1
            continue
        else:
            seen.add(event.event_id)
            result.rows.append(_row(event, track, stream_min_ms))
            continue
        result.rejected.append(_rejection(event.index, events[event.index], error))
    return result


def _row(event: CheckedEvent, track: PlayableTrack, stream_min_ms: int) -> EventRow:
    return EventRow(
        event_id=event.event_id,
        type=event.type,
        track_id=track.pk,
        ms_played=event.ms_played,
        context_uri=event.context_uri,
        device_id=event.device_id,
        played_at=event.played_at,
        offline=event.offline,
        # Only the event closing a play counts, so each play is at most one stream.
        is_stream=event.type in TERMINAL_TYPES and event.ms_played >= stream_min_ms,
    )


def _rejection(index: int, raw: Any, error: EventRejected) -> Rejected:
    return {"index": index, "id": echoed_id(raw), "reason": error.reason, "message": error.message}
