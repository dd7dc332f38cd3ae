"""The ingest pipeline on real generated audio, through real ffmpeg."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.catalog.media.sniff import SNIFF_BYTES
from apps.catalog.models import AudioRendition, IngestState, Track
from apps.catalog.services import ingest
from apps.catalog.services.ingest import track_ingest
from apps.catalog.services.uploads import track_reingest
from apps.catalog.storage import storage_upload_directory
from apps.catalog.tasks import retire_ladder
from apps.common.errors import Conflict
from tests import audio
from tests.catalog.callbacks import queued_work
from tests.factories import AlbumFactory

pytestmark = pytest.mark.django_db


def stored_track(tmp_path: Path, source: Path, **fields) -> Track:
    """A track in `uploaded` state whose master is stored, as an upload leaves it."""
    album = AlbumFactory()
    track = Track.objects.create(
        album=album, title=fields.pop("title", "Test"), ingest_state=IngestState.UPLOADED, **fields
    )
    with source.open("rb") as handle:
        track.master_key = default_storage.save(f"masters/{track.public_id}/{source.name}", File(handle))
    track.save(update_fields=["master_key"])
    return track


def storage_files(prefix: str) -> list[str]:
    root = Path(default_storage.path(prefix))
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_it_publishes_a_three_rung_ladder_that_ffmpeg_decodes_whole(tmp_path):
    source = audio.music_like(tmp_path / "song.flac", seconds=13.5)
    track = stored_track(tmp_path, source)

    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.READY, track.ingest_error
    assert track.ingest_progress == 100
    master = Path(default_storage.path(track.master_playlist_key))
    text = master.read_text()
    variants = re.findall(
        r"#EXT-X-STREAM-INF:BANDWIDTH=(\d+),AVERAGE-BANDWIDTH=(\d+),CODECS=\"mp4a.40.2\"\n(\S+)", text
    )
    assert [uri for _, _, uri in variants] == ["96/index.m3u8", "160/index.m3u8", "320/index.m3u8"]
    peaks = [int(peak) for peak, _, _ in variants]
    averages = [int(avg) for _, avg, _ in variants]
    # Bandwidth is measured from the written segments: near the nominal rate for the lower rungs,
    # strictly increasing, and never above what the rung allows (plus container overhead).
    assert peaks == sorted(peaks) and len(set(peaks)) == 3
    for nominal, average in zip((96_000, 160_000), averages, strict=False):
        assert 0.85 * nominal <= average <= 1.1 * nominal
    assert 200_000 <= averages[2] <= 1.1 * 320_000
    renditions = list(track.renditions.order_by("bitrate_kbps"))
    assert [r.bitrate_kbps for r in renditions] == [96, 160, 320]
    assert [r.peak_bandwidth for r in renditions] == peaks

    decoded = audio.decoded_duration_s(str(master))
    assert abs(decoded - 13.5) <= 0.05

    # One master per tier cap, listing only the rungs up to it (what a signed URL of that tier maps to).
    for cap, expected in ((96, ["96"]), (160, ["96", "160"]), (320, ["96", "160", "320"])):
        tier_master = Path(default_storage.path(f"{track.hls_prefix}/master-{cap}.m3u8")).read_text()
        assert re.findall(r"^(\d+)/index\.m3u8$", tier_master, re.M) == expected
    assert abs(track.duration_ms - 13_500) <= 50


def test_it_measures_loudness_within_half_a_lu(tmp_path):
    # EBU Tech 3341 case 1: a ~1 kHz sine in both channels reads its peak level in LUFS.
    source = audio.sine(tmp_path / "sine.wav", seconds=10, level_db=-20)
    track = stored_track(tmp_path, source)

    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.loudness_lufs == pytest.approx(-20.0, abs=0.5)
    assert track.true_peak_dbtp == pytest.approx(-20.0, abs=0.5)


def test_it_fails_a_truncated_flac_with_a_reason_and_leaves_nothing(tmp_path):
    whole = audio.music_like(tmp_path / "whole.flac", seconds=10)
    truncated = tmp_path / "truncated.flac"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    track = stored_track(tmp_path, truncated)

    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.FAILED
    assert "truncated" in track.ingest_error
    assert not AudioRendition.objects.filter(track=track).exists()
    assert storage_files(f"audio/{track.public_id}") == []
    assert not Track.objects.ready().filter(pk=track.pk).exists()


def test_it_is_idempotent_for_a_ready_track(tmp_path):
    track = stored_track(tmp_path, audio.music_like(tmp_path / "a.wav", seconds=2, fmt="wav"))
    track_ingest(track_id=track.pk)
    track.refresh_from_db()
    first_prefix = track.hls_prefix

    track_ingest(track_id=track.pk)  # a redelivered message

    track.refresh_from_db()
    assert track.hls_prefix == first_prefix
    assert track.renditions.count() == 3
    assert storage_files(f"audio/{track.public_id}") == [
        f"{first_prefix.rsplit('/', 1)[1]}/{name}" for name in storage_files(first_prefix)
    ]


@pytest.mark.parametrize("fmt", ["wav", "flac", "aiff", "mp3", "ogg", "opus", "m4a"])
def test_it_ingests_every_accepted_format(tmp_path, fmt):
    source = audio.music_like(tmp_path / f"song.{fmt}", seconds=2.5, fmt=fmt)
    track = stored_track(tmp_path, source)

    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.READY, track.ingest_error
    assert abs(track.duration_ms - 2500) <= 80  # lossy codecs pad to their frame size


def test_it_fails_an_image_renamed_to_audio(tmp_path):
    fake = tmp_path / "cover.mp3"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (SNIFF_BYTES * 2))
    track = stored_track(tmp_path, fake)

    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.FAILED
    assert "PNG image" in track.ingest_error


def test_it_kills_ffmpeg_past_the_timeout_and_leaves_nothing(tmp_path, settings):
    settings.INGEST_FFMPEG_TIMEOUT_SECONDS = 0
    track = stored_track(tmp_path, audio.music_like(tmp_path / "a.flac", seconds=20))

    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.FAILED
    assert "longer than the 0 s limit" in track.ingest_error
    assert storage_files(f"audio/{track.public_id}") == []


def test_a_superseded_run_does_not_publish_and_removes_its_output(tmp_path):
    """A redelivered message starts a second run while the first is still encoding: only the run
    holding the current attempt token may publish."""
    track = stored_track(tmp_path, audio.music_like(tmp_path / "a.flac", seconds=2))
    _, first_token = ingest._claim(track.pk)
    _, second_token = ingest._claim(track.pk)  # the duplicate starts
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    out_dir, result = ingest._transcode(track, first_token, scratch)
    prefix = f"audio/{track.public_id}/{first_token}"
    storage_upload_directory(local_dir=out_dir, prefix=prefix)

    assert ingest._publish(track.pk, first_token, prefix, result) is False

    track.refresh_from_db()
    assert track.ingest_state == IngestState.PROCESSING and track.ingest_attempt == second_token
    assert not track.renditions.exists()


def test_a_reingest_keeps_a_ready_track_playable_until_the_new_ladder_is_published(
    tmp_path, django_capture_on_commit_callbacks
):
    track = stored_track(tmp_path, audio.music_like(tmp_path / "a.flac", seconds=2))
    track_ingest(track_id=track.pk)
    track.refresh_from_db()
    old_prefix = track.hls_prefix

    with django_capture_on_commit_callbacks(execute=False) as queued:
        track_reingest(track=track)
    assert len(queued_work(queued)) == 1
    assert Track.objects.ready().filter(pk=track.pk).exists()  # still playable meanwhile

    with django_capture_on_commit_callbacks(execute=False) as published:
        track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.READY and track.hls_prefix != old_prefix
    assert track.renditions.count() == 3
    # Stream URLs signed for the old ladder keep working: its removal waits for them to expire.
    # (apply_async is replaced only to read the countdown; tests/catalog/test_worker.py runs a real broker.)
    with mock.patch.object(retire_ladder, "apply_async") as schedule:
        for callback in published:
            callback()
    schedule.assert_called_once_with((old_prefix,), countdown=settings.LADDER_RETIRE_AFTER_SECONDS)
    assert settings.LADDER_RETIRE_AFTER_SECONDS > settings.STREAM_URL_LIFETIME_SECONDS
    assert storage_files(old_prefix) != []

    retire_ladder(old_prefix)  # what the worker runs when the countdown ends
    assert storage_files(old_prefix) == []
    retire_ladder(track.hls_prefix)  # never the live ladder, whatever asks
    assert storage_files(track.hls_prefix) != []


def test_a_failed_track_can_be_reingested(tmp_path, django_capture_on_commit_callbacks):
    track = stored_track(tmp_path, audio.music_like(tmp_path / "a.flac", seconds=2))
    Track.objects.filter(pk=track.pk).update(ingest_state=IngestState.FAILED, ingest_error="worker crashed")

    with django_capture_on_commit_callbacks(execute=False):
        track_reingest(track=track)
    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.READY and track.ingest_error == ""


def test_a_track_being_processed_is_not_queued_twice(tmp_path):
    track = stored_track(tmp_path, audio.music_like(tmp_path / "a.flac", seconds=2))
    ingest._claim(track.pk)  # a worker is on it

    with pytest.raises(Conflict):
        track_reingest(track=track)


def test_a_run_that_died_with_its_worker_can_be_started_again(tmp_path, django_capture_on_commit_callbacks):
    track = stored_track(tmp_path, audio.music_like(tmp_path / "a.flac", seconds=2))
    ingest._claim(track.pk)
    Track.objects.filter(pk=track.pk).update(ingest_started_at=timezone.now() - timedelta(hours=2))

    with django_capture_on_commit_callbacks(execute=False) as queued:
        track_reingest(track=track)

    assert len(queued_work(queued)) == 1


def test_a_missing_master_fails_for_good_instead_of_retrying(tmp_path):
    track = stored_track(tmp_path, audio.music_like(tmp_path / "a.flac", seconds=2))
    default_storage.delete(track.master_key)

    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.FAILED
    assert "master is missing" in track.ingest_error


def test_it_fails_an_mp4_without_an_audio_stream(tmp_path):
    video = tmp_path / "clip.m4a"  # an MPEG-4 container (sniffed as such) holding only video
    audio.ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=2", "-c:v", "mpeg4", "-f", "mp4", str(video))
    track = stored_track(tmp_path, video)

    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.FAILED
    assert track.ingest_error == "The file contains no audio stream."
    assert storage_files(f"audio/{track.public_id}") == []


def test_it_fails_audio_shorter_than_a_second_at_ingest_too(tmp_path):
    # The upload refuses it from the header; the decode is the check that cannot be lied to.
    short = audio.music_like(tmp_path / "short.mp3", seconds=0.4, fmt="mp3")
    track = stored_track(tmp_path, short)

    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.FAILED
    assert "shorter than 1 s" in track.ingest_error
