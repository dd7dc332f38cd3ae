"""Ingest benchmark: the whole pipeline against the bare ffmpeg command it runs.

    .venv/bin/python -m tests.benchmarks.bench_ingest [--rounds 3] [--seconds 180]

(A) `track_ingest` on a freshly stored track: local copy, sniff, the one-pass ffmpeg ladder with
progress reporting, playlist parsing and bandwidth measurement, the master playlist, the upload to
storage and the publishing transaction. (B) the exact ffmpeg command the pipeline builds
(`ladder_command`), run alone into a temporary folder. The difference is the pipeline's own
overhead; the goal is a ratio of at most 1.15.

The runs alternate A, B, A, B, ... because the machines here are noisy: both sides see the same
load, and the medians are compared. It runs against a throwaway SQLite database and media folder
in a temporary directory, in the embedded mode whatever the environment says. It reports; it
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRATCH = Path(tempfile.mkdtemp(prefix="streamify-bench-ingest-"))
# Before Django reads its settings: a database and media root of our own, and the embedded mode
# (filesystem media, SQLite) so the figures never depend on, or write to, a configured service.
os.environ["DJANGO_SETTINGS_MODULE"] = "streamify.settings"
os.environ["STREAMIFY_VAR_DIR"] = str(SCRATCH / "var")
os.environ["MEDIA_ROOT"] = str(SCRATCH / "media")
os.environ["MEDIA_STORAGE"] = "filesystem"
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("LOG_LEVEL", "WARNING")  # ingest logs one line per track at INFO

# Imported only now: Django and the project modules read the environment set above.
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files import File  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.catalog.media.ffmpeg import ffmpeg_binary  # noqa: E402
from apps.catalog.media.transcode import ladder_command  # noqa: E402
from apps.catalog.models import Album, IngestState, Track  # noqa: E402
from apps.catalog.services.ingest import track_ingest  # noqa: E402
from tests.audio import music_like  # noqa: E402

GOAL_RATIO = 1.15


def stored_track(source: Path, round_number: int) -> Track:
    """A track in `uploaded` state with its master stored, as an upload leaves it."""
    album = Album.objects.create(title=f"Bench {round_number}", release_date=timezone.localdate())
    track = Track.objects.create(album=album, title=f"Bench {round_number}", ingest_state=IngestState.UPLOADED)
    with source.open("rb") as handle:
        track.master_key = default_storage.save(f"masters/{track.public_id}/{source.name}", File(handle))
    track.save(update_fields=["master_key"])
    return track


def run_pipeline(source: Path, round_number: int) -> float:
    track = stored_track(source, round_number)  # not timed: the upload's work, not ingest's
    started = time.perf_counter()
    track_ingest(track_id=track.pk)
    elapsed = time.perf_counter() - started
    track.refresh_from_db()
    if track.ingest_state != IngestState.READY:
        sys.exit(f"ingest failed: {track.ingest_error}")
    return elapsed


def run_bare(source: Path) -> float:
    with tempfile.TemporaryDirectory(dir=SCRATCH) as out_dir:
        command = ladder_command(
            source=source,
            out_dir=Path(out_dir),
            ladder=settings.AUDIO_LADDER_KBPS,
            segment_seconds=settings.HLS_SEGMENT_SECONDS,
            max_seconds=settings.INGEST_MAX_DURATION_MS / 1000,
            demuxer="flac",
        )
        started = time.perf_counter()
        # The pipeline reads the progress lines from stdout and sends stderr to a file; here both
        # are discarded, the cheapest a caller can be.
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # noqa: S603
        return time.perf_counter() - started


def ffmpeg_version() -> str:
    result = subprocess.run([ffmpeg_binary(), "-version"], capture_output=True, text=True, check=True)  # noqa: S603
    return result.stdout.splitlines()[0].split(" Copyright")[0]  # "ffmpeg version <version>"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="A/B pairs to run (default 3)")
    parser.add_argument("--seconds", type=float, default=180.0, help="length of the generated track (default 180)")
    args = parser.parse_args(argv)

    call_command("migrate", verbosity=0)
    source = music_like(SCRATCH / "bench.flac", seconds=args.seconds)
    ladder = "/".join(str(kbps) for kbps in settings.AUDIO_LADDER_KBPS)
    print(
        f"ingest benchmark: {args.seconds:g} s music-like FLAC ({source.stat().st_size / 1e6:.1f} MB), "
        f"ladder {ladder} kbps, {args.rounds} rounds interleaved, {os.cpu_count()} CPUs"
    )
    print(f"ffmpeg: {ffmpeg_binary()} ({ffmpeg_version()})")

    pipeline: list[float] = []
    bare: list[float] = []
    for round_number in range(1, args.rounds + 1):
        pipeline.append(run_pipeline(source, round_number))
        bare.append(run_bare(source))

    pipeline_s = statistics.median(pipeline)
    bare_s = statistics.median(bare)
    ratio = pipeline_s / bare_s
    realtime = args.seconds / pipeline_s
    label = 20
    header = "".join(f"{f'round {n}':>9}" for n in range(1, args.rounds + 1))
    print()
    print(f"{'':<{label}}{header}{'median':>9}")
    for name, times, median in (("pipeline (s)", pipeline, pipeline_s), ("bare ffmpeg (s)", bare, bare_s)):
        print(f"{name:<{label}}{''.join(f'{t:>9.2f}' for t in times)}{median:>9.2f}")
    print(f"{'pipeline / bare':<{label}}{'':>{9 * args.rounds}}{ratio:>9.2f}  (goal <= {GOAL_RATIO})")
    print(f"{'x real time':<{label}}{'':>{9 * args.rounds}}{realtime:>9.1f}")
    print()
    print(
        f"ingest: pipeline {pipeline_s:.2f} s, bare ffmpeg {bare_s:.2f} s, ratio {ratio:.2f} "
        f"(goal <= {GOAL_RATIO}), {realtime:.1f}x real time"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
