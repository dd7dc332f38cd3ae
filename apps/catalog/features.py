"""Similar tracks by sound: cosine similarity of the audio-feature vectors measured at ingest.

`feature_index()` holds every ready track's vector as one float32 matrix, rows L2-normalised, so a
query is one matrix-vector product and a partial sort (1,000,000 tracks x 15 components: 60 MB
and ~15 ms here; building it reads every row once). It is built once per process and rebuilt
lazily when the features change: every save or delete of an
`AudioFeatures` row bumps `catalog:features:version` in the shared cache after its transaction
commits, and a process looks at that key at most every VERSION_CHECK_SECONDS, so a hot path does
not ask the cache on every call. In the embedded mode the cache is per process and a worker's bump
never reaches a web process; an index older than INDEX_MAX_AGE_SECONDS is rebuilt regardless,
which bounds staleness there.

The index knows nothing of markets or takedowns: callers filter what they recommend through the
availability read model, as for any other list of tracks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from apps.catalog.availability import Listener, Restriction, restrictions_for_ready
from apps.catalog.media.features import ANALYSER_VERSION, VECTOR_COMPONENTS
from apps.catalog.models import AudioFeatures, IngestState, Track
from apps.common.topk import top_indices

VERSION_KEY = "catalog:features:version"
VERSION_CHECK_SECONDS = 5.0
INDEX_MAX_AGE_SECONDS = 600.0
DIMENSIONS = len(VECTOR_COMPONENTS)


@dataclass(frozen=True)
class FeatureIndex:
    track_ids: np.ndarray  # int64, ascending
    matrix: np.ndarray  # float32, one L2-normalised row per track id

    def __len__(self) -> int:
        return len(self.track_ids)

    def rows_of(self, track_ids: Iterable[int]) -> np.ndarray:
        """Row numbers of the given tracks that are in the index (unknown ids are skipped)."""
        wanted = np.fromiter(track_ids, dtype=np.int64)
        if not len(self.track_ids) or not len(wanted):
            return np.empty(0, dtype=np.int64)
        positions = np.searchsorted(self.track_ids, wanted).clip(0, len(self.track_ids) - 1)
        return positions[self.track_ids[positions] == wanted]

    def similar(self, vector, *, limit: int, exclude: Iterable[int] = ()) -> list[tuple[int, float]]:
        """(track id, cosine similarity), best first: the `limit` tracks nearest `vector`, leaving
        out `exclude`. A zero vector is near nothing: no results."""
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != DIMENSIONS:
            raise ValueError(f"a feature vector has {DIMENSIONS} components, not {query.shape[0]}")
        norm = float(np.linalg.norm(query))
        if limit <= 0 or norm == 0 or not len(self.track_ids):
            return []
        scores = self.matrix @ (query / norm)
        excluded = self.rows_of(exclude)
        scores[excluded] = -np.inf
        take = min(limit, len(scores) - len(np.unique(excluded)))
        if take <= 0:
            return []
        best = top_indices(scores, take)
        # Ties broken by track id, so equal vectors come back in a stable order.
        best = best[np.lexsort((self.track_ids[best], -scores[best]))]
        return [(int(self.track_ids[row]), float(scores[row])) for row in best]

    def similar_to_tracks(
        self, track_ids: Iterable[int], *, limit: int, exclude: Iterable[int] = ()
    ) -> list[tuple[int, float]]:
        """The tracks nearest the mean of the given tracks' vectors (those in the index; none of
        them in the index: no results). The given tracks themselves are never in the answer."""
        seeds = list(track_ids)
        rows = self.rows_of(seeds)
        if not len(rows):
            return []
        return self.similar(self.matrix[rows].mean(axis=0), limit=limit, exclude=[*seeds, *exclude])


EMPTY = FeatureIndex(track_ids=np.empty(0, dtype=np.int64), matrix=np.empty((0, DIMENSIONS), dtype=np.float32))


def _normalised_rows(vectors: list[list[float]]) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32).reshape(-1, DIMENSIONS)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def build_feature_index() -> FeatureIndex:
    """Every ready track with a vector of the current shape (a row from an analyser with another
    set of components waits for its re-analysis)."""
    rows = (
        AudioFeatures.objects.filter(track__ingest_state=IngestState.READY)
        .order_by("track_id")
        .values_list("track_id", "vector")
    )
    ids, vectors = [], []
    for track_id, vector in rows.iterator(chunk_size=10_000):
        if isinstance(vector, list) and len(vector) == DIMENSIONS:
            ids.append(track_id)
            vectors.append(vector)
    if not ids:
        return EMPTY
    return FeatureIndex(track_ids=np.asarray(ids, dtype=np.int64), matrix=_normalised_rows(vectors))


def features_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # From the clock, not 0, for the reason `catalog_version` gives: after a flush, a counter
        # restarted at 0 could meet a version an index was already built for.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def bump_features_version() -> None:
    """After the surrounding transaction commits: an index built in between reads the old rows."""

    def bump() -> None:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no key yet: no index was built under any version
            features_version()

    transaction.on_commit(bump, robust=True)


def features_changed(sender, **kwargs) -> None:
    """Receiver for AudioFeatures saves and deletes (connected in CatalogConfig.ready)."""
    bump_features_version()


class _Cached:
    """The process's index, the version it was built for, and when that version was last checked."""

    lock = threading.Lock()
    index: FeatureIndex | None = None
    version: int | None = None
    built_at = 0.0
    checked_at = 0.0


def feature_index() -> FeatureIndex:
    """The process's index, rebuilt when the features changed (see the module docstring)."""
    now = time.monotonic()
    cached = _Cached
    if cached.index is not None and now - cached.checked_at < VERSION_CHECK_SECONDS:
        return cached.index
    with cached.lock:  # one rebuild at a time; the others wait and take its result
        version = features_version()
        stale = cached.index is None or version != cached.version or now - cached.built_at > INDEX_MAX_AGE_SECONDS
        if stale:
            cached.index, cached.version, cached.built_at = build_feature_index(), version, now
        cached.checked_at = now
        return cached.index


def feature_index_clear() -> None:
    """Forget the process's index (tests, and after a bulk change made without signals)."""
    with _Cached.lock:
        _Cached.index, _Cached.version, _Cached.checked_at = None, None, 0.0


def feature_vectors(track_ids: Iterable[int]) -> dict[int, np.ndarray]:
    """track id -> its stored vector (float32), for the given tracks that have one of the current
    shape, whatever their state (one query; the caller decides what may be shown)."""
    ids = list(track_ids)
    if not ids:
        return {}
    rows = AudioFeatures.objects.filter(track_id__in=ids).values_list("track_id", "vector")
    return {
        track_id: np.asarray(vector, dtype=np.float32)
        for track_id, vector in rows
        if isinstance(vector, list) and len(vector) == DIMENSIONS
    }


def tracks_needing_analysis(*, missing_only: bool = False):
    """Ids of ready tracks (with a stored master) that have no features, or, unless
    `missing_only`, features from an analyser older than the current one."""
    needed = Q(audio_features__isnull=True)
    if not missing_only:
        needed |= Q(audio_features__analyser_version__lt=ANALYSER_VERSION)
    return Track.objects.ready().exclude(master_key="").filter(needed).order_by("pk").values_list("pk", flat=True)


def audio_features_visible(public_ids: list[str], *, country: str) -> dict[str, tuple[Track, AudioFeatures | None]]:
    """public id -> (track, its features or None while analysis has not run) for the ids that name
    a ready track not taken down in `country` or worldwide. Two queries."""
    tracks = list(Track.objects.ready().filter(public_id__in=public_ids).select_related("audio_features"))
    restrictions = restrictions_for_ready([track.pk for track in tracks], Listener(country=country))
    return {
        track.public_id: (track, getattr(track, "audio_features", None))
        for track in tracks
        if restrictions[track.pk] != Restriction.TAKEDOWN
    }
