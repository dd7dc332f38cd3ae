"""Celery entry points. They take ids and call one service."""

from __future__ import annotations

import logging

from celery import shared_task

from apps.catalog.services.ingest import track_ingest, track_mark_failed

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
