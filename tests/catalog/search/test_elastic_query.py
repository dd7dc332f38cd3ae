"""The Elasticsearch backend without a server: the query bodies it sends (they must match what the
database backends match, with every typed character a value, never syntax), the hook that queues
index updates after commit, that the embedded mode never loads Elasticsearch, and the fallback to
the database when the engine cannot be reached (a closed port is a real unreachable engine).
tests/catalog/search/test_elastic_integration.py runs the same backend against a real server."""

from __future__ import annotations

import datetime
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from elasticsearch import Elasticsearch
from elasticsearch.dsl.connections import connections

from apps.catalog.search.backends import BACKENDS
from apps.catalog.search.backends.elastic import (
    FUZZY_SCORE,
    SOURCE,
    ElasticsearchBackend,
    _index_action,
    build_count,
    build_searches,
    build_similar,
    candidate_from,
    elastic_sync,
    similar_from,
    unavailable,
)
from apps.catalog.search.backends.elastic_documents import SearchDocumentIndex
from apps.catalog.search.indexing import Document, flush_pending, search_documents_delete, search_documents_save
from apps.catalog.search.models import SearchDocument
from apps.catalog.search.query import Query, Slot, parse
from apps.catalog.search.service import search
from apps.catalog.search.tasks import search_sync
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

TODAY = datetime.date(2026, 6, 15)
ROOT = Path(__file__).resolve().parents[3]
OPERATORS = set("&|!():*\"'\\;")


def arms(q: str | Query, kind: str = "track", **kwargs) -> dict[str, dict]:
    query = parse(q) if isinstance(q, str) else q
    return dict(build_searches(query, kind, today=TODAY, pool=60, **kwargs))


def walk(node):
    """Every dict, list and leaf of a body, depth first."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def clauses(body, name: str) -> list[dict]:
    """The bodies of every `name` query in `body` (e.g. every "fuzzy": {...})."""
    return [node[name] for node in walk(body) if isinstance(node, dict) and name in node]


def filters_of(body: dict) -> list[dict]:
    return body["query"]["bool"]["filter"]


# --- The text: exact, prefix, corrections, fuzzy ---------------------------------------------------


def test_it_asks_the_same_arms_as_the_database_backends():
    assert list(arms("here comes")) == ["exact", "prefix", "text", "name"]
    assert list(arms("here comes", with_name_arm=False)) == ["exact", "prefix", "text"]
    assert list(arms("artist:beatles")) == ["text"]  # no free text: the filters alone, most popular first


def test_it_matches_whole_names_and_their_beginnings_on_the_name_key():
    found = arms("The Beatles")
    assert clauses(found["exact"], "terms") == [{"name_key": ["the beatles", "the the beatles"]}]
    starts = [c["name_key"]["value"] for c in clauses(found["prefix"], "prefix")]
    assert starts == ["the beatles", "the the beatles"]


def test_it_gives_a_misspelled_word_a_fuzzy_clause_scored_below_a_real_match():
    text = arms("metalica")["text"]
    fuzzy = clauses(text, "fuzzy")
    assert {column for c in fuzzy for column in c} == {"name_terms", "artist_terms", "album_terms"}
    assert all(c[column] == {"value": "metalica", "fuzziness": "AUTO", "transpositions": True}
               for c in fuzzy for column in c)  # fmt: skip
    (slot,) = text["query"]["bool"]["must"]
    exact, fuzzy_only = slot["dis_max"]["queries"]
    assert exact["constant_score"]["boost"] == 1.0 and fuzzy_only["constant_score"]["boost"] == FUZZY_SCORE < 1
    # Sorted by how many words matched for real, then as the SQL arms: popularity, then id.
    assert text["sort"] == [{"_score": "desc"}, {"popularity": "desc"}, {"id": "asc"}]


def test_it_is_never_fuzzy_on_short_words_numbers_or_the_filters():
    assert clauses(arms("ab 1999")["text"], "fuzzy") == []
    assert clauses(arms("artist:metalica")["text"], "fuzzy") == []
    assert clauses(arms("metalica")["name"], "fuzzy") == []
    assert clauses(build_count(parse("metalica"), "track", today=TODAY, cap=10), "fuzzy") == []


def test_it_matches_the_last_word_as_a_prefix_on_the_search_as_you_type_field():
    found = arms("here comes the su")
    assert clauses(found["text"], "match_bool_prefix") == [{"name_terms": {"query": "su", "analyzer": "whitespace"}}]
    assert clauses(found["name"], "match_bool_prefix") == [{"name_terms": {"query": "su", "analyzer": "whitespace"}}]
    # In the artist and album columns, through their indexed prefixes.
    assert {column for c in clauses(found["text"], "prefix") for column in c} == {"artist_terms", "album_terms"}
    # The words before it are whole words.
    whole = [c for c in clauses(found["text"], "terms")]
    assert {"name_terms": ["here"]} in whole and {"artist_terms": ["comes"]} in whole
    assert not any("su" in values for c in whole for values in c.values())


def test_it_takes_a_words_corrections_as_alternatives():
    query = Query(text_slots=[Slot("beetles", corrections=("beatles", "beagles"))], key="beetles")
    found = arms(query)
    assert {"name_terms": ["beetles", "beatles", "beagles"]} in clauses(found["text"], "terms")
    assert {"name_terms": ["beetles", "beatles", "beagles"]} in clauses(found["name"], "terms")
    assert clauses(found["exact"], "terms") == [{"name_key": ["beetles", "beatles", "the beetles", "the beatles"]}]
    typing = Query(text_slots=[Slot("beetl", prefix=True, corrections=("beatles",))], key="beetl")
    text = arms(typing)["text"]
    assert {"name_terms": ["beatles"]} in clauses(text, "terms")
    assert clauses(text, "match_bool_prefix") == [{"name_terms": {"query": "beetl", "analyzer": "whitespace"}}]


def test_it_requires_every_word():
    text = arms("hey jude")["text"]
    assert len(text["query"]["bool"]["must"]) == 2
    name = arms("hey jude")["name"]
    assert len([f for f in filters_of(name) if "name_terms" in json.dumps(f)]) == 2


# --- Filters ------------------------------------------------------------------------------------


def field_terms(q: str, kind: str) -> list[dict]:
    body = arms(q, kind)["text"]
    return [t for f in filters_of(body) for t in clauses(f, "terms")]


def test_it_reads_each_field_filter_in_the_column_it_means_for_the_kind():
    assert field_terms("artist:beatles album:abbey track:something genre:rock", "track") == [
        {"artist_terms": ["beatles"]},
        {"album_terms": ["abbey"]},
        {"name_terms": ["something"]},
        {"genre_terms": ["rock"]},
    ]
    assert field_terms('artist:beatles album:"abbey road"', "album") == [
        {"artist_terms": ["beatles"]},
        {"name_terms": ["abbey"]},
        {"name_terms": ["road"]},
    ]
    assert field_terms("artist:beatles genre:rock", "artist") == [
        {"name_terms": ["beatles"]},
        {"genre_terms": ["rock"]},
    ]


def test_it_filters_by_kind_and_leaves_out_what_is_not_released_yet():
    for body in [*arms("love", "album").values(), build_count(parse("love"), "album", today=TODAY, cap=5)]:
        assert {"term": {"kind": "album"}} in filters_of(body)
        unreleased = {"bool": {"must_not": {"exists": {"field": "released_on"}}}}
        released = {"range": {"released_on": {"lte": "2026-06-15"}}}
        assert {"bool": {"should": [unreleased, released], "minimum_should_match": 1}} in filters_of(body)


def test_it_filters_by_year_and_by_an_artists_span_of_years():
    assert {"range": {"year_from": {"gte": 1960, "lte": 1969}}} in filters_of(arms("year:1960-1969 love")["text"])
    assert {"range": {"year_from": {"gte": 1969, "lte": 1969}}} in filters_of(arms("year:1969", "album")["text"])
    artist = filters_of(arms("year:1960-1969", "artist")["text"])
    assert {"range": {"year_from": {"lte": 1969}}} in artist and {"range": {"year_to": {"gte": 1960}}} in artist


def test_it_filters_by_isrc_and_upc():
    assert {"term": {"code": "GBAYE0601690"}} in filters_of(arms("isrc:gbaye0601690")["text"])
    assert {"term": {"code": "094638246817"}} in filters_of(arms("upc:094638246817", "album")["text"])


def test_it_filters_new_releases_and_hipster_albums():
    new = filters_of(arms("tag:new", "album")["text"])
    assert {"range": {"released_on": {"gte": "2026-06-01"}}} in new
    assert {"range": {"popularity": {"lte": 10}}} in filters_of(arms("tag:hipster", "album")["text"])


def test_it_treats_operators_sql_emoji_and_right_to_left_text_as_text():
    typed = ["AC/DC && (rock || roll) !x* \"q\" 'it' \\", "'; DROP TABLE catalog_track; --", "🎸 نسم علينا"]
    bodies = [body for q in typed for body in [*arms(q).values(), build_count(parse(q), "track", today=TODAY, cap=9)]]
    for body in bodies:
        assert not {"query_string", "simple_query_string", "regexp", "wildcard"} & {
            key for node in walk(body) if isinstance(node, dict) for key in node
        }
        assert not any(isinstance(leaf, str) and OPERATORS & set(leaf) for leaf in walk(body))
    tokens = {v for body in bodies for c in clauses(body, "terms") for values in c.values() for v in values}
    tokens |= {c["name_terms"]["query"] for body in bodies for c in clauses(body, "match_bool_prefix")}
    assert {"ac", "dc", "rock", "roll", "x", "drop", "table", "catalog", "track", "نسم"} <= tokens


def test_it_counts_matches_of_every_word_up_to_a_cap():
    body = build_count(parse("artist:beatles hey ju"), "track", today=TODAY, cap=1_050)
    assert body["size"] == 0 and body["track_total_hits"] == 1_050
    assert {"artist_terms": ["beatles"]} in clauses(body, "terms")
    assert {"name_terms": ["hey"]} in clauses(body, "terms")
    assert {"name_terms": {"query": "ju", "analyzer": "whitespace"}} in clauses(body, "match_bool_prefix")


def test_it_sends_every_column_of_a_row():
    # Guards the client pin: with elasticsearch 9.4+, django-elasticsearch-dsl 9.0 prepares {} for any row.
    row = SearchDocument(id=5, kind="track", object_id=9, public_id="p" * 22, name="Hey Jude", name_key="hey jude",
                         name_terms=" hey jude ", artist_terms=" the beatles ", code="GBAYE0601690", year_from=1968,
                         year_to=1968, released_on=datetime.date(1968, 8, 26), popularity=90)  # fmt: skip
    action = _index_action(SearchDocumentIndex(), row, "an-index")
    assert action["_id"] == "track:9" and action["_index"] == "an-index"
    assert set(action["_source"]) == set(SearchDocumentIndex._doc_type.mapping) >= set(SOURCE)
    assert candidate_from(action["_source"], "exact").name_terms == " hey jude "
    assert action["_source"]["released_on"] == datetime.date(1968, 8, 26) and action["_source"]["popularity"] == 90


def test_it_fetches_only_what_a_candidate_holds_and_builds_it_from_the_source():
    body = arms("love")["text"]
    assert body["size"] == 60 and body["_source"] == SOURCE and body["track_total_hits"] is False
    source = {name: f"v-{name}" for name in SOURCE} | {"id": 7, "object_id": 3, "popularity": 40}
    candidate = candidate_from(source, "prefix")
    assert (candidate.id, candidate.object_id, candidate.name_terms, candidate.arm) == (7, 3, "v-name_terms", "prefix")


def test_it_asks_the_term_suggester_for_words_two_edits_away():
    suggest = build_similar("metallicca")["suggest"]
    assert suggest["text"] == "metallicca"
    for column in ("name_terms", "artist_terms", "album_terms"):
        assert suggest[column]["term"]["field"] == column and suggest[column]["term"]["max_edits"] == 2
    response = {"suggest": {
        "name_terms": [{"text": "metallicca", "options": [{"text": "metallica", "score": 0.8, "freq": 3}]}],
        "artist_terms": [{"text": "metallicca", "options": [{"text": "metallica", "score": 0.8, "freq": 9},
                                                            {"text": "metalica", "score": 0.7, "freq": 1}]}],
    }}  # fmt: skip
    assert similar_from(response) == ["metallica", "metalica"]


# --- Queuing index updates after commit ----------------------------------------------------------


def save_and_delete(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        documents = [Document(object_id=41, public_id="a" * 22, name="Quasar"),
                     Document(object_id=42, public_id="b" * 22, name="Pulsar")]  # fmt: skip
        search_documents_save(kind="track", documents=documents)
    with django_capture_on_commit_callbacks(execute=True):
        search_documents_delete(kind="track", object_ids=[42, 43])


@pytest.mark.django_db
def test_it_queues_the_index_update_after_commit_only_with_elasticsearch(settings, django_capture_on_commit_callbacks):
    # `delay` is replaced because there is no broker worth the name here and no Elasticsearch to
    # send to; what is checked is what gets queued and when. The task itself runs against a real
    # engine in test_elastic_integration.py.
    with mock.patch.object(search_sync, "delay") as delay:
        settings.SEARCH_BACKEND = ""
        save_and_delete(django_capture_on_commit_callbacks)
        assert delay.call_args_list == []

        settings.SEARCH_BACKEND = "elasticsearch"
        with django_capture_on_commit_callbacks(execute=False):
            search_documents_save(kind="album", documents=[Document(object_id=7, public_id="c" * 22, name="Nebula")])
        assert delay.call_args_list == []  # nothing before the commit
        save_and_delete(django_capture_on_commit_callbacks)
        assert delay.call_args_list == [mock.call("track", [41, 42]), mock.call("track", [42, 43])]


def test_it_loads_nothing_of_elasticsearch_in_the_embedded_mode():
    env = {key: value for key, value in os.environ.items() if key != "ELASTICSEARCH_URL"}
    code = (
        "import sys, django; django.setup(); import apps.catalog.search.indexing, apps.catalog.search.tasks; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('elasticsearch', 'elastic_transport', "
        "'django_elasticsearch_dsl')))"
    )
    env.setdefault("DJANGO_SETTINGS_MODULE", "streamify.settings")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- An unreachable engine -----------------------------------------------------------------------


@pytest.fixture
def unreachable():
    """The default connection pointed at a port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        previous = connections.get_connection("default")  # configured where ELASTICSEARCH_URL is set
    except KeyError:
        previous = None
    connections.add_connection("default", Elasticsearch(f"http://127.0.0.1:{port}", max_retries=0))
    yield
    if previous is not None:
        connections.add_connection("default", previous)
    else:
        connections.remove_connection("default")


@pytest.mark.django_db
def test_it_searches_the_database_while_elasticsearch_is_unreachable(unreachable, settings, monkeypatch):
    beatles = ArtistFactory(name="The Beatles", popularity=95)
    track = TrackFactory(album=AlbumFactory(title="Abbey Road", artists=[beatles]), title="Something")
    flush_pending()  # the documents, as the commit would write them
    query = parse("abbey ro")
    database = import_backend()
    expected = database.candidates(query, ["track", "album"], pool=10, today=TODAY)
    assert ElasticsearchBackend().candidates(query, ["track", "album"], pool=10, today=TODAY) == expected
    assert ElasticsearchBackend().count(query, ["track"], cap=5, today=TODAY) == {"track": 1}
    # What search and suggest ask of the SQL backends reaches the database in its place.
    asked = []  # a spy: the database's own candidates() still answers
    database_candidates = type(database).candidates
    monkeypatch.setattr(
        type(database),
        "candidates",
        lambda self, *a, **options: asked.append(options) or database_candidates(self, *a, **options),
    )
    ElasticsearchBackend().candidates(query, ["track"], pool=10, today=TODAY, titled_pool=1, share_common_words=False)
    assert asked[-1]["titled_pool"] == 1 and asked[-1]["share_common_words"] is False
    settings.SEARCH_BACKEND = "elasticsearch"
    assert search(q="abbey road", kinds=["track"], limit=5, offset=0)["track"].object_ids == [track.pk]


@pytest.mark.django_db
def test_it_tells_the_sync_task_to_retry_while_elasticsearch_is_unreachable(unreachable):
    search_documents_save(kind="track", documents=[Document(object_id=5, public_id="d" * 22, name="Orbit")])
    with pytest.raises(Exception) as raised:
        elastic_sync(kind="track", object_ids=[5])
    assert unavailable(raised.value)


def import_backend():
    from django.utils.module_loading import import_string

    return import_string(BACKENDS[connection.vendor])()
