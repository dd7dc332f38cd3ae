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

import pytest
from django.db import connection

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


def test_a_checkpoint_never_creates_a_missing_database(tmp_path):
    assert sqlite_wal.checkpoint(tmp_path / "gone.sqlite3") is None
    assert not (tmp_path / "gone.sqlite3").exists()


@pytest.mark.django_db
def test_the_web_process_connections_leave_checkpoints_to_the_thread():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write-ahead log: the embedded mode's database")
    with connection.cursor() as cursor:
        sqlite_wal._no_automatic_checkpoint(None, connection)
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 0
        cursor.execute("PRAGMA wal_autocheckpoint=1000")  # as the rest of the suite expects


def test_the_collector_schedule_for_a_server():
    """Young collections small, no automatic full one, a timed full collection instead."""
    before = gc.get_threshold()
    full_before = gc.get_stats()[2]["collections"]
    stop = tune_for_server(full_every=0.05)
    try:
        assert gc.get_threshold() == (YOUNG_THRESHOLD, MIDDLE_THRESHOLD, NO_AUTOMATIC_FULL)
        assert gc.get_freeze_count() > 0
        deadline = time.monotonic() + 5
        while gc.get_stats()[2]["collections"] < full_before + 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert gc.get_stats()[2]["collections"] >= full_before + 3
    finally:
        stop.set()
        gc.set_threshold(*before)
        gc.unfreeze()


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
