"""What a server process sets for itself (streamify/server.py): the SQLite log checkpointed by a
thread (apps/common/sqlite_wal.py) and the garbage collector's schedule (apps/common/collector.py)."""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from apps.common import sqlite_wal
from apps.common.collector import MIDDLE_THRESHOLD, NO_AUTOMATIC_FULL, YOUNG_THRESHOLD, tune_for_server

ROOT = Path(__file__).resolve().parents[2]


def _wal_database(path: Path) -> sqlite3.Connection:
    """A database whose last writes are still in its log; the connection is returned open, since
    closing the last one would checkpoint."""
    link = sqlite3.connect(path)
    link.execute("PRAGMA journal_mode=WAL")
    link.execute("PRAGMA wal_autocheckpoint=0")
    link.execute("CREATE TABLE t (x)")
    link.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(2000)])
    link.commit()
    return link


def test_a_checkpoint_copies_the_log_into_the_database(tmp_path):
    database = tmp_path / "db.sqlite3"
    writer = _wal_database(database)
    busy, logged, copied = sqlite_wal.checkpoint(database)
    assert busy == 0 and logged > 0 and copied == logged
    writer.close()


def test_a_path_a_uri_would_misread_is_checkpointed(tmp_path):
    folder = tmp_path / "var?x=1#y %41"
    folder.mkdir()
    writer = _wal_database(folder / "db.sqlite3")
    busy, logged, copied = sqlite_wal.checkpoint(folder / "db.sqlite3")
    assert busy == 0 and copied == logged > 0
    writer.close()


def test_a_checkpoint_never_creates_a_missing_database(tmp_path):
    assert sqlite_wal.checkpoint(tmp_path / "gone.sqlite3") is None
    assert not (tmp_path / "gone.sqlite3").exists()


def test_the_web_process_connections_leave_checkpoints_to_the_thread(tmp_path, django_db_blocker):
    """On a Django SQLite connection of its own (the services mode's default database is PostgreSQL),
    to a scratch file: not the test database, so pytest-django's guard is lifted for it."""
    from django.db.utils import ConnectionHandler

    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": tmp_path / "db"}})
    sqlite = handler["default"]
    with django_db_blocker.unblock():
        try:
            sqlite_wal._no_automatic_checkpoint(None, sqlite)
            with sqlite.cursor() as cursor:
                cursor.execute("PRAGMA wal_autocheckpoint")
                assert cursor.fetchone()[0] == 0
        finally:
            sqlite.close()


def test_the_collector_schedule_for_a_server():
    """Young collections small, no automatic full one, a timed full collection instead."""
    before = gc.get_threshold()
    full_before = gc.get_stats()[2]["collections"]
    stop = tune_for_server(full_every=0.05)
    try:
        assert gc.get_threshold() == (YOUNG_THRESHOLD, MIDDLE_THRESHOLD, NO_AUTOMATIC_FULL)
        assert gc.get_freeze_count() > 0
        # The timer thread collects every 0.05 s: polled until it has run three times, or 5 s.
        deadline = time.monotonic() + 5
        while gc.get_stats()[2]["collections"] < full_before + 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert gc.get_stats()[2]["collections"] >= full_before + 3
    finally:
        stop.set()
        gc.set_threshold(*before)
        gc.unfreeze()


def test_a_full_collection_is_due_on_time_or_on_growth():
    from apps.common.collector import GROWTH_BYTES, full_collection_due, resident_bytes

    assert not full_collection_due(seconds_since=10, full_every=300, grown=GROWTH_BYTES - 1)
    assert full_collection_due(seconds_since=10, full_every=300, grown=GROWTH_BYTES)
    assert full_collection_due(seconds_since=300, full_every=300, grown=None)
    assert not full_collection_due(seconds_since=299, full_every=300, grown=None)
    assert resident_bytes() > 10 * 2**20  # this process, read from /proc


def test_zero_keeps_pythons_schedule():
    before = gc.get_threshold()
    try:
        assert tune_for_server(full_every=0) is None
        assert gc.get_threshold() == before
    finally:
        gc.unfreeze()


def test_the_server_module_sets_both(tmp_path):
    """Imported as uvicorn imports it, in a process of its own (the embedded mode, a fresh database)."""
    probe = (
        "import gc, json, threading\n"
        "import streamify.server\n"
        "from django.db import connection\n"
        "cursor = connection.cursor(); cursor.execute('PRAGMA wal_autocheckpoint')\n"
        "print(json.dumps({'threshold': gc.get_threshold(), 'frozen': gc.get_freeze_count(),\n"
        "  'threads': sorted(t.name for t in threading.enumerate()), 'auto': cursor.fetchone()[0]}))\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SQLITE_CHECKPOINT_SECONDS", "SERVER_GC_FULL_COLLECTION_SECONDS"}
    }
    env |= {"STREAMIFY_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "streamify.settings"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["threshold"] == [YOUNG_THRESHOLD, MIDDLE_THRESHOLD, NO_AUTOMATIC_FULL]
    assert seen["frozen"] > 10_000
    assert {"sqlite-wal-checkpoint", "gc-full-collection"} <= set(seen["threads"])
    assert seen["auto"] == 0
