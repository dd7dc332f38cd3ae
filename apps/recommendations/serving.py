"""The collaborative model as web and worker processes use it: loaded lazily from storage on
first use, kept in memory, and swapped when a newer version is published (looked up at most every
CHECK_SECONDS). A missing or corrupt file is logged and served as "no model": every product then
falls back to content and popularity, never to an error."""

from __future__ import annotations

import io
import logging
import threading
import time
from dataclasses import dataclass

import numpy as np
from django.core.files.storage import default_storage

from apps.recommendations.ml import als
from apps.recommendations.models import TrainedModel

logger = logging.getLogger(__name__)

CHECK_SECONDS = 30.0


@dataclass(frozen=True)
class LoadedModel:
    version: int
    user_ids: np.ndarray  # sorted database ids; row i of the factors is user_ids[i]
    track_ids: np.ndarray  # sorted
    users: np.ndarray
    items: np.ndarray
    gram: np.ndarray  # YᵀY, for fold-in
    regularization: float

    def track_rows(self, track_ids) -> tuple[np.ndarray, np.ndarray]:
        """(rows, mask): the factor row of each given track id and whether the model knows it."""
        ids = np.asarray(list(track_ids), dtype=np.int64)
        rows = np.searchsorted(self.track_ids, ids).clip(0, max(len(self.track_ids) - 1, 0))
        known = self.track_ids[rows] == ids if len(self.track_ids) else np.zeros(len(ids), dtype=bool)
        return rows, known

    def user_vector(self, track_ids, confidences) -> np.ndarray:
        """A listener's factors folded in from their current history (ids, signed confidences)."""
        rows, known = self.track_rows(track_ids)
        return als.fold_in(self.items, self.gram, rows[known], np.asarray(confidences)[known], self.regularization)


_lock = threading.Lock()
_state: dict = {"model": None, "version": None, "checked": 0.0}


def current_model() -> LoadedModel | None:
    now = time.monotonic()
    if now - _state["checked"] < CHECK_SECONDS:
        return _state["model"]
    with _lock:
        if now - _state["checked"] < CHECK_SECONDS:
            return _state["model"]
        latest = TrainedModel.objects.filter(ready=True).values_list("version", "storage_key").first()
        if latest is None:
            _state.update(model=None, version=None)
        elif latest[0] != _state["version"]:
            _state.update(model=_load(*latest), version=latest[0])
        _state["checked"] = now
    return _state["model"]


def forget_loaded_model() -> None:
    """Look again on the next use (after training in the same process, and in tests)."""
    with _lock:
        _state.update(model=None, version=None, checked=0.0)


def _load(version: int, key: str) -> LoadedModel | None:
    try:
        with default_storage.open(key, "rb") as handle:
            data = np.load(io.BytesIO(handle.read()), allow_pickle=False)
            items = np.ascontiguousarray(data["item_factors"], dtype=np.float32)
            model = LoadedModel(
                version=version,
                user_ids=data["user_ids"],
                track_ids=data["track_ids"],
                users=np.ascontiguousarray(data["user_factors"], dtype=np.float32),
                items=items,
                gram=items.T.astype(np.float64) @ items.astype(np.float64),
                regularization=float(data["regularization"]),
            )
        if model.items.shape[0] != len(model.track_ids) or model.users.shape[0] != len(model.user_ids):
            raise ValueError("factor shapes do not match the id lists")
        return model
    except Exception:  # noqa: BLE001 — any failure to read a model means serving without it
        logger.exception("recommendations: model v%s at %s could not be loaded; serving without it", version, key)
        return None
