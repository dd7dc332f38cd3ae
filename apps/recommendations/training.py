"""Training the collaborative model and publishing it: the factors go to storage as one `.npz`
(through Django's storage backend, so S3 in the services mode), then a `TrainedModel` row marks
the version ready; web and worker processes load the newest ready version lazily
(apps.recommendations.serving). Run by Celery beat on a schedule and on demand
(`manage.py train_recommendations`)."""

from __future__ import annotations

import io
import logging
import time

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.recommendations.ml import als
from apps.recommendations.models import TrainedModel
from apps.recommendations.signals import absorb_play_events, strengths

logger = logging.getLogger(__name__)

STORAGE_PREFIX = "recommendations/models"
KEEP_VERSIONS = 3  # older files are deleted; a process still serving one keeps it in memory


def train_and_publish(*, factors: int = als.FACTORS, iterations: int = als.ITERATIONS) -> TrainedModel | None:
    """Absorb pending plays, fit on every (listener, track) strength, store, publish. None when
    there is nothing to learn from yet (no listener has played anything)."""
    absorb_play_events()
    pairs = strengths()
    if not pairs:
        logger.info("recommendations: nothing to train on yet")
        return None
    user_ids = np.array(sorted({user for user, _ in pairs}), dtype=np.int64)
    track_ids = np.array(sorted({track for _, track in pairs}), dtype=np.int64)
    keys = np.fromiter((user for user, _ in pairs), dtype=np.int64, count=len(pairs))
    items = np.fromiter((track for _, track in pairs), dtype=np.int64, count=len(pairs))
    values = np.fromiter(pairs.values(), dtype=np.float32, count=len(pairs))
    matrix = als.confidence_matrix(
        np.searchsorted(user_ids, keys), np.searchsorted(track_ids, items), values, (len(user_ids), len(track_ids))
    )
    started = time.perf_counter()
    fitted = als.train(matrix, factors=factors, iterations=iterations)
    seconds = time.perf_counter() - started

    buffer = io.BytesIO()
    np.savez(
        buffer,
        user_ids=user_ids,
        track_ids=track_ids,
        user_factors=fitted.users,
        item_factors=fitted.items,
        regularization=np.float32(fitted.regularization),
    )
    stamp = timezone.now()
    # The row first, for its version number: the file is named after it (never reused, unlike a
    # name freed when an old version is deleted), and it is served only once the file is stored.
    model = TrainedModel.objects.create(
        storage_key="",
        trained_at=stamp,
        users=len(user_ids),
        tracks=len(track_ids),
        interactions=int(matrix.nnz),
        factors=factors,
        seconds=seconds,
    )
    try:
        model.storage_key = default_storage.save(
            f"{STORAGE_PREFIX}/als-v{model.version}.npz", ContentFile(buffer.getvalue())
        )
    except Exception:
        model.delete()  # no row pointing at nothing
        raise
    model.ready = True
    model.save(update_fields=["storage_key", "ready"])
    logger.info("recommendations: trained %s in %.1f s", model, seconds)
    _forget_old_versions()
    return model


def _forget_old_versions() -> None:
    for old in TrainedModel.objects.filter(ready=True)[KEEP_VERSIONS:]:
        default_storage.delete(old.storage_key)
        old.delete()
