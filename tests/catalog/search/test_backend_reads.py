"""Two of the backends' reads: how many documents match, per kind, when a page of search asks
beyond the ranked pool (on PostgreSQL the planner's estimates of every kind, from one plan), and
the titled arm's names."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from apps.catalog.search import analysis
from apps.catalog.search.backends import get_backend
from apps.catalog.search.models import SearchDocument, SearchKind
from apps.catalog.search.query import parse
from apps.catalog.search.service import _spelled

pytestmark = pytest.mark.django_db

HOW_MANY = {SearchKind.TRACK: 600, SearchKind.ALBUM: 120, SearchKind.ARTIST: 12}


@pytest.fixture
def crowded():
    """Many more tracks than albums and artists named with "love", analysed, so that the
    estimates of the kinds differ."""
    documents = []
    for kind, count in HOW_MANY.items():
        for n in range(count):
            name = f"Love {kind} {n}"
            documents.append(
                SearchDocument(
                    kind=kind, object_id=n + 1, public_id=f"{kind[:2]}{n}", name=name, name_key=analysis.key(name),
                    name_terms=analysis.padded(analysis.tokens(name)), popularity=n % 100,
                )
            )  # fmt: skip
    SearchDocument.objects.bulk_create(documents)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_searchdocument" if connection.vendor == "postgresql" else "SELECT 1")


@pytest.mark.parametrize("q", ["love", "lov", "love year:1960-1970", "artist:love"])
def test_the_counts_of_kinds_asked_together_are_each_kinds_own(crowded, q):
    backend = get_backend()
    query = _spelled(parse(q), backend)
    kinds = [kind for kind in SearchKind if query.applies_to(kind)]
    today = timezone.localdate()
    together = backend.count(query, kinds, cap=10_000, today=today)
    assert together == {kind: backend.count(query, [kind], cap=10_000, today=today)[kind] for kind in kinds}


def test_each_kind_gets_its_own_figure(crowded):
    backend = get_backend()
    counts = backend.count(_spelled(parse("love"), backend), list(HOW_MANY), cap=10_000, today=timezone.localdate())
    # Estimates on PostgreSQL, so only their order is sure.
    assert counts[SearchKind.TRACK] > counts[SearchKind.ALBUM] > counts[SearchKind.ARTIST] > 0


def test_the_titled_arm_matches_names_exactly_not_only_their_hash():
    """On PostgreSQL the names are looked up by their hash in the word index (migration 0009);
    the condition must also hold the names themselves, or a hash collision would be a match."""
    from apps.catalog.search.backends.postgres import PostgresBackend

    sql, params = PostgresBackend().named_condition(["love", "love you"])
    assert "hashtext(d.name_key) IN (hashtext(%s), hashtext(%s))" in sql
    assert "d.name_key IN (%s, %s)" in sql
    assert params == ["love", "love you", "love", "love you"]
