"""Rendering lists of catalog rows into API objects with a fixed number of queries."""

from __future__ import annotations

from apps.catalog import selectors
from apps.catalog.api.representations import track_full


def full_tracks(request, tracks, *, market: str | None = None) -> list[dict]:
    """Full track objects, in the order given, for tracks loaded `with_relations()`."""
    counts = selectors.ready_track_counts([t.album_id for t in tracks])
    return [track_full(request, t, album_total_tracks=counts.get(t.album_id, 0), market=market) for t in tracks]
