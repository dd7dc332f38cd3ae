"""The Elasticsearch backend against a real engine, where ELASTICSEARCH_URL is set (skipped
elsewhere, the services mode included: Elasticsearch is not one of its services). Each test gets an
index of its own behind a test-only alias; catalog writes reach it through the real path: the
search read model written in the transaction, the sync task queued after commit (run in-process
here, eagerly, instead of by a worker), bulk requests to the engine."""

from __future__ import annotations

import datetime
import os
import uuid

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.catalog.models import Genre, Track
from apps.catalog.search.backends import BACKENDS
from apps.catalog.search.backends.elastic import ElasticsearchBackend, elastic_rebuild
from apps.catalog.search.models import SearchDocument
from apps.catalog.search.query import Query, Slot, parse
from apps.catalog.search.ranking import rank
from apps.catalog.search.service import search
from apps.catalog.search.spelling import corrected
from streamify.celery import app as celery_app
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

pytestmark = [
    pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"), reason="needs Elasticsearch: set ELASTICSEARCH_URL"),
    # Not a service of the services mode: skipping it there is expected, not a failure (tests/conftest.py).
    pytest.mark.optional_service,
    pytest.mark.django_db,
]


@pytest.fixture
def engine(settings):
    """The client, with a fresh index behind a test-only alias, and the sync task run eagerly."""
    from elasticsearch.dsl.connections import connections

    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_INDEX = alias = f"streamify-test-{uuid.uuid4().hex[:12]}"
    client = connections.get_connection()
    elastic_rebuild()
    eager, propagates = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield client
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = eager, propagates
    for name in client.indices.get_alias(name=alias).body:
        client.indices.delete(index=name)


def refreshed(client, settings) -> None:
    """What was written becomes searchable at the next refresh (within a second); a test asks now."""
    client.indices.refresh(index=settings.ELASTICSEARCH_INDEX)


@pytest.fixture
def planted(engine, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rock, _ = Genre.objects.get_or_create(slug="rock", defaults={"name": "Rock"})
        beatles = ArtistFactory(name="The Beatles", popularity=95)
        beatles.genres.add(rock)
        beetles = ArtistFactory(name="Beetles", popularity=5)
        metallica = ArtistFactory(name="Metallica", popularity=85)
        abbey = AlbumFactory(title="Abbey Road", artists=[beatles], release_date=datetime.date(1969, 9, 26),
                             upc="094638246817")  # fmt: skip
        black = AlbumFactory(title="Metallica", artists=[metallica], release_date=datetime.date(1991, 8, 12))
        soon = timezone.localdate() + datetime.timedelta(days=5)
        tracks = {
            "sun": TrackFactory(album=abbey, title="Here Comes the Sun", popularity=88, isrc="GBAYE0601690"),
            "something": TrackFactory(album=abbey, title="Something", popularity=80),
            "sandman": TrackFactory(album=black, title="Enter Sandman", popularity=86),
            "bugs": TrackFactory(album=AlbumFactory(title="Bugs", artists=[beetles]), title="Beetles", popularity=3),
            "later": TrackFactory(
                album=AlbumFactory(title="Not Yet", artists=[beetles], release_date=soon),
                title="Sunrise Later",
                popularity=2,
            ),
        }
    refreshed(engine, settings)
    return {"tracks": tracks, "beatles": beatles, "beetles": beetles, "metallica": metallica, "abbey": abbey}


def database_backend():
    return import_string(BACKENDS[connection.vendor])()


def results(backend, q: str, kinds: list[str]) -> tuple[dict[str, list[int]], dict[str, int]]:
    """What a search shows per kind, ranked, and the counts: the same from every backend."""
    query = corrected(parse(q), similar_terms=backend.similar_terms)
    kinds = [kind for kind in kinds if query.applies_to(kind)]  # as the service asks
    today = timezone.localdate()
    found = backend.candidates(query, kinds, pool=50, today=today)
    ranked = {kind: [r.candidate.object_id for r in rank(found[kind], query)] for kind in kinds}
    return ranked, backend.count(query, kinds, cap=100, today=today)


def test_it_indexes_every_document_after_commit(planted, engine, settings):
    count = engine.count(index=settings.ELASTICSEARCH_INDEX)["count"]
    assert count == SearchDocument.objects.count() > 0


@pytest.mark.parametrize(
    "q",
    ["beatles", "the beatles", "here comes the su", "abbey", "something", "artist:beatles something",
     "year:1969 abbey", "year:1960-1970", "isrc:gbaye0601690", "upc:094638246817", "genre:rock", "beetles",
     "metalica", "sunrise", "enter sandman", "& | ! ( ) : * \" ' \\", "'; DROP TABLE catalog_track; --"],
)  # fmt: skip
def test_it_finds_what_the_database_backend_finds(planted, q):
    kinds = ["track", "album", "artist"]
    assert results(ElasticsearchBackend(), q, kinds) == results(database_backend(), q, kinds)


def test_it_serves_the_search_service_with_typos_and_prefixes(planted):
    tracks = planted["tracks"]
    assert search(q="here comes the su", kinds=["track"], limit=5, offset=0)["track"].object_ids == [tracks["sun"].pk]
    assert search(q="abey road", kinds=["album"], limit=5, offset=0)["album"].object_ids == [planted["abbey"].pk]
    artists = search(q="beetles", kinds=["artist"], limit=5, offset=0)["artist"].object_ids
    assert set(artists) == {planted["beatles"].pk, planted["beetles"].pk}
    assert search(q="metalica", kinds=["artist"], limit=5, offset=0)["artist"].object_ids == [planted["metallica"].pk]
    assert search(q="sunrise", kinds=["track"], limit=5, offset=0)["track"].object_ids == []  # released in 5 days


def test_it_matches_fuzzily_and_suggests_words_two_edits_away(planted):
    backend = ElasticsearchBackend()
    assert "metallica" in backend.similar_terms("metalicca")
    # No correction from the vocabulary: Elasticsearch's own fuzziness still finds it, in the text arm.
    query = Query(text_slots=[Slot("metalicca")], key="metalicca")
    found = backend.candidates(query, ["artist"], pool=10, today=timezone.localdate())["artist"]
    assert [(c.object_id, c.arm) for c in found] == [(planted["metallica"].pk, "text")]


def test_it_drops_what_leaves_the_catalog(planted, engine, settings, django_capture_on_commit_callbacks):
    sun = planted["tracks"]["sun"]
    with django_capture_on_commit_callbacks(execute=True):
        Track.objects.get(pk=sun.pk).delete()
    refreshed(engine, settings)
    assert not engine.exists(index=settings.ELASTICSEARCH_INDEX, id=f"track:{sun.pk}")
    assert search(q="here comes the sun", kinds=["track"], limit=5, offset=0)["track"].object_ids == []


def test_a_rebuild_swaps_in_a_complete_index(planted, engine, settings):
    alias = settings.ELASTICSEARCH_INDEX
    (before,) = engine.indices.get_alias(name=alias).body
    assert elastic_rebuild() == SearchDocument.objects.count()
    (after,) = engine.indices.get_alias(name=alias).body
    assert after != before and not engine.indices.exists(index=before)
    assert engine.count(index=alias)["count"] == SearchDocument.objects.count()
