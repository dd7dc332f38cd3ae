"""Collaborative filtering: ALS on the confidence-weighted user x track matrix (Hu, Koren and
Volinsky, "Collaborative Filtering for Implicit Feedback Datasets", 2008), trained with the
`implicit` library, and the closed-form fold-in of one listener's current history.

Each (listener, track) pair has a `strength` (apps.recommendations.signals decides it: streams,
saves and playlist adds up, early skips down). A positive strength s is preference 1 with
confidence c = 1 + ALPHA * s; a negative one is preference 0 held with confidence 1 + ALPHA * |s|
(the skip is evidence, not just absence); every other pair is preference 0 with confidence 1.
`implicit` reads exactly this from the matrix: the value is c, its sign the preference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

FACTORS = 64
ITERATIONS = 15
REGULARIZATION = 0.05
# Confidence per unit of strength. The paper's 40 suits raw play counts; on strengths (a few units
# per pair) `manage.py evaluate_recommendations` measured NDCG@10 0.1728 at 5 against 0.1560 at 20
# and 0.1385 at 40 (1 and 2 about equal to 5; 5 kept for listeners who repeat more than the
# generator's 1-3 plays).
ALPHA = 5.0


@dataclass(frozen=True)
class Factors:
    users: np.ndarray  # float32, n_users x k
    items: np.ndarray  # float32, n_items x k
    regularization: float = REGULARIZATION

    @property
    def gram(self) -> np.ndarray:
        """YᵀY, shared by every fold-in (computed once per loaded model by `with_gram`)."""
        return self.items.T @ self.items


def confidence_matrix(
    rows: np.ndarray, cols: np.ndarray, strength: np.ndarray, shape: tuple[int, int]
) -> sp.csr_matrix:
    """The signed confidence matrix `implicit` trains on (pairs are summed first, then weighted)."""
    summed = sp.csr_matrix((strength.astype(np.float32), (rows, cols)), shape=shape, dtype=np.float32)
    summed.sum_duplicates()
    summed.eliminate_zeros()
    summed.data = signed_confidence(summed.data)
    return summed


def signed_confidence(strength: np.ndarray) -> np.ndarray:
    return (np.sign(strength) * (1.0 + ALPHA * np.abs(strength))).astype(np.float32)


def train(
    confidence: sp.csr_matrix,
    *,
    factors: int = FACTORS,
    iterations: int = ITERATIONS,
    regularization: float = REGULARIZATION,
    seed: int = 0,
) -> Factors:
    """Fit on the CPU. BLAS is held to one thread while `implicit` runs its own threads over users
    (its documentation: a threaded BLAS inside threaded solvers is much slower)."""
    from implicit.cpu.als import AlternatingLeastSquares  # heavy: only workers that train load it
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=factors,
            iterations=iterations,
            regularization=regularization,
            random_state=seed,
            calculate_training_loss=False,
        )
        model.fit(confidence, show_progress=False)
    return Factors(
        users=np.ascontiguousarray(model.user_factors, dtype=np.float32),
        items=np.ascontiguousarray(model.item_factors, dtype=np.float32),
        regularization=regularization,
    )


def fold_in(
    items: np.ndarray, gram: np.ndarray, item_indexes: np.ndarray, confidence: np.ndarray, regularization: float
) -> np.ndarray:
    """A listener's factors from their history alone, the items held fixed: the ALS user step,
        x = (YᵀY + Yᵤᵀ(Cᵤ - I)Yᵤ + λI)⁻¹ Yᵤᵀ Cᵤ pᵤ
    with Yᵤ the rows of what they engaged with and `confidence` their signed c (as in the matrix).
    It is what training computes for them, so a session's plays count at once, without retraining."""
    k = items.shape[1]
    if len(item_indexes) == 0:
        return np.zeros(k, dtype=np.float32)
    rows = items[item_indexes].astype(np.float64)
    c = np.abs(confidence.astype(np.float64))
    preferred = (confidence > 0).astype(np.float64)
    a = gram + (rows.T * (c - 1.0)) @ rows + regularization * np.eye(k)
    b = rows.T @ (c * preferred)
    return np.linalg.solve(a, b).astype(np.float32)


def scores(user_vector: np.ndarray, items: np.ndarray) -> np.ndarray:
    return items @ user_vector
