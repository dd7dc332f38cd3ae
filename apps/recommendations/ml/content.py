"""Content-based scoring: a listener's taste as the mean of the audio-feature vectors of what
they engaged with (weighted by strength), tracks scored by cosine similarity to it. It needs no
plays of the track itself, so it is what serves new tracks and new listeners (cold start)."""

from __future__ import annotations

import numpy as np


def taste_vector(vectors: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
    """The weighted mean of L2-normalised rows, normalised; None without positive weight."""
    positive = weights > 0
    if not positive.any():
        return None
    profile = (vectors[positive] * weights[positive, None]).sum(axis=0)
    norm = np.linalg.norm(profile)
    return profile / norm if norm > 0 else None


def cosine_scores(taste: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Cosine of each row with `taste` (rows and taste are already L2-normalised)."""
    return vectors @ taste


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)
