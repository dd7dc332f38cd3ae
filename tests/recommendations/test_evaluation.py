"""`manage.py evaluate_recommendations`: the metrics on hand-computed lists, the generator's planted
structure, the hold-out, and a small end-to-end run in which the models must beat their baselines
(these fail when a model breaks, which is the point)."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from apps.recommendations.evaluation import metrics
from apps.recommendations.evaluation.dataset import DatasetSpec, generate
from apps.recommendations.evaluation.holdout import split
from apps.recommendations.evaluation.runner import evaluate

SMALL = DatasetSpec(users=400, tracks=2_000, seed=7)


@pytest.fixture(scope="module")
def dataset():
    return generate(SMALL)


@pytest.fixture(scope="module")
def report():
    return evaluate(SMALL, holdout=10)


# Metrics, on lists worked out by hand.

TEN = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


def test_it_counts_precision_over_k_even_for_a_short_list():
    assert metrics.precision_at_k(TEN, {2, 5, 11}, 10) == 0.2
    assert metrics.precision_at_k([2, 5], {2, 5, 11}, 10) == 0.2
    assert metrics.precision_at_k(TEN, {2, 5, 11}, 5) == 0.4


def test_it_counts_recall_over_the_relevant_tracks():
    assert metrics.recall_at_k(TEN, {2, 5, 11}, 10) == pytest.approx(2 / 3)
    assert metrics.recall_at_k(TEN, {2, 5, 11}, 3) == pytest.approx(1 / 3)
    assert metrics.recall_at_k(TEN, set(), 10) == 0.0


def test_it_discounts_gains_by_position_in_ndcg():
    # Hits at positions 2 and 5; three relevant tracks, so the ideal list has hits at 1, 2 and 3.
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert dcg / ideal == pytest.approx(0.4776237)
    assert metrics.ndcg_at_k(TEN, {2, 5, 11}, 10) == pytest.approx(0.4776237)
    assert metrics.ndcg_at_k([11, 2, 5], {2, 5, 11}, 10) == pytest.approx(1.0)
    assert metrics.ndcg_at_k(TEN, {11}, 10) == 0.0
    assert metrics.ndcg_at_k(TEN, set(), 10) == 0.0


def test_it_caps_the_ideal_list_at_k_in_ndcg():
    # Twelve relevant tracks, all ten slots hit: a perfect list at k = 10.
    assert metrics.ndcg_at_k(TEN, set(range(1, 13)), 10) == pytest.approx(1.0)


def test_it_measures_coverage_as_the_share_of_the_catalog_ever_shown():
    assert metrics.catalog_coverage([[0, 1, 7], [1, 2]], 10, 10) == pytest.approx(0.4)
    assert metrics.catalog_coverage([[0, 1, 7], [1, 2]], 10, 2) == pytest.approx(0.3)


def test_it_measures_diversity_as_the_mean_pairwise_cosine_distance():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [math.sqrt(0.5), math.sqrt(0.5)]])
    # Pairs: (0, 1) at distance 1, (0, 2) and (1, 2) at 1 - 1/sqrt(2) each.
    assert metrics.intra_list_diversity([0, 1, 2], vectors, 10) == pytest.approx((3 - math.sqrt(2)) / 3)
    assert metrics.intra_list_diversity([0, 0], vectors, 10) == pytest.approx(0.0)
    assert metrics.intra_list_diversity([2], vectors, 10) == 0.0


# The generator.


def test_it_generates_the_same_dataset_from_the_same_seed(dataset):
    again = generate(SMALL)
    for field in ("user", "track", "time", "streamed", "saved"):
        assert np.array_equal(getattr(dataset.plays, field), getattr(again.plays, field))
    assert np.array_equal(dataset.catalog.vectors, again.catalog.vectors)
    other = generate(DatasetSpec(users=400, tracks=2_000, seed=8))
    assert not np.array_equal(dataset.catalog.vectors, other.catalog.vectors)


def test_it_plants_genre_tastes_in_the_plays(dataset):
    plays, catalog = dataset.plays, dataset.catalog
    in_taste = (dataset.taste_genres[plays.user] == catalog.genre[plays.track][:, None]).any(axis=1)
    assert in_taste.mean() > 0.8
    assert (~plays.streamed[in_taste]).mean() < 0.2  # inside the tastes: mostly streams
    assert (~plays.streamed[~in_taste]).mean() > 0.6  # outside: mostly early skips


def test_it_gives_tracks_an_audio_vector_near_their_genre(dataset):
    catalog = dataset.catalog
    assert np.allclose(np.linalg.norm(catalog.vectors, axis=1), 1.0, atol=1e-5)
    centroids = np.array([catalog.vectors[catalog.genre == g].mean(axis=0) for g in range(SMALL.genres)])
    nearest = np.argmax(catalog.vectors @ centroids.T, axis=1)
    assert (nearest == catalog.genre).mean() > 0.9


def test_it_follows_zipf_popularity_within_a_genre(dataset):
    plays, catalog = dataset.plays, dataset.catalog
    counts = np.bincount(plays.track, minlength=catalog.size)
    established = ~catalog.is_new
    assert (
        counts[established & (catalog.appeal == 1.0)].mean() > 10 * counts[established & (catalog.appeal < 0.02)].mean()
    )


def test_it_plays_new_tracks_only_after_their_release(dataset):
    catalog = dataset.catalog
    assert catalog.is_new.mean() == pytest.approx(SMALL.new_share)
    new_plays = catalog.is_new[dataset.plays.track]
    assert new_plays.any()
    assert (dataset.plays.time[new_plays] >= SMALL.release_time).all()


def test_it_holds_out_the_last_streams_and_every_new_track(dataset):
    plays, catalog = dataset.plays, dataset.catalog
    data = split(dataset, holdout=10)
    assert not catalog.is_new[data.train.track].any()
    assert len(data.relevant) > 0.9 * SMALL.users
    for user, tracks in list(data.relevant.items())[:50]:
        streams = plays.track[(plays.user == user) & plays.streamed & ~catalog.is_new[plays.track]]
        held = min(10, len(streams) // 2)
        assert set(tracks.tolist()) <= set(streams[-held:].tolist())
        assert set(tracks.tolist()).isdisjoint(data.train.history_of(user)[0].tolist())
        assert ((data.train.user == user) & data.train.streamed).sum() == len(streams) - held
    assert data.relevant_new
    for user, tracks in data.relevant_new.items():
        new_streams = (plays.user == user) & plays.streamed & catalog.is_new[plays.track]
        assert set(tracks.tolist()) == set(plays.track[new_streams].tolist())


# End to end.


def test_it_beats_popularity_with_the_hybrid(report):
    hybrid, popularity = report.result("hybrid").established, report.result("popularity").established
    assert hybrid.ndcg > popularity.ndcg
    assert report.hybrid_over_popularity >= 2


def test_it_beats_random_with_content_on_new_tracks(report):
    content, random = report.result("content").new_tracks, report.result("random").new_tracks
    assert content.listeners > 0
    assert content.ndcg > random.ndcg
    assert content.recall > random.recall
    assert report.content_over_random_on_new >= 3


def test_it_ranks_every_listener_with_every_model(report):
    assert [result.name for result in report.results] == ["hybrid", "ALS", "content", "popularity", "random"]
    for result in report.results:
        assert result.established.listeners == report.results[0].established.listeners
        assert 0 < result.established.coverage <= 1


def test_it_prints_the_table_and_the_goals():
    out = io.StringIO()
    call_command("evaluate_recommendations", users=100, tracks=400, seed=3, holdout=5, stdout=out)
    printed = out.getvalue()
    assert "precision" in printed and "NDCG" in printed and "diversity" in printed
    for name in ("hybrid", "ALS", "content", "popularity", "random"):
        assert f"\n{name} " in printed
    assert "hybrid NDCG@10 / popularity NDCG@10 = " in printed
    assert "new tracks: content NDCG@10 / random NDCG@10 = " in printed


def test_it_refuses_options_out_of_range():
    with pytest.raises(CommandError):
        call_command("evaluate_recommendations", users=5, stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("evaluate_recommendations", tracks=50, stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("evaluate_recommendations", holdout=0, stdout=io.StringIO())
