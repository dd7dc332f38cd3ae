"""The database driver's own cursor, for a few hot statements written by hand.

Django's cursor wraps every statement: execute wrappers, a check of the transaction, error
translation and, on SQLite, a regular expression turning `%s` into `?` on each execution. For a
player command's five short statements that was ~0.1 ms of a seek's ~1.27 ms in its thread
(DEBUG off, measured with the caches cold, as they are between one listener's commands;
bench_player_fanout). `driver_cursor` runs the same statements on the driver's cursor of the same
connection, inside the same transaction:

- placeholders are converted once per statement text, as Django's SQLite backend converts them;
- the transaction is checked and errors become Django's (`wrap_database_errors`, which also flags
  the connection as failed for apps.common.socketdb), as Django's own cursor does;
- where Django would record or intercept statements (DEBUG's query log, CaptureQueriesContext,
  `connection.execute_wrapper`), Django's cursor is used instead, so nothing is hidden from them.

Rows come back as the driver makes them, which is what Django's cursor returns too: apply the
fields' converters (apps.common.model_rows) as for any raw read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

from django.db import connections

_FORMAT_PLACEHOLDER = re.compile(r"(?<!%)%s")  # as django.db.backends.sqlite3 finds them


@lru_cache(maxsize=256)
def _qmark(sql: str) -> str:
    return _FORMAT_PLACEHOLDER.sub("?", sql).replace("%%", "%")


class DriverCursor:
    """execute/fetchone/fetchall/rowcount over the driver's cursor (see the module's docstring)."""

    def __init__(self, connection, cursor):
        self._connection, self._cursor = connection, cursor
        self._sqlite = connection.vendor == "sqlite"

    def execute(self, sql: str, params: Sequence | None = None) -> None:
        self._connection.validate_no_broken_transaction()
        with self._connection.wrap_database_errors:
            if params is None:  # as Django: no placeholders to convert, nor '%%' to unescape
                self._cursor.execute(sql)
            else:
                self._cursor.execute(_qmark(sql) if self._sqlite else sql, params)

    def fetchone(self):
        with self._connection.wrap_database_errors:
            return self._cursor.fetchone()

    def fetchall(self) -> list:
        with self._connection.wrap_database_errors:
            return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


@contextmanager
def driver_cursor(using: str = "default") -> Iterator:
    connection = connections[using]
    if connection.queries_logged or connection.execute_wrappers:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
    try:
        yield DriverCursor(connection, cursor)
    finally:
        cursor.close()
