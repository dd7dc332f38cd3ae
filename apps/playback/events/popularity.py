"""The popularity refresh: streams of the last 28 days per track, from play events, handed to the
catalog (apps.catalog.services.popularity), which scales them and updates search ranking. Run
hourly by Celery beat (`playback.refresh_popularity`) and on demand."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from apps.catalog.services.popularity import popularity_apply
from apps.playback.models import PlayEvent

WINDOW = timedelta(days=28)


def popularity_refresh() -> int:
    since = timezone.now() - WINDOW
    counts = (
        PlayEvent.objects.filter(is_stream=True, played_at__gte=since)
        .values("track_id")
        .annotate(streams=Count("id"))
        .order_by()
    )
    return popularity_apply(streams_by_track={row["track_id"]: row["streams"] for row in counts})
