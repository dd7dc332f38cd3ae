"""The variety rules every list ends with (apps.recommendations.ml.rerank) and the hybrid's
blending (apps.recommendations.ml.blend), as pure functions."""

from __future__ import annotations

import numpy as np

from apps.recommendations.ml import blend, rerank


def test_no_artist_more_than_twice_in_any_ten():
    ranked = list(range(40))
    artist = {t: ("a" if t < 20 else f"x{t}") for t in ranked}  # the 20 best are all one artist's
    chosen = rerank.diversified(ranked, artist, limit=30)
    for start in range(len(chosen) - 9):
        window = [artist[t] for t in chosen[start : start + 10]]
        assert window.count("a") <= 2
    assert chosen[:2] == [0, 1]  # the best still lead


def test_a_list_ends_short_rather_than_break_the_rule():
    assert rerank.diversified([1, 2, 3, 4], dict.fromkeys([1, 2, 3, 4], "a"), limit=4) == [1, 2]


def test_exploration_takes_one_slot_in_ten():
    ranked = list(range(100))
    explore = [1000 + n for n in range(10)]
    artists = {t: t for t in [*ranked, *explore]}
    chosen = rerank.diversified(ranked, artists, limit=30, exploration=explore, exploration_share=0.1)
    assert [i for i, t in enumerate(chosen) if t >= 1000] == [9, 19, 29]
    assert rerank.diversified(ranked, artists, limit=30, exploration=explore) == ranked[:30]


def test_blend_standardises_and_lets_new_tracks_compete_on_sound():
    collaborative = np.array([3.0, 1.0, np.nan])  # the third is new: the model never saw it
    content = np.array([0.1, 0.1, 0.9])
    popularity = np.array([50.0, 50.0, 0.0])
    scores = blend.blend(collaborative=collaborative, content=content, popularity=popularity, history_size=50)
    assert scores[0] > scores[1]
    assert scores[2] > scores[1]  # its content score stands in for the missing collaborative one
    assert np.isfinite(scores).all()

    cold = blend.blend(collaborative=None, content=None, popularity=np.array([1.0, 5.0]), history_size=0)
    assert cold[1] > cold[0]  # nothing known: popularity decides
    assert blend.standardised(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]
