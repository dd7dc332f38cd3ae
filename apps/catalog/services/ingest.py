"""The ingest pipeline: a stored master becomes a published HLS ladder, or a recorded failure.

Publishing is a pointer swap. Each run writes under a fresh prefix `audio/<track>/<attempt>/` that
nothing references; one transaction then points the track at it and creates the rendition rows.
Until that commit no listener can reach the files, and after it they are complete, so readers
never see half a ladder. Every run holds an attempt token: a duplicate or stale run (a redelivered
message, a retry racing the original) finds its token superseded and removes its own output.

Audio features (tempo, key, energy, spectral shape: `apps.catalog.media.features`) are measured
from the same local master in a thread beside the ffmpeg ladder, which spends its time in ffmpeg,
so on a machine with a spare core the analysis adds little to a run's wall time. They are saved in
the publishing transaction; analysis never decides an ingest: when it fails the track is published
without features (logged), and `manage.py analyse_audio_features` fills them in later.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.utils import timezone

from apps.catalog.media.features import (
    ANALYSER_VERSION,
    FeatureExtractionError,
    MeasuredFeatures,
    UnanalysableAudio,
    analyse_audio,
    feature_vector,
)
from apps.catalog.media.hls import MasterEntry, render_tier_masters
from apps.catalog.media.sniff import SNIFF_BYTES, sniff_audio_format
from apps.catalog.media.transcode import AAC_LC, LadderResult, TranscodeError, transcode_ladder
from apps.catalog.models import AudioFeatures, AudioRendition, IngestState, Track
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


@dataclass(frozen=True)
class _Encoded:
    """What a run made before publishing: the ladder, and the audio features if analysis measured any."""

    ladder: LadderResult
    features: MeasuredFeatures | None


class _BackgroundAnalysis:
    """Audio analysis of a master in a thread of its own, started before the ffmpeg ladder and
    joined after it. The thread touches no database connection: it keeps the values (or what went
    wrong) and the caller saves them. A failure is logged only once the ladder succeeded: when the
    file cannot become a track at all, the ingest failure is the one worth reporting."""

    def __init__(self, *, track: Track, source: Path, demuxer: str) -> None:
        self._track = track
        self._measured: MeasuredFeatures | None = None
        self._error: Exception | None = None
        self._thread = threading.Thread(
            target=self._run, args=(source, demuxer), name=f"analyse-{track.public_id}", daemon=True
        )
        self._thread.start()

    def _run(self, source: Path, demuxer: str) -> None:
        try:
            self._measured = analyse_audio(source, duration_ms=self._track.duration_ms, demuxer=demuxer)
        except Exception as exc:  # kept for `result`, which logs it: analysis never fails an ingest
            self._error = exc

    def join(self) -> None:
        self._thread.join()

    def result(self) -> MeasuredFeatures | None:
        self.join()
        if self._error is not None:
            _log_analysis_failure(self._track, self._error)
        return self._measured


def measure_audio_features(*, track: Track, source: Path, demuxer: str | None) -> MeasuredFeatures | None:
    """The features of a master on local disk, or None (logged) when it has none or analysis failed."""
    try:
        return analyse_audio(source, duration_ms=track.duration_ms, demuxer=demuxer)
    except Exception as exc:  # whatever broke inside librosa, it must never fail the caller
        _log_analysis_failure(track, exc)
        return None


def _log_analysis_failure(track: Track, exc: Exception) -> None:
    if isinstance(exc, UnanalysableAudio):  # silence, or too short: an outcome, not a fault
        logger.info("track %s (id %s) has no audio features: %s", track.public_id, track.pk, exc)
    elif isinstance(exc, FeatureExtractionError):
        logger.warning("audio analysis of track %s (id %s) failed: %s", track.public_id, track.pk, exc)
    else:
        logger.warning(
            "audio analysis of track %s (id %s) failed",
            track.public_id,
            track.pk,
            exc_info=(type(exc), exc, exc.__traceback__),
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
        analysis = _BackgroundAnalysis(track=track, source=source, demuxer=audio_format.demuxer)
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
        finally:
            analysis.join()  # before the local copy of the master goes away, whatever happened
    _check_durations(result.decoded_ms, result.declared_ms)
    measured = analysis.result()
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
    return out_dir, _Encoded(ladder=result, features=measured)


def _publish(track_id: int, token: str, prefix: str, encoded: _Encoded) -> bool:
    """Point the track at the new ladder (and its audio features). False if this run was superseded."""
    result = encoded.ladder
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
        _replace_audio_features(track, encoded.features)
        if previous_prefix and previous_prefix != prefix:
            _retire_ladder_later(previous_prefix)
    return True


def _replace_audio_features(track: Track, measured: MeasuredFeatures | None) -> None:
    """The features of the audio just published, in the publishing transaction: the row of an
    earlier run goes (it describes another encode of the master, perhaps another master), and
    this run's takes its place if analysis produced one. Inside a savepoint, so a row the database
    refuses costs the features, never the publish."""
    try:
        with transaction.atomic():
            AudioFeatures.objects.filter(track=track).delete()
            if measured is not None:
                audio_features_save(track=track, measured=measured)
    except DatabaseError:
        logger.warning("saving the audio features of track %s (id %s) failed", track.public_id, track.pk, exc_info=True)


def audio_features_save(*, track: Track, measured: MeasuredFeatures) -> AudioFeatures:
    """Create or replace a track's features row. The loudness is the track's EBU R128 integrated
    loudness when ingest measured one (what players normalise to), else the excerpt's RMS level."""
    if track.loudness_lufs is not None:
        measured = dataclasses.replace(measured, loudness=round(track.loudness_lufs, 2))
    values = measured.values()
    features, _ = AudioFeatures.objects.update_or_create(
        track=track,
        defaults={
            **values,
            "key_confidence": measured.key_confidence,
            "excerpt_start_ms": measured.excerpt_start_ms,
            "excerpt_ms": measured.excerpt_ms,
            "vector": feature_vector(values),
            "analysed_at": timezone.now(),
            "analyser_version": ANALYSER_VERSION,
        },
    )
    return features


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
            out_dir, encoded = _transcode(track, token, Path(scratch))
            storage_upload_directory(local_dir=out_dir, prefix=prefix)
        published = _publish(track_id, token, prefix, encoded)
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


def track_analyse(*, track_id: int) -> bool:
    """Measure and save the audio features of a ready track (the backfill, and re-analysis with a
    newer analyser). True if a row was saved; a track that is not ready, has no master or has
    nothing to measure is left without one (and logged). Storage and database errors propagate,
    for the task to retry."""
    track = Track.objects.ready().filter(pk=track_id).exclude(master_key="").first()
    if track is None:
        return False
    if not default_storage.exists(track.master_key):  # permanent: no retry brings it back
        logger.warning("track %s (id %s): the stored master %s is missing", track.public_id, track.pk, track.master_key)
        return False
    with tempfile.TemporaryDirectory(prefix="streamify-analyse-") as scratch:
        with storage_local_copy(track.master_key, Path(scratch)) as source:
            with source.open("rb") as handle:
                try:
                    demuxer = sniff_audio_format(handle.read(SNIFF_BYTES)).demuxer
                except ApplicationError:
                    logger.warning(
                        "track %s (id %s): the stored master is not audio we read", track.public_id, track.pk
                    )
                    return False
            measured = measure_audio_features(track=track, source=source, demuxer=demuxer)
    if measured is None:
        return False
    with transaction.atomic():
        # Only for a track that is still there and ready after the seconds analysis took.
        locked = Track.objects.select_for_update().ready().filter(pk=track_id).first()
        if locked is None:
            return False
        audio_features_save(track=locked, measured=measured)
    return True
