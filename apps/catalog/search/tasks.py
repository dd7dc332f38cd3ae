"""Keeping Elasticsearch current, where it is configured: the search read model is written in the
catalog's transactions (apps.catalog.search.indexing), and after each commit the ids it wrote are
queued here; the task sends those rows as they are then.

Imported at startup (by indexing), so that web processes and workers know the task; Elasticsearch
itself is imported only when the task runs, so the embedded mode never loads it.
"""

from __future__ import annotations

from collections.abc import Iterable

from celery import shared_task
from django.conf import settings
from django.db import transaction

MAX_RETRIES = 8  # with the backoff below, about 40 minutes: an engine restart or a rolling upgrade
MAX_BACKOFF_SECONDS = 600


@shared_task(name="catalog.search_sync", bind=True, max_retries=MAX_RETRIES, acks_late=True)
def search_sync(self, kind: str, object_ids: list[int]) -> None:
    # Retried by hand rather than with autoretry_for: the exception classes to name live in the
    # Elasticsearch client, which this module must not import at startup.
    from apps.catalog.search.backends import elastic

    try:
        elastic.elastic_sync(kind=kind, object_ids=object_ids)
    except Exception as exc:
        if not elastic.unavailable(exc):
            raise
        raise self.retry(exc=exc, countdown=min(MAX_BACKOFF_SECONDS, 5 * 2**self.request.retries)) from exc


def search_sync_after_commit(*, kind: str, object_ids: Iterable[int]) -> None:
    """With Elasticsearch configured, queue the sync of these documents for when the transaction
    commits (a rolled-back change is never sent). A broker outage then is logged, not raised: the
    commit stands, and `elastic_rebuild` repairs the index."""
    if settings.SEARCH_BACKEND != "elasticsearch":
        return
    ids = sorted(set(object_ids))
    if ids:
        transaction.on_commit(lambda: search_sync.delay(kind, ids), robust=True)
