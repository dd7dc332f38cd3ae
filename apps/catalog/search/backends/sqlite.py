"""SQLite (the embedded mode): FTS5 with the trigram tokenizer over the padded term columns. A
token is found whole as the phrase " token " and by its beginning as " tok"; the trigram index
needs three characters, so a one-letter word being typed (" a") is matched with LIKE instead,
which scans: fine for the catalogs the embedded mode is for."""

from __future__ import annotations

from django.db import connection

from apps.catalog.search.backends.sql import SqlBackend
from apps.catalog.search.query import Slot

COLUMNS = {"A": "name_terms", "B": "artist_terms", "C": "album_terms", "D": "genre_terms"}
TRIGRAM_NEIGHBOURS = 20


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _patterns(slot: Slot) -> list[str]:
    patterns = [f" {slot.token}" if slot.prefix else f" {slot.token} "]
    return patterns + [f" {correction} " for correction in slot.corrections]


class SqliteBackend(SqlBackend):
    name = "sqlite"

    def text_condition(self, groups):
        matches, likes, params = [], [], []
        for slots, weights in groups:
            columns = [COLUMNS[w] for w in weights]
            for slot in slots:
                patterns = _patterns(slot)
                if all(len(p) >= 3 for p in patterns):
                    matches.append("{" + " ".join(columns) + "} : (" + " OR ".join(map(_phrase, patterns)) + ")")
                else:
                    tests = [f"d.{column} LIKE %s" for column in columns for _ in patterns]
                    likes.append("(" + " OR ".join(tests) + ")")
                    params += [f"%{p}%" for _ in columns for p in patterns]
        conditions = []
        if matches:
            conditions.append("d.id IN (SELECT rowid FROM catalog_search_fts WHERE catalog_search_fts MATCH %s)")
            params.insert(0, " AND ".join(matches))
        conditions += likes
        return "(" + " AND ".join(conditions or ["1 = 1"]) + ")", params

    def similar_terms(self, token: str) -> list[str]:
        trigrams = {token[i : i + 3] for i in range(len(token) - 2)}
        if not trigrams:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.term FROM catalog_searchterm_fts f JOIN catalog_searchterm t ON t.id = f.rowid "
                "WHERE catalog_searchterm_fts MATCH %s ORDER BY f.rank LIMIT %s",
                [" OR ".join(map(_phrase, sorted(trigrams))), TRIGRAM_NEIGHBOURS],
            )
            return [row[0] for row in cursor.fetchall()]
