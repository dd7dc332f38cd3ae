"""The ingest pipeline: a stored master becomes a published HLS ladder, or a recorded failure.

Publishing is a pointer swap. Each run writes under a fresh prefix `audio/<track>/<attempt>/` that
nothing references; one transaction then points the track at it and creates the rendition rows.
Until that commit no listener can reach the files, and after it they are complete, so readers
never see half a ladder. Every run holds an attempt token: a duplicate or stale run (a redelivered
message, a retry racing the original) finds its token superseded and removes its own output.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from apps.catalog.media.hls import MasterEntry, render_tier_masters
from apps.catalog.media.sniff import SNIFF_BYTES, sniff_audio_format
from apps.catalog.media.transcode import AAC_LC, TranscodeError, transcode_ladder
from apps.catalog.models import AudioRendition, IngestState, Track
from apps.catalog.storage import storage_delete_prefix, storage_local_copy, storage_upload_directory
from apps.common.errors import ApplicationError
from apps.common.ids import new_public_id

logger = logging.getLogger(__name__)

# A decoded length this much shorter than the header's own declaration means a truncated file.
TRUNCATION_TOLERANCE_MS = 500
PROGRESS_STEP = 5  # percent; bounds the number of progress writes per track
# Set on a ready track to ask for a new run; anything else on a ready track means "done".
REINGEST_REQUESTED = "requested"


class IngestFailure(Exception):
    """Bad input: recorded as the track's failure reason, never retried."""


def _claim(track_id: int) -> tuple[Track, str] | None:
    """Start a run: the track moves to `processing` under a fresh attempt token."""
    with transaction.atomic():
        track = Track.objects.select_for_update().filter(pk=track_id).first()
        if track is None or not track.master_key:
            return None  # gone, or nothing to ingest
        if track.ingest_state == IngestState.READY and track.ingest_attempt != REINGEST_REQUESTED:
            return None  # already published: a duplicate delivery is a no-op
        token = new_public_id()[:16]
        if track.ingest_state != IngestState.READY:  # a re-run of a ready track keeps it playable
            track.ingest_state = IngestState.PROCESSING
        track.ingest_attempt = token
        track.ingest_progress = 0
        track.ingest_error = ""
        track.ingest_started_at = timezone.now()
        track.ingest_finished_at = None
        track.save(
            update_fields=[
                "ingest_state", "ingest_attempt", "ingest_progress", "ingest_error",
                "ingest_started_at", "ingest_finished_at", "updated_at",
            ]
        )  # fmt: skip
        return track, token


def _progress_reporter(track_id: int, token: str, expected_ms: int | None):
    last = {"percent": 0}

    def report(decoded_ms: int) -> None:
        if not expected_ms:
            return
        percent = min(99, decoded_ms * 100 // expected_ms)
        if percent - last["percent"] >= PROGRESS_STEP:
            last["percent"] = percent
            Track.objects.filter(pk=track_id, ingest_attempt=token).update(ingest_progress=percent)

    return report


def _check_durations(decoded_ms: int, declared_ms: int | None) -> None:
    limit = settings.INGEST_MAX_DURATION_MS
    if decoded_ms > limit:
        raise IngestFailure(f"The track is longer than the {limit // 60000}-minute limit.")
    if decoded_ms < settings.INGEST_MIN_DURATION_MS:
        raise IngestFailure(f"The track is shorter than {settings.INGEST_MIN_DURATION_MS // 1000} s of audio.")
    if declared_ms and declared_ms <= limit and decoded_ms < declared_ms - TRUNCATION_TOLERANCE_MS:
        raise IngestFailure(
            f"The file is truncated or damaged: only {decoded_ms / 1000:.2f} s of the "
            f"{declared_ms / 1000:.2f} s its header declares could be decoded."
        )


def _transcode(track: Track, token: str, scratch: Path):
    if not default_storage.exists(track.master_key):
        # Permanent: retrying cannot bring the file back. Staff see the reason and the key.
        raise IngestFailure(f"The stored master is missing ({track.master_key}); upload the file again.")
    with storage_local_copy(track.master_key, scratch) as source:
        with source.open("rb") as handle:
            try:
                audio_format = sniff_audio_format(handle.read(SNIFF_BYTES))
            except ApplicationError as exc:
                raise IngestFailure(exc.message) from exc
        out_dir = scratch / "ladder"
        try:
            result = transcode_ladder(
                source=source,
                out_dir=out_dir,
                ladder=settings.AUDIO_LADDER_KBPS,
                segment_seconds=settings.HLS_SEGMENT_SECONDS,
                max_seconds=settings.INGEST_MAX_DURATION_MS / 1000,
                timeout_seconds=settings.INGEST_FFMPEG_TIMEOUT_SECONDS,
                demuxer=audio_format.demuxer,
                on_progress=_progress_reporter(track.pk, token, track.duration_ms),
            )
        except TranscodeError as exc:
            raise IngestFailure(str(exc)) from exc
    _check_durations(result.decoded_ms, result.declared_ms)
    entries = [
        MasterEntry(
            uri=v.playlist,
            bitrate_kbps=v.bitrate_kbps,
            peak_bandwidth=v.peak_bandwidth,
            average_bandwidth=v.average_bandwidth,
            codec=AAC_LC,
        )
        for v in result.variants
    ]
    for name, text in render_tier_masters(entries).items():
        (out_dir / name).write_text(text)
    return out_dir, result


def _publish(track_id: int, token: str, prefix: str, result) -> bool:
    """Point the track at the new ladder. False if this run was superseded."""
    with transaction.atomic():
        track = Track.objects.select_for_update().get(pk=track_id)
        if track.ingest_attempt != token:
            return False
        previous_prefix = track.hls_prefix
        track.renditions.all().delete()
        AudioRendition.objects.bulk_create(
            AudioRendition(
                track=track,
                codec=AAC_LC,
                bitrate_kbps=v.bitrate_kbps,
                peak_bandwidth=v.peak_bandwidth,
                average_bandwidth=v.average_bandwidth,
                playlist_key=f"{prefix}/{v.playlist}",
                bytes=v.bytes,
                segment_count=v.segment_count,
                segment_duration_s=settings.HLS_SEGMENT_SECONDS,
            )
            for v in result.variants
        )
        track.hls_prefix = prefix
        track.duration_ms = result.decoded_ms
        track.loudness_lufs = result.loudness_lufs
        track.true_peak_dbtp = result.true_peak_dbtp
        track.ingest_state = IngestState.READY
        track.ingest_error = ""
        track.ingest_progress = 100
        track.ingest_finished_at = timezone.now()
        track.save(
            update_fields=[
                "hls_prefix", "duration_ms", "loudness_lufs", "true_peak_dbtp", "ingest_state",
                "ingest_error", "ingest_progress", "ingest_finished_at", "updated_at",
            ]
        )  # fmt: skip
        if previous_prefix and previous_prefix != prefix:
            _retire_ladder_later(previous_prefix)
    return True


def _retire_ladder_later(prefix: str) -> None:
    """Remove a replaced ladder once every stream URL signed for it has expired: deleting it at
    once would cut off listeners in the middle of a track (their URLs name the old ladder)."""
    from apps.catalog.tasks import retire_ladder  # tasks import services; import here, not at the top

    # robust: failing to schedule the removal must never look like a failed publish.
    transaction.on_commit(
        lambda: retire_ladder.apply_async((prefix,), countdown=settings.LADDER_RETIRE_AFTER_SECONDS), robust=True
    )


def track_mark_failed(*, track_id: int, reason: str, token: str | None = None) -> None:
    """Record a failure (only for the current run when a token is given). A ready track whose
    re-run failed keeps its published ladder and only records the reason."""
    rows = Track.objects.filter(pk=track_id)
    if token is not None:
        rows = rows.filter(ingest_attempt=token)
    now = timezone.now()
    rows.filter(ingest_state=IngestState.READY).update(ingest_error=reason[:2000], ingest_attempt="", updated_at=now)
    rows.exclude(ingest_state=IngestState.READY).update(
        ingest_state=IngestState.FAILED, ingest_error=reason[:2000], ingest_finished_at=now, updated_at=now
    )


def track_ingest(*, track_id: int) -> None:
    """Run the pipeline for one track. Idempotent: a ready track is left as it is.

    Bad input ends in `failed` with a reason and no outputs. Other errors (storage or database
    trouble) propagate after cleaning up, for the task to retry."""
    claim = _claim(track_id)
    if claim is None:
        return
    track, token = claim
    prefix = f"audio/{track.public_id}/{token}"
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="streamify-ingest-") as scratch:
            out_dir, result = _transcode(track, token, Path(scratch))
            storage_upload_directory(local_dir=out_dir, prefix=prefix)
        published = _publish(track_id, token, prefix, result)
    except IngestFailure as exc:
        storage_delete_prefix(prefix)
        track_mark_failed(track_id=track_id, reason=str(exc), token=token)
        logger.info("ingest of track %s failed: %s", track.public_id, exc)
        return
    except BaseException:
        storage_delete_prefix(prefix)
        # A re-run of a ready track that broke on our side asks again, so the task's retry runs it.
        Track.objects.filter(pk=track_id, ingest_attempt=token, ingest_state=IngestState.READY).update(
            ingest_attempt=REINGEST_REQUESTED
        )
        raise
    if not published:
        storage_delete_prefix(prefix)
        logger.info("ingest run %s of track %s was superseded", token, track.public_id)
        return
    logger.info("ingested track %s in %.1f s", track.public_id, time.monotonic() - started)
