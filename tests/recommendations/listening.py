"""Listening histories for the recommender's tests, reported through the real ingest path."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from apps.accounts.models import Product
from apps.playback.events.checks import ms_from_datetime
from apps.playback.events.services import play_events_ingest
from apps.recommendations.signals import absorb_play_events

_ids = itertools.count()


def report(user, track, *, kind: str = "play.end", ms_played: int = 120_000, hours_ago: float = 30) -> None:
    """One closed play (a stream by default; `kind="skip", ms_played=5_000` is an early skip),
    `hours_ago` (default: more than a day ago, so "played in the last day" rules stay out of it)."""
    at = ms_from_datetime(timezone.now() - timedelta(hours=hours_ago))
    event = {"id": f"r{next(_ids)}", "type": kind, "track": track.public_id, "ms_played": ms_played, "timestamp": at}
    result = play_events_ingest(user=user, country=user.country.code, product=Product.FREE, events=[event])
    assert result["accepted"] == 1, result


def listen(user, tracks, *, times: int = 1, hours_ago: float = 30) -> None:
    for track in tracks:
        for _ in range(times):
            report(user, track, hours_ago=hours_ago)


def absorbed() -> int:
    return absorb_play_events()
