"""Celery entry points. They take ids and call one service."""

from __future__ import annotations

import logging

from celery import shared_task

from apps.catalog.services.ingest import track_analyse, track_ingest, track_mark_failed
from apps.catalog.storage import storage_delete_prefix

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


@shared_task(name="catalog.ingest_track", bind=True, max_retries=MAX_RETRIES, acks_late=True)
def ingest_track(self, track_id: int) -> None:
    try:
        track_ingest(track_id=track_id)
    except Exception as exc:
        # Bad input never gets here (the service records it); this is storage or database trouble.
        if self.request.retries >= MAX_RETRIES:
            logger.exception("ingest of track %s failed after %s retries", track_id, MAX_RETRIES)
            track_mark_failed(track_id=track_id, reason="Processing failed on our side; staff can re-run it.")
            return
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc


@shared_task(name="catalog.retire_ladder", acks_late=True)
def retire_ladder(prefix: str) -> None:
    """Delete a replaced ladder (scheduled by the publish that replaced it)."""
    from apps.catalog.models import Track

    if Track.objects.filter(hls_prefix=prefix).exists():
        return  # published again in the meantime (never expected, but never delete a live ladder)
    storage_delete_prefix(prefix)


@shared_task(name="catalog.analyse_track", bind=True, max_retries=MAX_RETRIES, acks_late=True)
def analyse_track(self, track_id: int) -> None:
    """Measure a ready track's audio features (the backfill; ingest measures them itself). Audio
    that cannot be analysed is logged by the service, not retried; this retries storage or
    database trouble."""
    try:
        track_analyse(track_id=track_id)
    except Exception as exc:
        if self.request.retries >= MAX_RETRIES:
            logger.exception("audio analysis of track %s failed after %s retries", track_id, MAX_RETRIES)
            return
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
