"""The catalog loop end to end: an upload through the API, a real Celery worker process consuming
the real broker (a folder in the embedded mode, Redis in the services mode), real ffmpeg."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.catalog.models import IngestState, Track
from streamify.celery import app as celery_app
from tests import audio
from tests.catalog.test_upload_api import audio_upload
from tests.conftest import api_client_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def worker_env(queue: str, media_root: Path) -> dict:
    env = {**os.environ, "MEDIA_ROOT": str(media_root), "CELERY_QUEUE": queue}
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        env["SQLITE_PATH"] = str(database["NAME"])  # the test database file
    else:
        user, host, port = database["USER"], database["HOST"] or "127.0.0.1", database["PORT"] or 5432
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{database['NAME']}"
    if settings.CELERY_BROKER_URL == "filesystem://":
        env["CELERY_BROKER_FOLDER"] = str(settings.CELERY_BROKER_FOLDER)
    return env


@pytest.fixture
def worker(_media_root, tmp_path):
    """A real `celery worker` on a queue of its own, so no other process's messages reach it."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "streamify", "worker", "-Q", queue, "--pool=solo",
         "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "info"],
        cwd=ROOT, env=worker_env(queue, _media_root), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield process
    process.terminate()
    process.wait(timeout=20)
    celery_app.conf.task_default_queue = previous
    log.close()


def wait_for_final_state(track_id: str, timeout: float = 90.0) -> Track:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        track = Track.objects.get(public_id=track_id)
        if track.ingest_state in (IngestState.READY, IngestState.FAILED):
            return track
        time.sleep(0.25)
    raise AssertionError(f"track {track_id} still {track.ingest_state} after {timeout} s")


def test_it_turns_an_upload_into_a_playable_ladder_through_the_worker(artist_user, worker, tmp_path, _media_root):
    upload = audio_upload(tmp_path, seconds=4, metadata={"title": "Through the worker"})

    response = api_client_for(artist_user).post("/v1/studio/uploads", {"file": upload}, format="multipart")

    assert response.status_code == 202, response.content
    track = wait_for_final_state(response.json()["id"])
    assert track.ingest_state == IngestState.READY, track.ingest_error
    assert track.renditions.count() == 3
    master = _media_root / track.master_playlist_key
    assert abs(audio.decoded_duration_s(str(master)) - 4.0) <= 0.05
    status = api_client_for(artist_user).get(f"/v1/studio/uploads/{track.public_id}").json()
    assert status["state"] == "ready" and status["progress"] == 100 and status["bitrates"] == [96, 160, 320]


def test_the_worker_records_why_a_damaged_upload_failed(artist_user, worker, tmp_path):
    whole = audio.music_like(tmp_path / "whole.flac", seconds=8)
    damaged = tmp_path / "damaged.flac"
    damaged.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api_client_for(artist_user).post(
        "/v1/studio/uploads", {"file": SimpleUploadedFile("damaged.flac", damaged.read_bytes())}, format="multipart"
    )

    track = wait_for_final_state(response.json()["id"])
    assert track.ingest_state == IngestState.FAILED
    assert "truncated" in track.ingest_error
    assert not track.renditions.exists()
