"""The collaborative model's mathematics (apps.recommendations.ml.als), on the real `implicit`."""

from __future__ import annotations

import numpy as np

from apps.recommendations.ml import als


def planted(seed: int = 0):
    """Two groups of listeners, each playing (mostly) its own half of 60 tracks."""
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for user in range(80):
        half = user % 2
        for track in rng.choice(30, size=12, replace=False):
            rows.append(user)
            cols.append(track + 30 * half)
    rows, cols = np.array(rows), np.array(cols)
    return rows, cols, np.ones(len(rows), dtype=np.float32)


def test_confidence_is_signed_and_pairs_are_summed():
    matrix = als.confidence_matrix(np.array([0, 0, 1]), np.array([2, 2, 3]), np.array([1.0, 1.0, -0.5]), (2, 4))
    assert matrix[0, 2] == 1 + als.ALPHA * 2
    assert matrix[1, 3] == -(1 + als.ALPHA * 0.5)  # an early skip: preference 0, held with confidence
    assert matrix.nnz == 2


def test_training_learns_the_planted_groups():
    rows, cols, strength = planted()
    factors = als.train(als.confidence_matrix(rows, cols, strength, (80, 60)), factors=8, iterations=10)
    scores = factors.users @ factors.items.T
    own_half = np.array([scores[u, 30 * (u % 2) : 30 * (u % 2) + 30].mean() for u in range(80)])
    other_half = np.array([scores[u, 30 * (1 - u % 2) : 30 * (1 - u % 2) + 30].mean() for u in range(80)])
    assert (own_half > other_half).all()


def test_fold_in_recovers_what_training_computed_for_a_listener():
    rows, cols, strength = planted(1)
    matrix = als.confidence_matrix(rows, cols, strength, (80, 60))
    factors = als.train(matrix, factors=8, iterations=10)
    for user in (0, 1, 7):
        history = matrix.getrow(user)
        folded = als.fold_in(factors.items, factors.gram, history.indices, history.data, factors.regularization)
        assert np.corrcoef(folded, factors.users[user])[0, 1] > 0.98


def test_a_fold_in_follows_new_plays_at_once():
    rows, cols, strength = planted(2)
    factors = als.train(als.confidence_matrix(rows, cols, strength, (80, 60)), factors=8, iterations=10)
    first_half = np.arange(0, 5)
    vector = als.fold_in(
        factors.items, factors.gram, first_half, als.signed_confidence(np.ones(5)), factors.regularization
    )
    scores = als.scores(vector, factors.items)
    assert scores[:30].mean() > scores[30:].mean()  # five plays of one side: that side comes first
    assert not als.fold_in(factors.items, factors.gram, np.array([], dtype=int), np.array([]), 0.05).any()
