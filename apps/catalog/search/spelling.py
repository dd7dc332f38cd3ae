"""Spelling corrections from the vocabulary: "beetles" -> "beatles", "metallca" -> "metallica".

Words one edit away are found with the symmetric delete method (analysis.deletions) through a
plain index, which catches what trigram similarity misses in short words (a transposition in
"rian" shares no trigram with "rain"); two edits, allowed from six letters, come from the backend's
trigram index (pg_trgm, or SQLite's FTS5 trigram table) and are checked by edit distance here.

A word the catalog knows is corrected only to a far more popular word (the "did you mean" rule):
"beetles" keeps its own matches but also finds The Beatles, and "rain" is not turned into "ran".
The word being typed (the query's last) is not corrected while it is the beginning of a word.

Each token's corrections and completions are memoised in the process under the search version
(bumped after every index change, vocabulary included) for at most `CATALOG_RENDER_CACHE_SECONDS`:
queries repeat their words far more than their whole text (most searches are for popular
things), and the two to four queries spelling costs were a sixth of a search.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from django.conf import settings
from django.db import connection

from apps.catalog.search import analysis
from apps.catalog.search.indexing import search_version
from apps.catalog.search.models import SearchTerm, SearchTermVariant
from apps.catalog.search.query import Query, Slot
from apps.common.lookups import any_of
from apps.common.memo import VersionedMemo

MAX_CORRECTIONS = 3
MORE_POPULAR_BY = 25  # popularity points a correction of a known word must be ahead by
MAX_MEMOISED = 100_000  # tokens; past it the memo starts over


_memo = VersionedMemo(
    version=search_version, lifetime=lambda: settings.CATALOG_RENDER_CACHE_SECONDS, max_entries=MAX_MEMOISED
)


def corrections(tokens: list[str], *, typing: dict[str, bool], similar_terms) -> dict[str, tuple[str, ...]]:
    """token -> its corrections, best first. `typing`: the token being typed -> whether it begins
    a word of the vocabulary.
    `similar_terms(token)`: the backend's trigram neighbours of a token."""
    entries = _memo.entries()
    result: dict[str, tuple[str, ...]] = {}
    missing = []
    for token in dict.fromkeys(tokens):
        key = ("corrections", token, typing.get(token))
        if key not in entries:
            missing.append(token)
        elif entries[key]:
            result[token] = entries[key]
    if missing:
        found = _corrections(missing, typing=typing, similar_terms=similar_terms)
        for token in missing:
            entries[("corrections", token, typing.get(token))] = found.get(token, ())
        result.update(found)
    return result


def _corrections(tokens: list[str], *, typing: dict[str, bool], similar_terms) -> dict[str, tuple[str, ...]]:
    wanted = [t for t in dict.fromkeys(tokens) if analysis.fuzzy_allowed(t)]
    if not wanted:
        return {}
    variants_of = {t: {t, *analysis.deletions(t)} for t in wanted}
    owners: dict[str, set[str]] = defaultdict(set)
    for token, variants in variants_of.items():
        for variant in variants:
            owners[variant].add(token)
    candidates: dict[str, dict[str, int]] = defaultdict(dict)
    weights: dict[str, int] = {}
    # One query: the terms sharing a variant with each token, with their weights (a known token
    # is among them, as its own variant).
    for variant, term, weight in _terms_sharing(list(owners)):
        weights[term] = weight or 0
        for token in owners[variant]:
            if term != token and term not in candidates[token]:
                candidates[token][term] = analysis.edit_distance(token, term, limit=analysis.fuzzy_allowed(token))
    farther = []
    for token in wanted:
        allowed = analysis.fuzzy_allowed(token)
        if allowed == 2 and not any(d == 1 for d in candidates[token].values()):
            for term in similar_terms(token):
                if term != token and term not in candidates[token]:
                    candidates[token][term] = analysis.edit_distance(token, term, limit=2)
                    farther.append(term)
    if farther:
        weights.update(_weights(farther))
    result = {}
    for token in wanted:
        allowed = analysis.fuzzy_allowed(token)
        close = {term: d for term, d in candidates[token].items() if 1 <= d <= allowed}
        if not close:
            continue
        if token in weights:  # a real word of the catalog: only a far more popular one replaces it
            close = {t: d for t, d in close.items() if weights.get(t, 0) >= weights[token] + MORE_POPULAR_BY}
        elif typing.get(token):
            continue  # not a word yet, but the beginning of one: still being typed
        best = min(close.values(), default=None)
        ranked = sorted((t for t, d in close.items() if d == best), key=lambda t: (-weights.get(t, 0), t))
        if ranked:
            result[token] = tuple(ranked[:MAX_CORRECTIONS])
    return result


MAX_COMPLETIONS = 12


def completions(token: str) -> tuple[str, ...]:
    """The most popular words of the vocabulary that begin with `token` (a byte range on the
    term's index)."""
    entries = _memo.entries()
    key = ("completions", token)
    if key not in entries:
        entries[key] = tuple(_beginning_with(token))
    return entries[key]


# The vocabulary's three reads, written in SQL rather than through the ORM: every word of a search
# not yet memoised asks them, and building the querysets cost twice what running them did (~2 ms
# of a search's 3.8 ms of spelling, bench_search). The text holds table names and placeholders only.
def _terms_sharing(variants: list[str]) -> list[tuple[str, str, int | None]]:
    """(variant, term, the term's weight) for every term having one of `variants`."""
    member, params = any_of("v.variant", variants, connection)
    return _rows(
        f"SELECT v.variant, v.term, t.weight FROM {SearchTermVariant._meta.db_table} v "  # noqa: S608 (see above)
        f"LEFT JOIN {SearchTerm._meta.db_table} t ON t.term = v.term WHERE {member}",
        params,
    )


def _weights(terms: list[str]) -> list[tuple[str, int]]:
    member, params = any_of("term", terms, connection)
    return _rows(f"SELECT term, weight FROM {SearchTerm._meta.db_table} WHERE {member}", params)  # noqa: S608 (see above)


def _beginning_with(token: str) -> list[str]:
    """The most popular words of the vocabulary that begin with `token`: a byte range on the term's index."""
    sql = (
        f"SELECT term FROM {SearchTerm._meta.db_table} WHERE term >= %s AND term < %s "  # noqa: S608 (see above)
        f"ORDER BY weight DESC, term LIMIT {MAX_COMPLETIONS}"
    )
    return [term for (term,) in _rows(sql, [token, token + "\U0010ffff"])]


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def corrected(query: Query, *, similar_terms) -> Query:
    """The query with each slot's corrections filled in, and the word being typed's completions."""
    last = query.text_slots[-1] if query.text_slots and query.text_slots[-1].prefix else None
    completed = completions(last.token) if last is not None else ()
    typing = {last.token: bool(completed)} if last is not None else {}
    found = corrections(query.words(), typing=typing, similar_terms=similar_terms)
    if last is not None:
        query = replace(query, text_slots=[*query.text_slots[:-1], replace(last, completions=completed)])
    if not found:
        return query

    def fill(slots: list[Slot]) -> list[Slot]:
        return [replace(slot, corrections=found.get(slot.token, ())) for slot in slots]

    return replace(
        query,
        text_slots=fill(query.text_slots),
        fields={name: fill(slots) for name, slots in query.fields.items()},
    )
