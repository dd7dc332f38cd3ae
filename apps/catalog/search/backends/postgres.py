"""PostgreSQL: the weighted tsvector (a stored generated column, GIN-indexed per kind) for words,
pg_trgm on the vocabulary for two-edit corrections. Queries are written as tsquery values, not
parsed from text: every lexeme is quoted, so no character a user types is an operator."""

from __future__ import annotations

import json
import time

from django.db import connection

from apps.catalog.search.backends import generic_plans
from apps.catalog.search.backends.sql import SqlBackend, union, union_rows
from apps.catalog.search.models import SearchKind
from apps.catalog.search.query import Slot

TRIGRAM_NEIGHBOURS = 20
# How many documents at most the words of a query may be in for the titled and text arms to share
# one read of them (SqlBackend._shared_word_read): each is read from the table, ~0.01 ms apiece.
SHARED_READ_MAX_DOCUMENTS = 1000
# A word in more documents than this makes reading every match of three words dearer than the
# titled arm's own read through names (bench_search, side by side: search p95 17.3 -> 14.7 ms, the
# same answers; suggest, whose titled arm reads little, measured 0.9 ms slower so and keeps sharing).
COMMON_WORD_SHARE = 0.08
WORD_STATISTICS_SECONDS = 600  # the statistics change with ANALYZE (autovacuum's, or the maintenance task's)
# Popularity tiers, the tracks' GIN index split along them (migration 0005): on Spotify's log scale
# the top tier is about the 2 % most popular, the middle the next fifth, the bottom the long tail.
# The other kinds, a few percent of the documents, have one index each (migration 0008): every
# tier is one more scan to plan in each statement, and for them the planner's choice costs as little.
POPULARITY_TIERS = ((30, None), (10, 30), (None, 10))
TIER_NAMES = ("top", "mid", "tail")
TIERED_KINDS = frozenset({SearchKind.TRACK})
VECTOR_INDEXES = [
    *(f"search_vector_{kind}_{tier}" for kind in sorted(TIERED_KINDS) for tier in TIER_NAMES),
    *(f"search_vector_{kind}" for kind in SearchKind.values if kind not in TIERED_KINDS),
]


def lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def slot_tsquery(slot: Slot, weights: str) -> str:
    if slot.prefix and slot.completions:
        # The likeliest words being typed, not `:*`: a prefix match reads the posting list of every
        # word the prefix begins, which for a short one is a good part of the index.
        alternatives = [f"{lexeme(word)}:{weights}" for word in slot.completions]
    else:
        alternatives = [f"{lexeme(slot.token)}:{'*' if slot.prefix else ''}{weights}"]
    alternatives += [f"{lexeme(correction)}:{weights}" for correction in slot.corrections]
    return "(" + " | ".join(alternatives) + ")"


def tsquery(groups: list[tuple[list[Slot], str]]) -> str:
    return " & ".join(slot_tsquery(slot, weights) for slots, weights in groups for slot in slots)


class PostgresBackend(SqlBackend):
    name = "postgresql"
    TIERS = POPULARITY_TIERS
    TIERED_KINDS = TIERED_KINDS

    def text_condition(self, groups):
        return "d.vector @@ %s::tsquery", [tsquery(groups)]

    def _rows(self, by_name, by_words):
        """The name arms in a statement planned once per connection (generic_plans), the word
        arms in one planned for their words."""
        found = generic_plans.rows(*union(by_name)) if by_name else []
        return found + union_rows(by_words)

    def count(self, query, kinds, *, cap: int, today) -> dict[str, int]:
        """The planner's estimate instead of a count: a count reads every match's row from the
        heap (a GIN index cannot answer it alone), which for a common word costs more than the
        search itself, while the estimate comes from the vector's statistics for free. Spotify's
        totals are approximate too; the service never reports fewer than it has found."""
        # One statement for every kind, each a member of the UNION ALL: one plan and one round trip
        # instead of one per kind (a common word crowds all four).
        if not kinds:
            return {}
        selects, params = [], []
        for kind in kinds:
            where, where_params = self._match_conditions(query, kind, today)
            selects.append(f"SELECT 1 FROM catalog_searchdocument d WHERE {' AND '.join(where)}")  # noqa: S608 (sql.SQL_SAFETY)
            params += where_params
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {' UNION ALL '.join(selects)}", params)
            plan = cursor.fetchone()[0]
        plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
        members = plan["Plans"] if len(kinds) > 1 and plan["Node Type"] == "Append" else [plan]
        # Members in the statement's order, each one kind's, unless the planner left one out (proved
        # empty) or ran them as a Parallel Append under a Gather (ordered by cost): then per kind.
        if len(members) != len(kinds):
            return {kind: self.count(query, [kind], cap=cap, today=today)[kind] for kind in kinds}
        return {kind: min(cap, int(member["Plan Rows"])) for kind, member in zip(kinds, members, strict=True)}

    def few_documents_hold(self, slots, *, share_common_words: bool = True) -> bool:
        """Three words or more: rarely all together in many documents; with `share_common_words`
        off, only when none of them is in more than COMMON_WORD_SHARE of the documents (nor is a
        word being typed that no completion bounds). Fewer: known to be rare from the planner's
        statistics of the vector column (ANALYZE keeps the share of documents holding each of its
        most common words, down to a floor that every word not listed is under): the documents
        holding every word are at most those holding its rarest slot, and a slot's share is at
        most the sum of its alternatives'. Without statistics (never analysed), nothing is known
        to be rare or common.

        Measured in bench_search's million tracks, side by side: suggest p95 15.6 -> 12.9 ms,
        search p95 19.8 -> 18.9, the same answers; a few queries of three words, with one like
        "of", read thousands of rows and lose up to 8 ms (hence `share_common_words`, see
        COMMON_WORD_SHARE)."""
        if len(slots) >= 3 and share_common_words:
            return True
        statistics = _word_statistics()
        if statistics is None:
            return len(slots) >= 3
        documents, shares, floor = statistics
        if len(slots) >= 3:
            return all(_share(slot, shares, floor) <= COMMON_WORD_SHARE for slot in slots)
        rarest = min(_share(slot, shares, floor) for slot in slots)
        return documents * rarest <= SHARED_READ_MAX_DOCUMENTS

    def named_condition(self, names: list[str], column: str = "d.name_key") -> tuple[str, list]:
        """The names as the tracks' word index holds them (migration 0009: a hash of the name in a
        second column of each tier's GIN index), so that the titled arm's words and names are
        matched together in the index and only the tracks with both are read from the table;
        then the names themselves, against a hash's collisions."""
        hashes = ", ".join(["hashtext(%s)"] * len(names))
        exact, params = super().named_condition(names, column)
        return f"hashtext({column}) IN ({hashes}) AND {exact}", [*names, *params]

    def similar_terms(self, token: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT term FROM catalog_searchterm WHERE term %% %s "
                "ORDER BY similarity(term, %s) DESC, term LIMIT %s",
                [token, token, TRIGRAM_NEIGHBOURS],
            )
            return [row[0] for row in cursor.fetchall()]


def _share(slot: Slot, shares: dict[str, float], floor: float) -> float:
    """At most the share of documents holding a word the slot's tsquery accepts (slot_tsquery): a
    prefix without completions accepts every word it begins, which no statistic bounds."""
    if slot.prefix and not slot.completions:
        return 1.0
    words = [*(slot.completions if slot.prefix else [slot.token]), *slot.corrections]
    return sum(shares.get(word, floor) for word in words)


_statistics: tuple[float, tuple[float, dict[str, float], float] | None] = (0.0, None)


def _word_statistics() -> tuple[float, dict[str, float], float] | None:
    """(documents, word -> share of documents holding it, the share under which every other word
    is), read from pg_stats once per WORD_STATISTICS_SECONDS per process."""
    global _statistics
    read_at, statistics = _statistics
    if time.monotonic() - read_at < WORD_STATISTICS_SECONDS and read_at:
        return statistics
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs "
            "FROM pg_class c LEFT JOIN pg_stats s ON s.tablename = c.relname AND s.attname = 'vector' "
            "AND s.schemaname = current_schema() WHERE c.relname = 'catalog_searchdocument' "
            "AND c.relnamespace = current_schema()::regnamespace"
        )
        row = cursor.fetchone()
    statistics = None
    if row and row[1] and row[2] and row[0] > 0:
        documents, words, frequencies = row
        # The words' shares, then (for a tsvector) the least and the greatest of them.
        shares = dict(zip(words, frequencies[: len(words)], strict=False))
        statistics = (float(documents), shares, float(min(shares.values())))
    _statistics = (time.monotonic(), statistics)
    return statistics


def forget_word_statistics() -> None:
    global _statistics
    _statistics = (0.0, None)
