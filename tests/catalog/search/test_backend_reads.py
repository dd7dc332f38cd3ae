"""Two of the backends' reads: how many documents match, per kind, when a page of search asks
beyond the ranked pool (on PostgreSQL the planner's estimates of every kind, from one plan), and
the titled arm's names."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.catalog.search import analysis, service
from apps.catalog.search.backends import get_backend
from apps.catalog.search.models import SearchDocument, SearchKind
from apps.catalog.search.query import parse
from apps.catalog.search.service import _spelled, suggest

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


def test_every_kinds_count_is_one_statement_on_postgresql(crowded, django_assert_num_queries):
    backend = get_backend()
    query = _spelled(parse("love"), backend)
    with django_assert_num_queries(1):  # SQLite counts every kind in one statement too
        backend.count(query, list(HOW_MANY), cap=10_000, today=timezone.localdate())
    assert backend.count(query, [], cap=10_000, today=timezone.localdate()) == {}


# PostgreSQL's own behaviour: skipped in the embedded (SQLite) run only; CI's services run has it.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's parallel plans")
def test_a_parallel_plan_is_counted_kind_by_kind(crowded, django_assert_num_queries):
    """Under a Gather the members of a Parallel Append come in the order of their cost, not the
    statement's: the estimates are then asked per kind."""
    backend = get_backend()
    query = _spelled(parse("love"), backend)
    today = timezone.localdate()
    apart = {kind: backend.count(query, [kind], cap=10_000, today=today)[kind] for kind in HOW_MANY}
    with connection.cursor() as cursor:  # a parallel plan for any size (the test's transaction ends it)
        for setting in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size",
                        "min_parallel_index_scan_size"):  # fmt: skip
            cursor.execute(f"SET LOCAL {setting} = 0")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 2")
        cursor.execute("SET LOCAL enable_seqscan = on")
    with django_assert_num_queries(1 + len(HOW_MANY)):
        assert backend.count(query, list(HOW_MANY), cap=10_000, today=today) == apart


# PostgreSQL's own behaviour: skipped in the embedded (SQLite) run only; CI's services run has it.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's index (migration 0009)")
def test_the_titled_arm_finds_names_in_the_word_index(crowded):
    """The titled arm's name condition is the expression the index holds, so that the scan meets
    words and names together: were the two to drift apart, the arm would read every track with the
    words from the table again."""
    from apps.catalog.search.backends.postgres import PostgresBackend

    backend = PostgresBackend()
    query = _spelled(parse("love track"), backend)
    titled = backend._titled(query, 30)
    with connection.cursor() as cursor:
        # Few rows here: left the choice, the planner reads them by name. Without the name index
        # (dropped in the test's transaction) only the word index can serve the names.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("DROP INDEX search_document_name_key")
        cursor.execute(
            f"EXPLAIN SELECT id FROM catalog_searchdocument d WHERE d.kind = 'track' AND d.popularity < 10 "  # noqa: S608 (fixed text; the words and names are bound parameters)
            f"AND {titled.words_sql} AND {titled.named_sql}",
            [*titled.words_params, *titled.named_params],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scan = plan.split("Bitmap Index Scan on search_vector_track_tail")[1]
    assert "Index Cond: ((vector @@" in scan and "hashtext((name_key)::text)" in scan


# --- the name arms' generic plan (PostgreSQL: backends.generic_plans) ---------------------------

# Skipped only in the embedded run (SQLite prepares nothing); CI's services run has PostgreSQL.
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")

NAME_QUERIES = ["love", "lov", "love track 1", "the love", "lvoe", "love year:1960-1970", "artist:love", "zzz"]


def conninfo_of(wrapper) -> str:
    """How to open a second connection to the test database."""
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in wrapper.get_connection_params().items() if k in (
        "dbname", "user", "password", "host", "port")})  # fmt: skip


def _prepared_statements() -> list[tuple[str, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return cursor.fetchall()


def _candidates(q: str) -> dict:
    backend = get_backend()
    query = _spelled(parse(q), backend)
    kinds = [kind for kind in SearchKind if query.applies_to(kind)]
    found = backend.candidates(query, kinds, pool=30, today=timezone.localdate())
    return {kind: [(c.id, c.arm) for c in found[kind]] for kind in kinds}


@postgresql_only
@pytest.mark.parametrize("q", NAME_QUERIES)
def test_the_name_arms_apart_find_what_one_statement_finds(crowded, q, monkeypatch):
    from apps.catalog.search.backends.postgres import PostgresBackend
    from apps.catalog.search.backends.sql import union_rows

    apart = _candidates(q)
    # The reference: every arm in one statement planned for its words, as before the split.
    monkeypatch.setattr(PostgresBackend, "_rows", lambda self, by_name, by_words: union_rows([*by_name, *by_words]))
    assert apart == _candidates(q)


@postgresql_only
def test_the_name_arms_are_planned_once_and_the_word_arms_each_time(crowded):
    for _ in range(3):
        _candidates("love")
    statements = _prepared_statements()
    names = [(generic, custom) for statement, generic, custom in statements if "'exact' AS arm" in statement]
    assert names == [(3, 0)]  # one statement, run three times, on a generic plan every time
    assert not [statement for statement, _, _ in statements if "'text' AS arm" in statement]


@postgresql_only
def test_a_field_filter_keeps_the_name_arms_planned_for_their_words(crowded):
    """`artist:love` puts a word match into every arm, the name arms too: no generic plan for it."""
    _candidates("love artist:love")
    assert not [statement for statement, _, _ in _prepared_statements() if "'exact' AS arm" in statement]


@postgresql_only
def test_a_rolled_back_savepoint_leaves_the_prepared_read_working(crowded):
    """psycopg keeps its prepared statements across a savepoint's rollback (so does the server):
    the next read must find its statement there, or prepare it again."""
    before = _candidates("love")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert _candidates("love") == before
        raise RuntimeError("roll the savepoint back")
    assert _candidates("love") == before


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_session_plans_prepared_statements_generically(crowded):
    """In autocommit (how requests run) the setting is made once for the pooled connection's
    session; inside a transaction it is SET LOCAL, undone with it."""
    before = _candidates("love")
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"
    assert _candidates("love") == before
    assert [(g, c) for s, g, c in _prepared_statements() if "'exact' AS arm" in s] == [(2, 0)]


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "goes_stale",
    [
        # What a migration run elsewhere does: the statement's rows change type.
        "ALTER TABLE catalog_searchdocument ALTER COLUMN subtitle TYPE varchar(501)",
        # What a pooler resetting sessions does: the statement is gone.
        "DEALLOCATE ALL",
    ],
)
def test_a_prepared_statement_gone_stale_is_prepared_again(crowded, goes_stale):
    before = _candidates("love")
    try:
        if goes_stale.startswith("ALTER"):
            with psycopg.connect(conninfo_of(connection), autocommit=True) as elsewhere:
                elsewhere.execute(goes_stale)
        else:
            with connection.cursor() as cursor:
                cursor.execute(goes_stale)
        assert _candidates("love") == before
        assert _candidates("love") == before
    finally:
        if goes_stale.startswith("ALTER"):
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE catalog_searchdocument ALTER COLUMN subtitle TYPE varchar(500)")


def test_suggest_with_filters_alone_reads_the_documents_once(crowded):
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        suggest(q="year:1960-1970")
    assert sum("catalog_searchdocument" in sql for sql in statements if sql) == 1


def test_suggest_asks_a_backend_answering_every_arm_at_once_once(monkeypatch):
    """Elasticsearch answers every arm in one request whatever it is asked (and the database in its
    place while it is unreachable must then be asked for every arm)."""
    calls = []

    class EveryArmAtOnce:
        name = "every-arm-at-once"
        reads_names_apart = False

        def candidates(self, query, kinds, **options):
            calls.append(options)
            return {kind: [] for kind in kinds}

        def similar_terms(self, token):
            return []

    # A stand-in for Elasticsearch, which does not run here (its integration tests need
    # ELASTICSEARCH_URL): only its one-request answering matters to this test.
    monkeypatch.setattr(service, "get_backend", EveryArmAtOnce)
    assert service.suggest(q="love") == []
    assert len(calls) == 1 and "text_kinds" not in calls[0] and "name_kinds" not in calls[0]


@pytest.fixture
def one_title_many_times():
    """Ten tracks named "Love" by Ra, popularity 10 to 100: ten "<title> <artist>" matches of "love ra"."""
    SearchDocument.objects.bulk_create(
        SearchDocument(
            kind=SearchKind.TRACK, object_id=n + 1, public_id=f"tr{n}", name="Love", name_key="love",
            name_terms=analysis.padded(["love"]), artist_terms=analysis.padded(["ra"]), popularity=10 * (n + 1),
        )
        for n in range(10)
    )  # fmt: skip


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize(("titled_pool", "read"), [(None, 5), (2, 2), (0, 0)])
def test_the_titled_arm_reads_its_own_pool(one_title_many_times, monkeypatch, shared, titled_pool, read):
    """Suggest reads fewer "<title> <artist>" matches than the other arms (titled_pool), whether
    that arm reads the words apart or shares the text arm's read; None: the pool."""
    # Each way of reading the words forced, so that both are held to the titled pool.
    monkeypatch.setattr(type(get_backend()), "few_documents_hold", lambda self, slots, **rule: shared)
    backend = get_backend()
    query = _spelled(parse("love ra"), backend)
    found = backend.candidates(
        query, [SearchKind.TRACK], pool=5, today=timezone.localdate(), name_kinds=[], titled_pool=titled_pool
    )[SearchKind.TRACK]
    titled = [c.popularity for c in found if c.arm == "titled"]
    assert titled == [100, 90, 80, 70, 60][:read]  # the most popular first
