"""Statements planned once per connection: PostgreSQL prepared statements run with a generic plan.

Planning the search's statement cost more than running it: ~0.1-0.2 ms for each of its ~20 scans
(bench_search), most of suggest's time. The arms that match names (exact and prefix: btree lookups
and ranges on the name key) have one good plan whatever is typed, so they run as a statement of
their own, prepared the first time a pooled connection sees its text (psycopg keeps prepared
statements with the connection, and the pool keeps the connection: settings DB_POOL_MAX) and
planned once, generically. The word arms keep a fresh plan each time: how common a word is
decides theirs, and a generic plan for them measured p95 219 ms (tests/benchmarks/README.md).

`plan_cache_mode` applies to prepared statements only, and nothing else here prepares one (Django's
psycopg cursors bind on the client), so setting it for the session touches nothing else. psycopg
forgets its prepared statements when the server may have dropped them (a rollback, DDL), and
prepares again.
"""

from __future__ import annotations

import weakref

import psycopg
from django.db import connection
from psycopg.pq import TransactionStatus

NEVER_BY_COUNT = 2**31  # a threshold no count reaches: only statements asked to be prepared are
# The connections whose sessions plan prepared statements generically. A SET inside a transaction
# would be undone by its rollback, so there it is SET LOCAL each time and not remembered.
_generic_sessions: weakref.WeakSet = weakref.WeakSet()


class _PreparingCursor(psycopg.Cursor):
    """A cursor binding on the server that prepares every statement it runs (psycopg otherwise
    prepares a statement on its fifth run)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def rows(sql: str, params: list) -> list[tuple]:
    """The rows of `sql` run on the default connection (PostgreSQL) with a plan made once per
    connection and kept: only for statements whose best plan does not depend on the values."""
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors:
        _plan_generically(raw)
        cursor = _PreparingCursor(raw)
    # Through Django's cursor wrapper, so that execute wrappers and the query log see it.
    wrapped = connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
    # Django turns psycopg's preparing off (a threshold of None) for its own cursors; on only for this.
    threshold = raw.prepare_threshold
    raw.prepare_threshold = NEVER_BY_COUNT if threshold is None else threshold
    try:
        with wrapped:
            wrapped.execute(sql, params)
            return wrapped.fetchall()
    finally:
        raw.prepare_threshold = threshold


def _plan_generically(raw: psycopg.Connection) -> None:
    if raw in _generic_sessions:
        return
    if raw.autocommit and raw.info.transaction_status == TransactionStatus.IDLE:
        raw.execute("SET plan_cache_mode = force_generic_plan")
        _generic_sessions.add(raw)
    else:
        raw.execute("SET LOCAL plan_cache_mode = force_generic_plan")
