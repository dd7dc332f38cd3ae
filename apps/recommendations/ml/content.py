"""Content-based scoring: a listener's taste as the mean of the audio-feature vectors of what
they engaged with (weighted by strength), tracks scored by cosine similarity to it. It needs no
plays of the track itself, so it is what serves new tracks and new listeners (cold start)."""

from __future__ import annotations

import numpy as np

MAX_NEIGHBOURS = 5


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


def genre_neighbours(genre_of_row: np.ndarray, vectors: np.ndarray) -> dict[int, frozenset[int]]:
    """Genre -> the genres whose tracks sound most like its own, from (genre, audio-feature vector)
    pairs, one per tagged track: the cosine of the genres' centres, the nearest third of the
    other genres (at least one, at most `MAX_NEIGHBOURS`)."""
    genres, position = np.unique(genre_of_row, return_inverse=True)
    if len(genres) < 2:
        return {int(genre): frozenset() for genre in genres}
    centres = np.zeros((len(genres), vectors.shape[1]), dtype=np.float64)
    np.add.at(centres, position, vectors)
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    similarity = centres @ centres.T
    np.fill_diagonal(similarity, -np.inf)
    count = max(1, min(MAX_NEIGHBOURS, (len(genres) - 1) // 3))
    nearest = np.argsort(-similarity, axis=1, kind="stable")[:, :count]
    return {int(genre): frozenset(int(genres[n]) for n in row) for genre, row in zip(genres, nearest, strict=True)}
