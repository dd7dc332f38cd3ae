"""Elasticsearch (where ELASTICSEARCH_URL is set): candidate retrieval from the index of the search
read model (elastic_documents), matching what the database backends match (backends/sql.py).

Queries are built as plain dicts by the `build_*` functions below (tested without a server); the
searches of one call go in one multi-search, as the database backends send one UNION ALL. Every
value a user typed goes into a term-level query (`terms`, `prefix`, `fuzzy`) or a
`match_bool_prefix` over a whitespace-analysed field, after Python's analysis kept only letters and
digits: nothing is parsed as query syntax (no `query_string`), so no character is an operator.

The same arms as the SQL backends, each the most popular documents of one way to match: exact,
prefix, text, name (see backends/sql.py). What Elasticsearch adds:

- the word being typed is matched by `match_bool_prefix` on `name_terms`, a search_as_you_type
  field (which indexes word beginnings for exactly this), and by `prefix` on the artist and album
  columns (`index_prefixes`);
- in the text arm, every word may also match with `fuzziness: AUTO` (the edits analysis.fuzzy_allowed
  allows). Ranking (apps.catalog.search.ranking) keeps only the words matched as typed or as one of
  the spelling step's corrections, so fuzzy-only matches must not take a place from real ones; they
  are scored below them (see FUZZY_SCORE) and fill the pool only where room is left;
- `similar_terms` asks the term suggester (edit distance up to 2 over the index's terms) for the
  two-edit corrections the database backends get from their trigram index.

If Elasticsearch is unreachable, overloaded or has no index yet, search falls back to the
database's own full-text search over the same rows (always current: they are written in the
catalog's transactions), so the search box keeps working through an outage.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.dsl.connections import connections
from elasticsearch.helpers import BulkIndexError, bulk, streaming_bulk

from apps.catalog.search import analysis
from apps.catalog.search.backends.elastic_documents import SearchDocumentIndex, document_id
from apps.catalog.search.backends.sql import (
    FIELD_WEIGHTS,
    HIPSTER_POPULARITY,
    NEW_RELEASE_DAYS,
    TEXT_WEIGHTS,
    Candidate,
    exact_keys,
)
from apps.catalog.search.models import SearchDocument, SearchKind
from apps.catalog.search.query import Query, Slot

logger = logging.getLogger(__name__)

COLUMNS = {"A": "name_terms", "B": "artist_terms", "C": "album_terms", "D": "genre_terms"}
TEXT_COLUMNS = [COLUMNS[weight] for weight in TEXT_WEIGHTS]
SAYT_FIELD = "name_terms"  # the search_as_you_type field
SOURCE = [f.name for f in dataclasses.fields(Candidate) if f.name != "arm"]
# A word matched as typed (or as a correction) scores 1, a word matched only fuzzily FUZZY_SCORE,
# each as a constant: a document's score counts its words, so sorting by score, then popularity,
# lists every real match in the SQL arms' order (popularity, then id) before any fuzzy-only one.
FUZZY_SCORE = 0.5
POPULAR_FIRST = [{"popularity": "desc"}, {"id": "asc"}]
SCORED_FIRST = [{"_score": "desc"}, *POPULAR_FIRST]
NEIGHBOURS = 20  # term suggestions asked for, as the trigram backends' TRIGRAM_NEIGHBOURS
ANY_FREQUENCY = 2**31 - 1  # a document count (values of 1 and more are counts, below 1 fractions)
BULK_CHUNK = 1_000
BULK_RETRIES = 3  # documents the engine rejects as too busy (429) are sent again this many times
UNAVAILABLE_STATUS = {404, 429}  # no index yet; overloaded (and every 5xx)


# --- Query building (pure) -----------------------------------------------------------------------


def _any(queries: list[dict]) -> dict:
    return {"bool": {"should": queries, "minimum_should_match": 1}}


def prefix_query(column: str, token: str) -> dict:
    if column == SAYT_FIELD:
        return {"match_bool_prefix": {column: {"query": token, "analyzer": "whitespace"}}}
    return {"prefix": {column: {"value": token}}}


def slot_filter(slot: Slot, columns: Sequence[str]) -> dict:
    """True when the slot's token is in one of `columns`: whole, or as the beginning of a word when
    it is being typed, or as one of its corrections."""
    whole = list(slot.corrections) if slot.prefix else [slot.token, *slot.corrections]
    queries = []
    for column in columns:
        if slot.prefix:
            queries.append(prefix_query(column, slot.token))
        if whole:
            queries.append({"terms": {column: whole}})
    return _any(queries)


def fuzzy_filter(slot: Slot, columns: Sequence[str]) -> dict | None:
    """The slot's token within Elasticsearch's AUTO edit distance in one of `columns`; None for the
    tokens no fuzziness applies to (short words, numbers, CJK)."""
    if not analysis.fuzzy_allowed(slot.token):
        return None
    return _any(
        [{"fuzzy": {column: {"value": slot.token, "fuzziness": "AUTO", "transpositions": True}}} for column in columns]
    )


def scored_slot(slot: Slot, columns: Sequence[str]) -> dict:
    queries = [{"constant_score": {"filter": slot_filter(slot, columns), "boost": 1.0}}]
    fuzzy = fuzzy_filter(slot, columns)
    if fuzzy is not None:
        queries.append({"constant_score": {"filter": fuzzy, "boost": FUZZY_SCORE}})
    return {"dis_max": {"queries": queries}}  # the better of the two, not their sum


def structural_filters(query: Query, kind: str, *, today: date) -> list[dict]:
    """SqlBackend._structural: kind, released by today, years, ISRC/UPC, tags."""
    unreleased = {"bool": {"must_not": {"exists": {"field": "released_on"}}}}
    filters: list[dict] = [
        {"term": {"kind": kind}},
        _any([unreleased, {"range": {"released_on": {"lte": today.isoformat()}}}]),
    ]
    if query.year and kind == SearchKind.ARTIST:  # an artist's span of years overlaps the range
        filters.append({"range": {"year_from": {"lte": query.year[1]}}})
        filters.append({"range": {"year_to": {"gte": query.year[0]}}})
    elif query.year:
        filters.append({"range": {"year_from": {"gte": query.year[0], "lte": query.year[1]}}})
    if query.code:
        filters.append({"term": {"code": query.code}})
    if "new" in query.tags:
        filters.append({"range": {"released_on": {"gte": (today - timedelta(days=NEW_RELEASE_DAYS)).isoformat()}}})
    if "hipster" in query.tags:
        filters.append({"range": {"popularity": {"lte": HIPSTER_POPULARITY}}})
    return filters


def field_filters(query: Query, kind: str) -> list[dict]:
    """`artist:`, `album:`, `track:`, `genre:`: every word in the column the filter reads for this
    kind (FIELD_WEIGHTS)."""
    weights = FIELD_WEIGHTS[kind]
    return [slot_filter(slot, [COLUMNS[weights[name]]]) for name, slots in query.fields.items() for slot in slots]


def _filtered(filters: list[dict]) -> dict:
    return {"bool": {"filter": filters}}


def _search(query: dict, *, sort: list[dict], pool: int) -> dict:
    return {"query": query, "sort": sort, "size": pool, "_source": SOURCE, "track_total_hits": False}


def build_searches(
    query: Query, kind: str, *, today: date, pool: int, with_name_arm: bool = True
) -> list[tuple[str, dict]]:
    """(arm, search body) for each way of matching, as SqlBackend._arms."""
    filters = [*structural_filters(query, kind, today=today), *field_filters(query, kind)]
    if not query.text_slots:
        return [("text", _search(_filtered(filters), sort=POPULAR_FIRST, pool=pool))]
    arms = [("exact", _filtered([*filters, {"terms": {"name_key": exact_keys(query)}}]))]
    if query.key:
        starts = _any([{"prefix": {"name_key": {"value": key}}} for key in (query.key, f"the {query.key}")])
        arms.append(("prefix", _filtered([*filters, starts])))
    searches = [(arm, _search(q, sort=POPULAR_FIRST, pool=pool)) for arm, q in arms]
    text = {"bool": {"filter": filters, "must": [scored_slot(slot, TEXT_COLUMNS) for slot in query.text_slots]}}
    searches.append(("text", _search(text, sort=SCORED_FIRST, pool=pool)))
    if with_name_arm:
        name = _filtered([*filters, *(slot_filter(slot, [COLUMNS["A"]]) for slot in query.text_slots)])
        searches.append(("name", _search(name, sort=POPULAR_FIRST, pool=pool)))
    return searches


def build_count(query: Query, kind: str, *, today: date, cap: int) -> dict:
    """Documents of `kind` matching every word as typed or corrected (not fuzzily: as SqlBackend.count),
    counted up to `cap`."""
    filters = [*structural_filters(query, kind, today=today), *field_filters(query, kind)]
    filters += [slot_filter(slot, TEXT_COLUMNS) for slot in query.text_slots]
    return {"query": _filtered(filters), "size": 0, "track_total_hits": cap}


def build_similar(token: str) -> dict:
    """Term suggestions for `token`: the index's words up to two edits away, in any text column."""
    # max_term_freq: by default a word in more than 1% of documents gets no suggestions (taken as
    # spelled right); the spelling step decides that itself, from popularity, as with the trigram backends.
    options = {"suggest_mode": "always", "max_edits": 2, "prefix_length": 0, "min_word_length": 3,
               "max_term_freq": ANY_FREQUENCY, "size": NEIGHBOURS}  # fmt: skip
    return {"size": 0, "suggest": {"text": token, **{c: {"term": {"field": c, **options}} for c in TEXT_COLUMNS}}}


def candidate_from(source: dict, arm: str) -> Candidate:
    return Candidate(**{name: source[name] for name in SOURCE}, arm=arm)


def similar_from(response: dict) -> list[str]:
    best: dict[str, tuple[float, int]] = {}
    for entries in response.get("suggest", {}).values():
        for entry in entries:
            for option in entry["options"]:
                found = (option["score"], option.get("freq", 0))
                best[option["text"]] = max(best.get(option["text"], found), found)
    return sorted(best, key=lambda term: (-best[term][0], -best[term][1], term))[:NEIGHBOURS]


# --- Talking to Elasticsearch --------------------------------------------------------------------


class ResponseError(Exception):
    """One search of a multi-search failed."""

    def __init__(self, status: int, error: dict):
        super().__init__(f"{status}: {error}")
        self.status = status


def unavailable(exc: BaseException) -> bool:
    """A failure of the engine rather than of the request: unreachable, timing out, overloaded,
    failing (5xx), or without its index. A 400 is a query this module built wrong, and is raised."""
    if isinstance(exc, TransportConnectionError | ConnectionTimeout):
        return True
    status = exc.status_code if isinstance(exc, ApiError) else getattr(exc, "status", None)
    return isinstance(status, int) and (status in UNAVAILABLE_STATUS or status >= 500)


def index_name() -> str:
    return settings.ELASTICSEARCH_INDEX


def _client() -> Elasticsearch:
    return connections.get_connection()  # configured from settings.ELASTICSEARCH_DSL


def _msearch(bodies: list[dict]) -> list[dict]:
    searches: list[dict] = []
    for body in bodies:
        searches += [{"index": index_name()}, body]
    responses = _client().msearch(searches=searches)["responses"]
    for response in responses:
        if "error" in response:
            raise ResponseError(response.get("status", 500), response["error"])
    return responses


def _database_backend():
    from apps.catalog.search.backends import BACKENDS

    return import_string(BACKENDS[connection.vendor])()


class ElasticsearchBackend:
    name = "elasticsearch"
    reads_names_apart = False  # every arm comes back from one msearch, whatever candidates() is asked

    def _or_database(self, method: str, call: Callable, *args, **kwargs):
        try:
            return call()
        except Exception as exc:
            if not unavailable(exc):
                raise
            logger.warning("Elasticsearch unavailable (%s); searching the database instead", exc)
            return getattr(_database_backend(), method)(*args, **kwargs)

    def similar_terms(self, token: str) -> list[str]:
        def ask() -> list[str]:
            return similar_from(_client().search(index=index_name(), body=build_similar(token)).body)

        return self._or_database("similar_terms", ask, token)

    def candidates(
        self,
        query: Query,
        kinds: list[str],
        *,
        pool: int,
        today: date,
        with_name_arm: bool = True,
        text_kinds: list[str] | None = None,  # (the SQL backends' economies; one msearch asks all here)
        name_kinds: list[str] | None = None,
        titled_pool: int | None = None,  # (ditto; kept for the database answering in its place)
        share_common_words: bool = True,
    ) -> dict[str, list[Candidate]]:
        plan = [
            (kind, arm, body)
            for kind in kinds
            for arm, body in build_searches(query, kind, today=today, pool=pool, with_name_arm=with_name_arm)
        ]

        def ask() -> dict[str, list[Candidate]]:
            found: dict[str, list[Candidate]] = {kind: [] for kind in kinds}
            if not plan:
                return found
            seen: set[int] = set()
            for (kind, arm, _), response in zip(plan, _msearch([body for _, _, body in plan]), strict=True):
                for hit in response["hits"]["hits"]:
                    candidate = candidate_from(hit["_source"], arm)
                    if candidate.id not in seen:
                        seen.add(candidate.id)
                        found[kind].append(candidate)
            return found

        return self._or_database(
            "candidates", ask, query, kinds, pool=pool, today=today, with_name_arm=with_name_arm,
            titled_pool=titled_pool, share_common_words=share_common_words,
        )  # fmt: skip

    def count(self, query: Query, kinds: list[str], *, cap: int, today: date) -> dict[str, int]:
        def ask() -> dict[str, int]:
            if not kinds:
                return {}
            responses = _msearch([build_count(query, kind, today=today, cap=cap) for kind in kinds])
            return {kind: min(cap, r["hits"]["total"]["value"]) for kind, r in zip(kinds, responses, strict=True)}

        return self._or_database("count", ask, query, kinds, cap=cap, today=today)


# --- Keeping the index current -------------------------------------------------------------------


def _index_action(document: SearchDocumentIndex, row: SearchDocument, index: str) -> dict:
    return {"_op_type": "index", "_index": index, "_id": document_id(row.kind, row.object_id),
            "_source": document.prepare(row)}  # fmt: skip


def elastic_sync(*, kind: str, object_ids: Iterable[int], refresh: bool = False) -> None:
    """Make the index say what the rows say now: index the documents of `kind` with these object
    ids, delete those that no longer have a row. Reading the rows when it runs (not when it was
    queued) makes a late or repeated sync harmless."""
    ids = sorted(set(object_ids))
    rows = list(SearchDocument.objects.filter(kind=kind, object_id__in=ids))
    present = {row.object_id for row in rows}
    document, index = SearchDocumentIndex(), index_name()
    actions = [_index_action(document, row, index) for row in rows]
    gone = [pk for pk in ids if pk not in present]
    actions += [{"_op_type": "delete", "_index": index, "_id": document_id(kind, pk)} for pk in gone]
    if not actions:
        return
    # require_alias: never let a write create the index (with guessed mappings) where
    # elastic_rebuild has not made it yet.
    _, errors = bulk(_client(), actions, raise_on_error=False, max_retries=BULK_RETRIES, refresh=refresh,
                     require_alias=True)  # fmt: skip
    # A delete of what was never indexed is a 404: it is not there, which is what was asked.
    failed = [error for error in errors if error.get("delete", {}).get("status") != 404]
    if failed:
        raise BulkIndexError(f"{len(failed)} document(s) not written to {index}", failed)


def _all_actions(index: str) -> Iterator[dict]:
    document = SearchDocumentIndex()
    for row in SearchDocument.objects.order_by("pk").iterator(chunk_size=BULK_CHUNK):
        yield _index_action(document, row, index)


def elastic_rebuild(*, log: Callable[[str], None] = lambda _: None) -> int:
    """Index every SearchDocument row into a new index, then point the alias
    (settings.ELASTICSEARCH_INDEX) at it in one step and drop the old one: searches see the old
    index until the new one is complete. Returns how many documents were indexed.

    A sync that runs during the rebuild writes to the old index; if its row was read before the
    change, the new index misses it. Rebuild when the catalog is quiet, or sync those ids again."""
    client, alias = _client(), index_name()
    concrete = f"{alias}-{timezone.now():%Y%m%d%H%M%S%f}"
    SearchDocumentIndex._index.clone(name=concrete).create(using=client)
    count = 0
    for ok, _ in streaming_bulk(client, _all_actions(concrete), chunk_size=BULK_CHUNK, max_retries=BULK_RETRIES):
        count += ok
        if count % 100_000 == 0:
            log(f"  {count:,} documents indexed")
    client.indices.refresh(index=concrete)
    old = list(client.indices.get_alias(name=alias).body) if client.indices.exists_alias(name=alias) else []
    actions: list[dict] = [{"remove": {"index": name, "alias": alias}} for name in old]
    if not old and client.indices.exists(index=alias):
        # A plain index under the alias's name (django-elasticsearch-dsl's `search_index --create`
        # makes one): replaced by the alias in the same atomic step.
        actions.append({"remove_index": {"index": alias}})
    actions.append({"add": {"index": concrete, "alias": alias}})
    client.indices.update_aliases(actions=actions)
    for name in old:
        client.indices.delete(index=name, ignore_unavailable=True)
    log(f"  {count:,} documents in {concrete}, now {alias}")
    return count
