"""The embedded mode's SQLite write-ahead log, checkpointed off the request path.

In WAL mode SQLite copies the log back into the database file (a checkpoint) whenever a commit
leaves the log past 1,000 pages, in the committing connection, and a checkpoint ends with an fsync
of the database file. That commit then takes 5-20 ms instead of a fraction of one: it was the tail
of the player's fan-out (p99 9-12 ms against 7 without it, bench_player_fanout), and any request
that wrote could pay it.

`checkpoint_in_background()` turns the automatic checkpoint off for the web process's connections
and starts a thread that runs a PASSIVE checkpoint every SQLITE_CHECKPOINT_SECONDS on a connection
of its own. PASSIVE never waits for readers or writers (what a busy reader still needs is copied
next time), and sqlite3 releases the GIL while it works, so no request waits on it. The thread
never stops on an error (it logs it and tries again next round); other processes (the Celery
worker) keep SQLite's automatic checkpoint for their own commits.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

_started = threading.Event()


def _no_automatic_checkpoint(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=0")


def checkpoint(database: Path) -> tuple[int, int, int] | None:
    """One PASSIVE checkpoint of `database`: (busy, frames in the log, frames copied), or None
    when the file is not there (it is never created here)."""
    try:
        # as_uri() escapes what a URI would misread in a path ("?", "#", "%").
        link = sqlite3.connect(f"{database.resolve().as_uri()}?mode=rw", uri=True, timeout=1)
    except sqlite3.OperationalError:
        return None
    try:
        return link.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        link.close()


def _database() -> Path | None:
    """The file the default connection uses now (the test database while tests run)."""
    name = connections["default"].settings_dict["NAME"]
    if not name or str(name) == ":memory:" or str(name).startswith("file:"):
        return None
    return Path(name)


def _run(interval: float) -> None:
    stop = threading.Event()  # never set: a daemon thread, it ends with the process
    missing: set[Path] = set()  # said once each, not every round
    while not stop.wait(interval):
        try:
            database = _database()
            if database is not None and checkpoint(database) is None and database not in missing:
                missing.add(database)
                logger.warning("WAL checkpoint skipped: no database at %s", database)
        except Exception:
            # A locked or vanished file, anything: the next round tries again. Logged, as a log
            # that never shrinks would be worth knowing about.
            logger.warning("WAL checkpoint failed", exc_info=True)


def checkpoint_in_background() -> bool:
    """In this process, checkpoint the SQLite log in a thread instead of in commits. Does nothing
    (False) on other databases or when SQLITE_CHECKPOINT_SECONDS is 0; safe to call twice."""
    interval = settings.SQLITE_CHECKPOINT_SECONDS
    if connections["default"].vendor != "sqlite" or interval <= 0:
        return False
    if _started.is_set():
        return True
    _started.set()
    connection_created.connect(_no_automatic_checkpoint, dispatch_uid="sqlite_wal.no_automatic_checkpoint")
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:  # opened before (at import): turned off too
            _no_automatic_checkpoint(None, connection)
    threading.Thread(target=_run, args=(interval,), name="sqlite-wal-checkpoint", daemon=True).start()
    return True
