"""Which genres sit next to which: where the exploration share comes from.

A listener's exploration slot should bring something new but near (ambient to downtempo, not to
gabber). Two genres are neighbours when their tracks sound alike: each genre's centre is the mean of
its tracks' audio-feature vectors (the feature index), and a genre's neighbours are the nearest
centres by cosine, the nearest third of the other genres (at least one, at most five:
`apps.recommendations.ml.content.genre_neighbours`, which the offline evaluation shares).
Sound is what the platform knows of every track, played or not; what listeners play together is
already what the candidates are drawn by.

The map is made per process from the table of track facts and the feature index, the first time it
is asked for after either was rebuilt (a few vectorised passes: ~10 ms for 100,000 tracks).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from apps.catalog.features import FeatureIndex, feature_index
from apps.catalog.track_facts import FactsTable, facts_table
from apps.recommendations.ml import content


@dataclass(frozen=True)
class _Map:
    table: FactsTable
    index: FeatureIndex
    neighbours: dict[int, frozenset[int]]  # genre -> its neighbours; genres with no sound known are absent


_lock = threading.Lock()
_current: _Map | None = None


def genre_neighbours(genre_ids) -> frozenset[int] | None:
    """The neighbours of any of `genre_ids`, those left out; None when none of them has a sound
    known (no track of theirs analysed), so that the caller cannot tell near from far."""
    neighbours = _neighbour_map()
    known = [neighbours[genre] for genre in genre_ids if genre in neighbours]
    if not known:
        return None
    return frozenset().union(*known) - frozenset(genre_ids)


def _neighbour_map() -> dict[int, frozenset[int]]:
    global _current
    table, index = facts_table(), feature_index()
    current = _current
    if current is None or current.table is not table or current.index is not index:
        with _lock:  # one build per new table or index: the threads that waited take its map
            current = _current
            if current is None or current.table is not table or current.index is not index:
                _current = current = _Map(table, index, _build(table, index))
    return current.neighbours


def _build(table: FactsTable, index: FeatureIndex) -> dict[int, frozenset[int]]:
    if not len(table) or not len(index):
        return {}
    tagged_tracks = np.repeat(table.track_ids, np.diff(table.genre_offsets))
    rows = np.searchsorted(index.track_ids, tagged_tracks).clip(0, len(index) - 1)
    sounded = index.track_ids[rows] == tagged_tracks
    return content.genre_neighbours(table.genre_ids[sounded], index.matrix[rows[sounded]])


def genre_neighbours_forget() -> None:
    """Forget the map (tests)."""
    global _current
    with _lock:
        _current = None
