"""Statements planned once per connection: PostgreSQL prepared statements run with a generic plan.

Planning the search's statement cost more than running it: ~0.1-0.2 ms for each of its ~20 scans
(bench_search), most of suggest's time. The arms that match names (exact and prefix: btree lookups
and ranges on the name key) have one good plan whatever is typed, so they run as a statement of
their own, prepared the first time a pooled connection sees its text (psycopg keeps prepared
statements with the connection, and the pool keeps the connection: settings DB_POOL_MAX) and
planned once, generically. The word arms keep a fresh plan each time: how common a word is
decides theirs, and a generic plan for them measured p95 219 ms (tests/benchmarks/README.md).

`plan_cache_mode` is set for the pooled connection's session. It governs prepared statements and
PL/pgSQL's cached plans; there are neither elsewhere here (Django's psycopg cursors bind on the
client and never prepare, and the schema has no PL/pgSQL), but setting `prepare_threshold` in the
database OPTIONS would put Django's own prepared statements on generic plans too.

A prepared statement can go stale behind psycopg's back: a migration that changes a column it
returns ("cached plan must not change result type"), or DEALLOCATE/DISCARD run by someone else
(a pooler). Then psycopg's record of what is prepared is dropped (as its own rollback does) and
the read is run once more, prepared afresh; inside a transaction, which that error has aborted,
the error is raised instead and the next read prepares afresh.
"""

from __future__ import annotations

import weakref

import psycopg
from django.db import DatabaseError, connection
from psycopg import errors
from psycopg.pq import TransactionStatus

# Preparing is on (a threshold, not None) only while this module runs a statement; the statements
# it runs ask to be prepared, so the threshold itself is one no count ever reaches.
NEVER_BY_COUNT = 2**31
STALE = (errors.FeatureNotSupported, errors.InvalidSqlStatementName)  # see the module's docstring

# The connections whose sessions plan prepared statements generically. A SET inside a transaction
# would be undone by its rollback, so there it is SET LOCAL each time and not remembered.
_generic_sessions: weakref.WeakSet = weakref.WeakSet()


class _PreparingCursor(psycopg.Cursor):
    """A cursor binding on the server that prepares every statement it runs, whatever its caller
    says (psycopg otherwise prepares a statement on its fifth run)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def rows(sql: str, params: list) -> list[tuple]:
    """The rows of `sql` run on the default connection (PostgreSQL) with a plan made once per
    connection and kept: only for statements whose best plan does not depend on the values."""
    try:
        return _prepared_rows(sql, params)
    except DatabaseError as error:
        if not isinstance(error.__cause__, STALE):
            raise
        connection.connection._prepared.clear()  # what psycopg's rollback() does (psycopg pinned)
        if connection.in_atomic_block:
            raise
        return _prepared_rows(sql, params)


def _prepared_rows(sql: str, params: list) -> list[tuple]:
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors:
        _plan_generically(raw)
        cursor = _PreparingCursor(raw)
    # Through Django's cursor wrapper, so that its execute wrappers see it and its errors are
    # Django's (the query log gets no text for it: psycopg keeps none for a prepared statement).
    wrapped = connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
    threshold = raw.prepare_threshold  # None: Django turns psycopg's preparing off for its cursors
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
