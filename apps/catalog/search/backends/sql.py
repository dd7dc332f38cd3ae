"""What the two database backends share: the search read model's table, queried in one statement
of UNION ALL arms per request, each arm the most popular documents of one way to match:

- exact: the name is the query (or "the " + the query, or the query spelled right);
- prefix: the name begins with the query (a byte range on the name-key index);
- text: every word matches somewhere (name, artists, album), the last as a prefix;
- name (on request): every word matches in the name, so that a little-known track titled with
  the words is ranked with popular ones that only mention them elsewhere. Search leaves it out: it
  doubles the index work, and the exact arm already brings an obscure track of exactly that title.

Each arm is limited (`pool`) and ordered by popularity, which an index serves: a common word is
answered by walking the most popular documents, a rare one by its posting list. A backend may read
the arms that match names apart from those that match words (`_rows`): PostgreSQL plans the former
once per connection (generic_plans).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection

from apps.catalog.search.models import SearchKind
from apps.catalog.search.query import Query, Slot

# SQL_SAFETY: statements here are assembled from fragments this module and the backends write
# (column and table names, arm labels, kinds from SearchKind, "%s" placeholders); every value that
# comes from a user (words, keys, years, codes) is a bound parameter, never text in the SQL.
COLUMNS = ("id", "kind", "object_id", "public_id", "name", "subtitle", "image_key", "name_key", "name_terms",
           "artist_terms", "album_terms", "popularity")  # fmt: skip
PREFIX_END = "\U0010ffff"  # above every character: [p, p + this) holds exactly the strings beginning with p
NEW_RELEASE_DAYS = 14
MAX_TITLED_WORDS = 4  # "<title> <artist>" arms for queries of up to this many words (one per split)
HIPSTER_POPULARITY = 10
NAME_ARMS = frozenset({"exact", "prefix"})  # the arms that match names, not words

# Which weighted column (A name, B artists or owner, C album or description, D genres) each field
# filter reads, per kind: `artist:` is the name of an artist, the credits of a track or album.
TEXT_WEIGHTS = "ABC"
FIELD_WEIGHTS = {
    SearchKind.TRACK: {"artist": "B", "album": "C", "track": "A", "genre": "D"},
    SearchKind.ALBUM: {"artist": "B", "album": "A"},
    SearchKind.ARTIST: {"artist": "A", "genre": "D"},
    SearchKind.PLAYLIST: {},
}


@dataclass
class Candidate:
    id: int
    kind: str
    object_id: int
    public_id: str
    name: str
    subtitle: str
    image_key: str
    name_key: str
    name_terms: str
    artist_terms: str
    album_terms: str
    popularity: int
    arm: str = ""


class SqlBackend(ABC):
    name = "sql"
    # Word matches are read most popular first, tier by tier: [low, high) bounds of popularity,
    # each with its own partial index where a backend has them (PostgreSQL, for the kinds in
    # TIERED_KINDS; its other kinds are read in one scan each). The tiers are
    # concatenated under one LIMIT, so a tier below is read only when those above hold too few
    # matches: a common word is answered from the small popular tier, a rare one reads all three,
    # and neither walks thousands of rows to test them one by one.
    TIERS: tuple[tuple[int | None, int | None], ...] = ((None, None),)
    TIERED_KINDS: frozenset[str] | None = None  # the kinds read tier by tier (None: all)
    reads_names_apart = True  # candidates() reads only the arms it is asked for (text_kinds, name_kinds)

    # --- what each database says differently ---------------------------------------------------

    @abstractmethod
    def text_condition(self, groups: list[tuple[list[Slot], str]]) -> tuple[str, list]:
        """SQL (on table alias `d`) true when every slot of every group matches in the group's
        weighted columns."""
        raise NotImplementedError

    @abstractmethod
    def similar_terms(self, token: str) -> list[str]:
        raise NotImplementedError

    def named_condition(self, names: list[str], column: str = "d.name_key") -> tuple[str, list]:
        """SQL true when `column` (a document's name key) is one of `names`, and its parameters."""
        return f"{column} IN ({', '.join(['%s'] * len(names))})", names

    def few_documents_hold(self, slots: list[Slot], *, share_common_words: bool = True) -> bool:
        """Whether the words are known to be in few enough documents that reading every one of
        them is cheap (then the titled and text arms share one read: _shared_word_read);
        `share_common_words` off: not when one of them is known to be common."""
        return False

    # --- shared ---------------------------------------------------------------------------------

    def _structural(self, query: Query, kind: str, today: date) -> tuple[list[str], list]:
        where = ["d.kind = %s", "(d.released_on IS NULL OR d.released_on <= %s)"]
        params: list = [kind, today]
        if query.year and kind == SearchKind.ARTIST:  # an artist's span of years overlaps the range
            where.append("d.year_from <= %s AND d.year_to >= %s")
            params += [query.year[1], query.year[0]]
        elif query.year:  # one year: a single range condition, which the planner estimates well
            where.append("d.year_from BETWEEN %s AND %s")
            params += [query.year[0], query.year[1]]
        if query.code:
            where.append("d.code = %s")
            params.append(query.code)
        if "new" in query.tags:
            where.append("d.released_on >= %s")
            params.append(today - timedelta(days=NEW_RELEASE_DAYS))
        if "hipster" in query.tags:
            where.append("d.popularity <= %s")
            params.append(HIPSTER_POPULARITY)
        return where, params

    def _field_groups(self, query: Query, kind: str) -> list[tuple[list[Slot], str]]:
        weights = FIELD_WEIGHTS[kind]
        return [(slots, weights[name]) for name, slots in query.fields.items() if slots]

    def _arms(
        self,
        query: Query,
        kind: str,
        today: date,
        pool: int,
        *,
        with_name_arm: bool,
        with_text: bool = True,
        with_names: bool = True,
        titled_pool: int | None = None,
        share_common_words: bool = True,
    ):
        """Each arm of one kind as (label, SQL, parameters); "words" labels a shared word read."""
        where, params = self._structural(query, kind, today)
        fields = self._field_groups(query, kind)
        if fields:
            sql, extra = self.text_condition(fields)
            where, params = [*where, sql], [*params, *extra]
        arms, titled, shared = [], None, False
        select = ", ".join(f"d.{column}" for column in COLUMNS)
        big = kind == SearchKind.TRACK  # millions of documents; the other kinds are a few percent of it
        if query.text_slots:
            keys = exact_keys(query)
            if big:
                if with_names:
                    yield "exact", *_exact_arm(select, kind, where, params, keys, pool)
                if with_text:  # as costly as words anywhere, and asked for with them
                    titled = self._titled(query, pool if titled_pool is None else titled_pool)
            elif with_names:  # few enough to read every document of those names and sort them
                placeholders = ", ".join(["%s"] * len(keys))
                arms.append(("exact", [*where, f"d.name_key IN ({placeholders})"], [*params, *keys]))
            shared = titled is not None and self.few_documents_hold(
                query.text_slots, share_common_words=share_common_words
            )
            if titled and not shared:
                conditions = [*where, titled.words_sql, titled.named_sql]
                arms.append(("titled", conditions, [*params, *titled.words_params, *titled.named_params]))
            if query.key and with_names:
                ranges = " OR ".join(["(d.name_key >= %s AND d.name_key < %s)"] * 2)
                bounds = [query.key, query.key + PREFIX_END, f"the {query.key}", f"the {query.key}{PREFIX_END}"]
                arms.append(("prefix", [*where, f"({ranges})"], [*params, *bounds]))
            sql, extra = self.text_condition([(query.text_slots, TEXT_WEIGHTS)])
            if with_text:
                arms.append(("text", [*where, sql], [*params, *extra]))
            if with_name_arm:
                sql, extra = self.text_condition([(query.text_slots, "A")])
                arms.append(("name", [*where, sql], [*params, *extra]))
        else:
            arms.append(("text", where, params))
        for arm, conditions, arm_params in arms:
            if arm == "text" and shared:
                yield "words", *self._shared_word_read(titled, select, kind, conditions, arm_params, pool)
                continue
            # Prefixes of track names by tier too: a range of names cannot be read in popularity
            # order, and a common beginning ("love") holds thousands of tracks.
            tiered = arm in ("text", "name", "titled") or (arm == "prefix" and big)
            tiered = tiered and (self.TIERED_KINDS is None or kind in self.TIERED_KINDS)
            arm_pool = titled.pool if arm == "titled" else pool
            parts, part_params = [], []
            for low, high in self.TIERS if tiered else ((None, None),):
                bounds, bound_params = _tier(low, high)
                parts.append(
                    f"SELECT {select}, '{arm}' AS arm FROM catalog_searchdocument d "  # noqa: S608 (see SQL_SAFETY)
                    f"WHERE {' AND '.join([*conditions, *bounds])} ORDER BY d.popularity DESC, d.id LIMIT %s"
                )
                part_params += [*arm_params, *bound_params, arm_pool]
            yield arm, *_limited_union(parts, part_params, arm_pool, f"{arm}_{kind}")

    def _shared_word_read(self, titled: _Titled, select: str, kind: str, text_conditions, text_params, pool: int):
        """The titled and text arms as one statement that reads the words' index once per tier.
        Both ask for documents holding every word (the titled arm in names and credits, the text
        arm in the album too): a GIN index does not store where in a document a word is, so the
        two index scans were the same scan twice, the dearest part of a query of several words.
        Each tier's matches are read once into a materialised CTE (read only when an arm gets to
        that tier), and the titled arm keeps those with the words in names and credits that are
        named by the first words.

        Only for words few documents hold: the CTE reads every match from the table, where the
        titled arm alone has the planner find the names first (a bitmap AND with the name index),
        so for common words ("noah br") sharing costs 10 to 20 ms more than it saves. Yielded
        where the text arm stands: ahead of it, only the text arm's labels are counted (`crowded`
        in the service)."""
        ctes, cte_params, titled_parts, titled_params, text_parts, text_params_ = [], [], [], [], [], []
        columns = ", ".join(COLUMNS)
        # The names as such: a materialised read has no index left to match them in.
        named, named_params = SqlBackend.named_condition(self, titled.names, column="name_key")
        for n, (low, high) in enumerate(self.TIERS):
            bounds, bound_params = _tier(low, high)
            ctes.append(
                f"words_{n} AS MATERIALIZED (SELECT {select}, ({titled.words_sql}) AS in_credits "  # noqa: S608 (see SQL_SAFETY)
                f"FROM catalog_searchdocument d WHERE {' AND '.join([*text_conditions, *bounds])})"
            )
            cte_params += [*titled.words_params, *text_params, *bound_params]
            order = "ORDER BY popularity DESC, id LIMIT %s"
            kept = f"WHERE in_credits AND {named}"
            titled_parts.append(f"SELECT {columns}, 'titled' AS arm FROM words_{n} {kept} {order}")  # noqa: S608 (see SQL_SAFETY)
            titled_params += [*named_params, titled.pool]
            text_parts.append(f"SELECT {columns}, 'text' AS arm FROM words_{n} {order}")  # noqa: S608 (see SQL_SAFETY)
            text_params_.append(pool)
        titled_sql, titled_sql_params = _limited_union(titled_parts, titled_params, titled.pool, f"titled_{kind}")
        text_sql, text_sql_params = _limited_union(text_parts, text_params_, pool, f"text_{kind}")
        sql = f"SELECT * FROM (WITH {', '.join(ctes)} {titled_sql} UNION ALL {text_sql}) AS words_{kind}"  # noqa: S608 (see SQL_SAFETY)
        return sql, [*cte_params, *titled_sql_params, *text_sql_params]

    def _titled(self, query: Query, pool: int) -> _Titled | None:
        """ "<title> <artist>", the way people look for one song: the tracks named exactly by the
        first words (or their corrections), for each place the words could split, that hold every
        word, so the rest in their credits. The text arm cannot be trusted with these: a title
        everyone shares, or other tracks with all the words in their names, fill its pool first.

        One arm for every split, found through the word index by popularity tier like the text arm
        and then held to the names. Read by the name instead, a title thousands of tracks share
        ("Intro", "Home") had each of them tested against the credits: 7 to 14 ms for each split
        in bench_search's million tracks; and an arm per split read the same words' postings again.
        The names are matched as `named_condition` says: PostgreSQL matches them in the word index
        itself (migration 0009)."""
        slots = query.text_slots
        words = query.key.split()
        if not 2 <= len(slots) <= MAX_TITLED_WORDS or len(words) != len(slots):
            return None
        names: list[str] = []
        for split in range(1, len(slots)):
            names.append(" ".join(words[:split]))
            names.append(" ".join(slot.corrections[0] if slot.corrections else slot.token for slot in slots[:split]))
        sql, extra = self.text_condition([(slots, "AB")])
        names = list(dict.fromkeys(names))
        return _Titled(sql, extra, names, *self.named_condition(names), pool=pool)

    def candidates(
        self,
        query: Query,
        kinds: list[str],
        *,
        pool: int,
        today: date,
        with_name_arm: bool = False,
        text_kinds: list[str] | None = None,
        name_kinds: list[str] | None = None,
        titled_pool: int | None = None,
        share_common_words: bool = True,
    ) -> dict[str, list[Candidate]]:
        """`text_kinds`: the kinds whose words-anywhere arm runs (all by default); the others get
        only exact and prefix matches of their names. `name_kinds`: the kinds whose exact and
        prefix arms run (all by default). `titled_pool`: the "<title> <artist>" arm's own limit
        (`pool` by default). `share_common_words`: whether three words or more share one read of
        the word index even when one of them is common (few_documents_hold)."""
        by_name: list[tuple[str, list]] = []  # arms whose plan is the same whatever the words
        by_words: list[tuple[str, list]] = []
        for kind in kinds:
            with_text = text_kinds is None or kind in text_kinds
            with_names = name_kinds is None or kind in name_kinds
            for arm, sql, arm_params in self._arms(
                query,
                kind,
                today,
                pool,
                with_name_arm=with_name_arm,
                with_text=with_text,
                with_names=with_names,
                titled_pool=titled_pool,
                share_common_words=share_common_words,
            ):
                # A field filter puts words into every arm, the name arms too.
                plan_free = arm in NAME_ARMS and not query.fields
                (by_name if plan_free else by_words).append((sql, arm_params))
        found: dict[str, list[Candidate]] = {kind: [] for kind in kinds}
        seen: set[int] = set()
        for row in self._rows(by_name, by_words):
            candidate = Candidate(*row)
            if candidate.id not in seen:
                seen.add(candidate.id)
                found[candidate.kind].append(candidate)
        return found

    def _rows(self, by_name: list[tuple[str, list]], by_words: list[tuple[str, list]]) -> list[tuple]:
        """The rows of every arm, those matching names first. `by_name`: the arms matching names
        only (exact and prefix), whose best plan does not depend on the words; `by_words`: the
        others. Here one statement for all of them."""
        return union_rows([*by_name, *by_words])

    def count(self, query: Query, kinds: list[str], *, cap: int, today: date) -> dict[str, int]:
        """How many documents of each kind match, counted up to `cap` (a page past it cannot be
        asked for, and counting every match of a common word would cost more than the search)."""
        selects, params = [], []
        for kind in kinds:
            where, where_params = self._match_conditions(query, kind, today)
            parts = []
            for low, high in self.TIERS:
                bounds, bound_params = _tier(low, high)
                parts.append(f"SELECT 1 FROM catalog_searchdocument d WHERE {' AND '.join([*where, *bounds])}")  # noqa: S608 (see SQL_SAFETY)
                params += [*where_params, *bound_params]
            selects.append(f"(SELECT count(*) FROM ({' UNION ALL '.join(parts)} LIMIT %s) AS matches)")  # noqa: S608 (see SQL_SAFETY)
            params.append(cap)
        if not selects:
            return {}
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(selects), params)
            return dict(zip(kinds, cursor.fetchone(), strict=True))

    def _match_conditions(self, query: Query, kind: str, today: date) -> tuple[list[str], list]:
        """What every match of the query (of one kind) satisfies, as the text arm asks it."""
        where, where_params = self._structural(query, kind, today)
        groups = self._field_groups(query, kind)
        if query.text_slots:
            groups = [(query.text_slots, TEXT_WEIGHTS), *groups]
        if groups:
            sql, extra = self.text_condition(groups)
            where, where_params = [*where, sql], [*where_params, *extra]
        return where, where_params


def union(arms: list[tuple[str, list]]) -> tuple[str, list]:
    """The arms' SQL joined by UNION ALL, and their parameters in order."""
    return " UNION ALL ".join(sql for sql, _ in arms), [param for _, params in arms for param in params]


def union_rows(arms: list[tuple[str, list]]) -> list[tuple]:
    """The rows of the arms, read in one statement (no arms: no rows)."""
    if not arms:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*union(arms))
        return cursor.fetchall()


def _exact_arm(select: str, kind: str, where: list[str], params: list, keys: list[str], pool: int) -> tuple[str, list]:
    """The exact arm: each spelling of the name read on its own, most popular first off the
    (kind, name_key, popularity) index and cut at `pool`, then merged. As one `name_key IN (...)`
    the matches cannot be read in popularity order, and PostgreSQL walks the popularity index
    instead, testing every document against the names: 16,000 rows for "love" in a million."""
    parts, part_params = [], []
    for n, key in enumerate(keys):
        conditions = " AND ".join([*where, "d.name_key = %s"])
        parts.append(
            f"SELECT * FROM (SELECT {select}, 'exact' AS arm FROM catalog_searchdocument d "  # noqa: S608 (see SQL_SAFETY)
            f"WHERE {conditions} ORDER BY d.popularity DESC, d.id LIMIT %s) AS exact_{kind}_{n}"
        )
        part_params += [*params, key, pool]
    union = " UNION ALL ".join(parts)
    merged = f"SELECT * FROM ({union}) AS exact_spellings_{kind} ORDER BY popularity DESC, id LIMIT %s"  # noqa: S608 (see SQL_SAFETY)
    return f"SELECT * FROM ({merged}) AS exact_{kind}", [*part_params, pool]  # noqa: S608 (see SQL_SAFETY)


@dataclass
class _Titled:
    """The titled arm's parts: every word in names and credits, and the names the first words make."""

    words_sql: str
    words_params: list
    names: list[str]
    named_sql: str  # the names as the backend matches them (named_condition)
    named_params: list
    pool: int  # how many of its matches to read


def _limited_union(parts: list[str], params: list, pool: int, alias: str) -> tuple[str, list]:
    """Parts read in order under one LIMIT: a part below is read only when those above hold too few."""
    if len(parts) == 1:
        return f"SELECT * FROM ({parts[0]}) AS {alias}", params  # noqa: S608 (see SQL_SAFETY)
    # (SQLite, with one tier, takes no parentheses around the members of a UNION)
    union = " UNION ALL ".join(f"({part})" for part in parts)
    return f"SELECT * FROM ({union} LIMIT %s) AS {alias}", [*params, pool]  # noqa: S608 (see SQL_SAFETY)


def _tier(low: int | None, high: int | None) -> tuple[list[str], list[int]]:
    bounds, params = [], []
    if low is not None:
        bounds.append("d.popularity >= %s")
        params.append(low)
    if high is not None:
        bounds.append("d.popularity < %s")
        params.append(high)
    return bounds, params


def exact_keys(query: Query) -> list[str]:
    """The names that count as the query exactly: as typed, with a leading "the", and with every
    misspelled word replaced by its best correction."""
    keys = [query.key]
    words = query.key.split()
    fixes = {slot.token: slot.corrections[0] for slot in query.text_slots if slot.corrections}
    if fixes:
        keys.append(" ".join(fixes.get(word, word) for word in words))
    keys += [f"the {key}" for key in keys]
    return [key for key in dict.fromkeys(keys) if key.strip()] or [""]
