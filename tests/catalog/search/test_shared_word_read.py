"""The titled and text arms reading the words' matches once (SqlBackend._shared_word_read): the
same candidates, in the same order, as the two arms read apart; and when PostgreSQL shares it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from apps.catalog.search.backends import postgres
from apps.catalog.search.backends.postgres import PostgresBackend
from apps.catalog.search.models import SearchDocument, SearchKind
from apps.catalog.search.query import Slot, parse
from apps.catalog.search.service import _spelled, get_backend, search, suggest

pytestmark = pytest.mark.django_db

# "<title> <artist>" and words across fields, of two to four words (the titled arm's span), with
# typos and a word being typed.
QUERIES = [
    "hey jude beatles",
    "something beatles",
    "something abbey",  # the second word only in the album: in words anywhere, not a title by its artist
    "halo beyonce",
    "enter sandman metallica",
    "first love utada",
    "here comes the sun",
    "hey jdue beatles",
    "kickstart my heart motley",
    "nothing else matters",
    "abbey road bea",
]


def _share(monkeypatch, shared: bool) -> None:
    """Force one way of reading the words, whatever the statistics say (both must answer alike)."""
    monkeypatch.setattr(type(get_backend()), "few_documents_hold", lambda self, slots, **rule: shared)


def _candidates(q: str, *, shared: bool, monkeypatch) -> dict[str, list[tuple[int, str]]]:
    _share(monkeypatch, shared)
    backend = get_backend()
    query = _spelled(parse(q), backend)
    # pool=3: small enough that the tiers, the titled arm's names and the text arm's limit all cut.
    found = backend.candidates(query, list(SearchKind), pool=3, today=timezone.localdate())
    return {kind: [(c.id, c.arm) for c in found[kind]] for kind in found}


@pytest.mark.parametrize("q", QUERIES)
def test_one_read_of_the_words_finds_what_two_did(planted, q, monkeypatch):
    apart = _candidates(q, shared=False, monkeypatch=monkeypatch)
    together = _candidates(q, shared=True, monkeypatch=monkeypatch)
    for kind in apart:
        assert {pk for pk, _ in together[kind]} == {pk for pk, _ in apart[kind]}
        # The titled arm's rows now come after the prefix arm's, so a row both found may be
        # labelled either way; never one of the text arm's, which the service counts.
        assert [pk for pk, arm in together[kind] if arm == "text"] == [pk for pk, arm in apart[kind] if arm == "text"]


@pytest.mark.parametrize("q", QUERIES)
def test_search_and_suggest_answer_the_same_either_way(planted, q, monkeypatch, settings):
    settings.SEARCH_CACHE_SECONDS = 0  # each answer worked out, not the first one remembered
    answers = []
    for shared in (False, True):
        _share(monkeypatch, shared)
        found = search(q=q, kinds=list(SearchKind), limit=5, offset=0)
        suggested = [(s.kind, s.object_id) for s in suggest(q=q)]
        answers.append(({kind: (r.object_ids, r.total) for kind, r in found.items()}, suggested))
    assert answers[0] == answers[1]


def test_the_titled_arm_still_finds_a_title_by_its_artist(planted, monkeypatch):
    found = _candidates("hey jude beatles", shared=True, monkeypatch=monkeypatch)
    titled = [pk for pk, arm in found[SearchKind.TRACK] if arm == "titled"]
    names = set(SearchDocument.objects.filter(pk__in=titled).values_list("name", flat=True))
    assert names == {"Hey Jude"}


def _slot(token: str, *, prefix: bool = False, completions=(), corrections=()) -> Slot:
    return Slot(token=token, prefix=prefix, completions=tuple(completions), corrections=tuple(corrections))


@pytest.fixture
def statistics(monkeypatch):
    """A million documents; "love" in 5 % of them, "the" in 40 %, any other word under 0.05 %."""
    shares = {"love": 0.05, "the": 0.4, "heart": 0.01}
    monkeypatch.setattr(postgres, "_word_statistics", lambda: (1_000_000.0, shares, 0.0005))


def test_a_rare_word_is_read_once_with_the_rest(statistics):
    assert PostgresBackend().few_documents_hold([_slot("love"), _slot("zyxwv")])  # at most 500 hold both


def test_common_words_are_read_apart(statistics):
    assert not PostgresBackend().few_documents_hold([_slot("love"), _slot("heart")])  # up to 10,000


def test_a_slot_holds_as_many_as_all_its_alternatives(statistics):
    # "zyxwv" alone is rare; corrected to "love" too, it may be in 5 % of the documents.
    assert not PostgresBackend().few_documents_hold([_slot("zyxwv", corrections=["love"]), _slot("heart")])
    completions = _slot("he", prefix=True, completions=["heart", "the"])
    assert not PostgresBackend().few_documents_hold([_slot("love"), completions])


def test_a_prefix_without_completions_is_never_known_to_be_rare(statistics):
    assert not PostgresBackend().few_documents_hold([_slot("love"), _slot("zy", prefix=True)])


def test_three_words_are_read_once(statistics):
    assert PostgresBackend().few_documents_hold([_slot("love"), _slot("heart"), _slot("the")])


def test_three_words_with_a_common_one_are_read_apart_when_asked(statistics):
    """Search's rule (share_common_words=False): "the" is in 40 % of the documents, past
    COMMON_WORD_SHARE; "love" (5 %) and "heart" are not."""
    backend = PostgresBackend()
    assert not backend.few_documents_hold([_slot("love"), _slot("heart"), _slot("the")], share_common_words=False)
    assert backend.few_documents_hold([_slot("love"), _slot("heart"), _slot("zyxwv")], share_common_words=False)
    # A word being typed that no completion bounds could be any word, a common one too.
    typing = [_slot("love"), _slot("heart"), _slot("zy", prefix=True)]
    assert not backend.few_documents_hold(typing, share_common_words=False)


def test_without_statistics_nothing_is_known_to_be_rare(monkeypatch):
    monkeypatch.setattr(postgres, "_word_statistics", lambda: None)
    assert not PostgresBackend().few_documents_hold([_slot("zyxwv"), _slot("qqqq")])
    # ... nor common: three words are read once, whatever the rule.
    assert PostgresBackend().few_documents_hold([_slot("a"), _slot("b"), _slot("c")], share_common_words=False)


def test_search_reads_three_words_with_a_common_one_apart_and_suggest_once(planted, monkeypatch, settings):
    settings.SEARCH_CACHE_SECONDS = 0
    rules = []
    backend_class = type(get_backend())
    # Records the rule each caller asks for (and reads apart: the answer is not what is tested here).
    monkeypatch.setattr(backend_class, "few_documents_hold", lambda self, slots, **rule: rules.append(rule) or False)
    search(q="here comes the", kinds=[SearchKind.TRACK], limit=5, offset=0)
    assert rules and all(rule == {"share_common_words": False} for rule in rules)
    rules.clear()
    suggest(q="here comes thx")
    assert rules and all(rule == {"share_common_words": True} for rule in rules)


def test_the_statistics_are_read_from_the_planner(planted):
    if connection.vendor != "postgresql":  # the embedded run has no planner statistics; CI's services run has
        pytest.skip("pg_stats is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_searchdocument")
    postgres.forget_word_statistics()
    try:
        documents, shares, floor = postgres._word_statistics()
    finally:
        postgres.forget_word_statistics()
    assert documents >= SearchDocument.objects.count() * 0.5  # reltuples: an estimate
    assert shares and all(0 < share <= 1 for share in shares.values())
    # The floor is the least listed share, not the last listed word's, nor the greatest.
    assert floor == min(shares.values())
    assert shares["the"] > floor  # "The Beatles", "Here Comes the Sun", "Watch the Children Pray", ...
