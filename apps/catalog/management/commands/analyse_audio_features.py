"""`manage.py analyse_audio_features`: measure the audio features of ready tracks that have none, or
whose features an older analyser measured (after an upgrade that bumped ANALYSER_VERSION, or for
tracks ingested before analysis existed). Ingest measures new tracks itself.

By default each track becomes a `catalog.analyse_track` task for the workers; `--inline` analyses
here, one track after another, and prints what happened (for a small catalog, or without a worker).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from apps.catalog.features import tracks_needing_analysis
from apps.catalog.models import Track
from apps.catalog.services.ingest import track_analyse
from apps.catalog.tasks import analyse_track
from apps.common.ids import is_public_id


class Command(BaseCommand):
    help = "Measure audio features for ready tracks without them (or measured by an older analyser)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--missing", action="store_true", help="Only tracks with no features at all (not the outdated ones)."
        )
        parser.add_argument(
            "--track", metavar="ID", help="Just this track (its base62 id or database id), whatever it has."
        )
        parser.add_argument("--inline", action="store_true", help="Analyse in this process instead of queueing.")

    def handle(self, *args, missing: bool, track: str | None, inline: bool, **options) -> None:
        track_ids = [self._one_track(track)] if track else list(tracks_needing_analysis(missing_only=missing))
        if not track_ids:
            self.stdout.write("Every ready track has current audio features.")
            return
        if not inline:
            for track_id in track_ids:
                analyse_track.delay(track_id)
            self.stdout.write(self.style.SUCCESS(f"Queued audio analysis of {len(track_ids):,} track(s)."))
            return
        started, saved = time.perf_counter(), 0
        for number, track_id in enumerate(track_ids, start=1):
            ok = track_analyse(track_id=track_id)
            saved += ok
            self.stdout.write(f"[{number}/{len(track_ids)}] track {track_id}: {'analysed' if ok else 'no features'}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Analysed {saved:,} of {len(track_ids):,} track(s) in {time.perf_counter() - started:.1f} s."
            )
        )

    def _one_track(self, value: str) -> int:
        rows = Track.objects.filter(pk=int(value)) if value.isdigit() else None
        if rows is None:
            if not is_public_id(value):
                raise CommandError(f"{value!r} is neither a base62 track id nor a database id.")
            rows = Track.objects.filter(public_id=value)
        track = rows.only("pk", "ingest_state").first()
        if track is None:
            raise CommandError(f"No track {value!r}.")
        if not track.is_ready:
            raise CommandError(f"Track {value!r} is {track.ingest_state}, not ready: ingest measures it when it runs.")
        return track.pk
