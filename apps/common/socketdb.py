"""Database calls from websocket consumers on one long-lived connection per process.

Channels' `database_sync_to_async` closes connections around every call so that a connection
never outlives CONN_MAX_AGE (0 here: under ASGI, HTTP requests each run on a thread of their own,
where a kept connection would be orphaned). For consumers that is the wrong trade: all of their
thread-sensitive calls run on asgiref's one shared executor thread (no request context exists
around a websocket message), so a kept connection there is one per process, and opening a new one
for every heartbeat and command was most of a player command's cost on SQLite (3 ms of the 3.6 ms
a one-query call took; `make bench`, bench_player_fanout).

`socket_db(fn)` runs `fn` on that thread and keeps its connections, closing one only when a call
on it hit a database error, so a database restart costs one failed call, not a dead process.
Called inside an HTTP request's thread-sensitive context it falls back to the closing behaviour,
because that thread dies with the request.
"""

from __future__ import annotations

from asgiref.sync import SyncToAsync
from channels.db import DatabaseSyncToAsync
from django.db import connections


def _drop_failed_connections() -> None:
    """A connection a call saw a database error on (Django flags all but data and integrity
    errors) is closed: errors are rare, and SQLite's `is_usable` cannot tell a closed handle."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and connection.errors_occurred and not connection.in_atomic_block:
            connection.close()


class SocketDatabaseSyncToAsync(SyncToAsync):
    def __init__(self, func):
        super().__init__(func, thread_sensitive=True)

    def thread_handler(self, loop, *args, **kwargs):
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            _drop_failed_connections()


def socket_db(func):
    if SyncToAsync.thread_sensitive_context.get(None) is not None:
        return DatabaseSyncToAsync(func)
    return SocketDatabaseSyncToAsync(func)


def close_socket_connections() -> None:
    """Close the kept connections, on the thread that holds them (asgiref's executor for
    thread-sensitive calls outside a request): at shutdown, and in tests before the test database
    is dropped. Safe from any thread, with or without a running event loop."""
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=30)
