"""Text analysis, the same for documents and queries on every backend."""

from __future__ import annotations

import pytest

from apps.catalog.search import analysis


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Beyoncé", ["beyonce"]),
        ("STRASSE Straße", ["strasse"]),
        ("Mötley Crüe", ["motley", "crue"]),
        ("Ørsted Łódź", ["orsted", "lodz"]),
        ("Don’t Stop", ["don", "t", "dont", "stop"]),
        ("AC/DC", ["ac", "dc"]),
        ("Όνειρο", ["ονειρο"]),
        ("愛夜", ["愛", "夜", "愛夜"]),
        ("사랑 밤", ["사랑", "밤"]),
        ("がっこう", ["が", "っ", "こ", "う", "がっ", "っこ", "こう"]),  # voicing marks are letters, kept
        ("حُبّ", ["حب"]),
        ("&|!():*\"'\\ -- ;", []),
    ],
)
def test_it_folds_and_splits_text(text, tokens):
    assert analysis.tokens(text) == tokens


def test_a_query_asks_for_the_pairs_of_a_cjk_run_not_its_single_characters():
    assert analysis.word_tokens("愛夜心", for_query=True) == ["愛夜", "夜心"]
    assert analysis.word_tokens("夜", for_query=True) == ["夜"]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("rain", "rian", 1), ("beetles", "beatles", 1), ("metallca", "metallica", 1), ("kitten", "sitting", 3),
     ("abc", "xyz", 3), ("same", "same", 0), ("ab", "ba", 1)],
)  # fmt: skip
def test_edit_distance_counts_a_transposition_as_one(a, b, distance):
    assert analysis.edit_distance(a, b) == min(distance, 3)


def test_words_one_edit_apart_share_a_deletion_variant():
    for a, b in [("rain", "rian"), ("rain", "rein"), ("rain", "rainn"), ("love", "lov")]:
        assert ({a} | analysis.deletions(a)) & ({b} | analysis.deletions(b))


@pytest.mark.parametrize(("token", "edits"), [("ab", 0), ("abc", 1), ("abcde", 1), ("abcdef", 2), ("2024", 0),
                                             ("夜心", 0)])  # fmt: skip
def test_fuzziness_grows_with_length_like_elasticsearch_auto(token, edits):
    assert analysis.fuzzy_allowed(token) == edits
