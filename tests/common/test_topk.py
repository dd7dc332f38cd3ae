"""top_indices: the k largest scores, exactly, whatever the sample that chose the threshold."""

from __future__ import annotations

import numpy as np
import pytest

from apps.common.topk import SAMPLE, top_indices


def largest(scores: np.ndarray, k: int) -> np.ndarray:
    """The k-th largest value and above, by a full sort: what any right answer holds."""
    return np.sort(scores[np.isfinite(scores) | np.isinf(scores)])[::-1][:k]


@pytest.mark.parametrize("size", [5, 1_000, SAMPLE * 2 + 7, 100_000])
@pytest.mark.parametrize("k", [1, 20, 200])
def test_the_values_chosen_are_the_k_largest(size, k):
    rng = np.random.default_rng(size * 1000 + k)
    for scores in (
        rng.normal(size=size).astype(np.float32),
        np.sort(rng.normal(size=size)),  # ordered input: the strided sample is of one end
        rng.integers(0, 5, size=size).astype(np.float64),  # many ties at the threshold
    ):
        chosen = top_indices(scores, k)
        assert len(chosen) == min(k, size) and len(set(chosen.tolist())) == len(chosen)
        assert np.array_equal(np.sort(scores[chosen])[::-1], largest(scores, k))


def test_excluded_rows_at_minus_infinity_come_last():
    scores = np.random.default_rng(3).random(50_000)
    scores[::3] = -np.inf
    chosen = top_indices(scores, 100)
    assert np.isfinite(scores[chosen]).all()
    assert np.array_equal(np.sort(scores[chosen])[::-1], largest(scores, 100))


def test_a_sample_that_sets_the_threshold_too_high_falls_back_to_the_whole_array():
    size, k = 100_000, 200
    step = size // SAMPLE
    scores = np.zeros(size)
    sampled = np.arange(0, size, step)
    rank = int(2.0 * k * len(sampled) / size)
    scores[sampled[: rank + 1]] = 10.0  # the sample's threshold: 10, which fewer than k pass
    chosen = top_indices(scores, k)
    assert len(chosen) == k
    assert set(sampled[: rank + 1].tolist()) <= set(chosen.tolist())


def test_no_more_than_there_are_and_nothing_for_k_zero():
    scores = np.arange(10.0)
    assert sorted(top_indices(scores, 50).tolist()) == list(range(10))
    assert top_indices(scores, 0).size == 0
