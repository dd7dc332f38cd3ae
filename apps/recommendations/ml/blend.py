"""The hybrid: collaborative, content and popularity scores of one candidate pool, put on one
scale and mixed.

Each signal is standardised over the pool (z-scores), so the weights mean the same whatever the
model's scale. A track the collaborative model has never seen (no plays when it was trained) has
no collaborative score: it takes its content score in that place, so a new release can compete
with established tracks on how it sounds. With little history the collaborative score is noisy,
so its weight grows with the number of tracks the listener engaged with.
"""

from __future__ import annotations

import numpy as np

CONTENT_WEIGHT = 0.35
POPULARITY_WEIGHT = 0.15
HISTORY_FOR_FULL_TRUST = 5  # engaged tracks at which collaborative filtering counts at half weight


def standardised(values: np.ndarray) -> np.ndarray:
    """z-scores over the finite entries; NaN stays NaN; a constant signal is all zeros."""
    out = np.full(values.shape, np.nan, dtype=np.float64)
    finite = np.isfinite(values)
    if finite.any():
        chosen = values[finite].astype(np.float64)
        spread = chosen.std()
        out[finite] = (chosen - chosen.mean()) / spread if spread > 0 else 0.0
    return out


def blend(
    *,
    collaborative: np.ndarray | None,
    content: np.ndarray | None,
    popularity: np.ndarray,
    history_size: int,
    trust: float | None = None,
) -> np.ndarray:
    """One score per candidate, higher is better. Any signal may be absent (None, or NaN for a
    candidate it cannot score). `trust` (0-1) overrides the history-based weight of the
    collaborative score: a list seeded by tracks the model knows trusts it fully."""
    size = len(popularity)
    content_z = standardised(content) if content is not None else np.full(size, np.nan)
    collaborative_z = standardised(collaborative) if collaborative is not None else np.full(size, np.nan)
    collaborative_z = np.where(np.isfinite(collaborative_z), collaborative_z, content_z)
    if trust is None:
        trust = history_size / (history_size + HISTORY_FOR_FULL_TRUST)
    score = POPULARITY_WEIGHT * np.nan_to_num(standardised(popularity))
    score += trust * np.nan_to_num(collaborative_z)
    score += CONTENT_WEIGHT * np.nan_to_num(content_z)
    return score
