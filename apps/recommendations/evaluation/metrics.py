"""Ranking metrics at a cut-off k, binary relevance (a held-out track is relevant, any other is
not). Each takes one list, best first, except coverage, which looks at all the lists at once.
The runner averages the per-list metrics over the listeners who have at least one relevant track.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import numpy as np


def precision_at_k(recommended: Sequence[int], relevant: Collection[int], k: int) -> float:
    """|top k ∩ relevant| / k (a list shorter than k is not excused: the missing slots are misses)."""
    return _hits(recommended, relevant, k) / k


def recall_at_k(recommended: Sequence[int], relevant: Collection[int], k: int) -> float:
    """|top k ∩ relevant| / |relevant|; 0 when nothing is relevant."""
    return _hits(recommended, relevant, k) / len(relevant) if relevant else 0.0


def ndcg_at_k(recommended: Sequence[int], relevant: Collection[int], k: int) -> float:
    """DCG / IDCG with DCG = Σ_{i=1..k} rel_i / log2(i + 1) over the list's positions i, and IDCG the
    DCG of a perfect list: Σ_{i=1..min(k, |relevant|)} 1 / log2(i + 1). 0 when nothing is relevant."""
    if not relevant:
        return 0.0
    gains = [1.0 / np.log2(position + 2) for position, track in enumerate(recommended[:k]) if track in relevant]
    ideal = sum(1.0 / np.log2(position + 2) for position in range(min(k, len(relevant))))
    return float(sum(gains) / ideal)


def catalog_coverage(lists: Iterable[Sequence[int]], catalog_size: int, k: int) -> float:
    """|∪ top k of every list| / catalog size: how much of the catalog anyone is ever shown."""
    shown: set[int] = set()
    for recommended in lists:
        shown.update(recommended[:k])
    return len(shown) / catalog_size


def intra_list_diversity(recommended: Sequence[int], vectors: np.ndarray, k: int) -> float:
    """Mean over the pairs i < j of the top k of (1 - cos(v_i, v_j)), with v a track's audio vector
    (rows of `vectors` are L2-normalised, so cos is the dot product); 0 for fewer than two tracks. It
    ranges over [0, 2]: unrelated sounds are near orthogonal (about 1), opposite ones above 1."""
    chosen = vectors[np.asarray(recommended[:k], dtype=np.int64)]
    count = len(chosen)
    if count < 2:
        return 0.0
    cosines = chosen @ chosen.T
    pairs = cosines[np.triu_indices(count, k=1)]
    return float(np.mean(1.0 - pairs))


def _hits(recommended: Sequence[int], relevant: Collection[int], k: int) -> int:
    return sum(1 for track in recommended[:k] if track in relevant)
