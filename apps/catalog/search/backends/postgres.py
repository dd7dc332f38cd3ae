"""PostgreSQL: the weighted tsvector (a stored generated column, GIN-indexed per kind) for words,
pg_trgm on the vocabulary for two-edit corrections. Queries are written as tsquery values, not
parsed from text: every lexeme is quoted, so no character a user types is an operator."""

from __future__ import annotations

import json

from django.db import connection

from apps.catalog.search.backends.sql import SqlBackend
from apps.catalog.search.query import Slot

TRIGRAM_NEIGHBOURS = 20
# Popularity tiers, each kind's GIN index split along them (migration 0005): on Spotify's log scale
# the top tier is about the 2 % most popular, the middle the next fifth, the bottom the long tail.
POPULARITY_TIERS = ((30, None), (10, 30), (None, 10))


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

    def text_condition(self, groups):
        return "d.vector @@ %s::tsquery", [tsquery(groups)]

    def count(self, query, kinds, *, cap: int, today) -> dict[str, int]:
        """The planner's estimate instead of a count: a count reads every match's row from the
        heap (a GIN index cannot answer it alone), which for a common word costs more than the
        search itself, while the estimate comes from the vector's statistics for free. Spotify's
        totals are approximate too; the service never reports fewer than it has found."""
        totals = {}
        with connection.cursor() as cursor:
            for kind in kinds:
                where, params = self._match_conditions(query, kind, today)
                sql = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM catalog_searchdocument d WHERE {' AND '.join(where)}"  # noqa: S608 (sql.SQL_SAFETY)
                cursor.execute(sql, params)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                totals[kind] = min(cap, int(plan[0]["Plan"]["Plan Rows"]))
        return totals

    def similar_terms(self, token: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT term FROM catalog_searchterm WHERE term %% %s "
                "ORDER BY similarity(term, %s) DESC, term LIMIT %s",
                [token, token, TRIGRAM_NEIGHBOURS],
            )
            return [row[0] for row in cursor.fetchall()]
