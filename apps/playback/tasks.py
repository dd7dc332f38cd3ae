from __future__ import annotations

from celery import shared_task

from apps.playback.events.popularity import popularity_refresh


@shared_task(name="playback.refresh_popularity", acks_late=True)
def refresh_popularity() -> int:
    return popularity_refresh()
