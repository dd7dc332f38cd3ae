"""`manage.py seed_catalog --tracks N`: a metadata-only catalog of N tracks for search and load
tests (apps/catalog/demo/scale.py)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.catalog.demo.scale import seed_catalog
from apps.catalog.search.maintenance import bulk_loading

ANALYZE_EVERY = 10  # batches

# Analysed during and after the load, so that the first queries after it are planned for its size.
LOADED_TABLES = ("catalog_track", "catalog_album", "catalog_artist", "catalog_trackartist", "catalog_albumartist",
                 "catalog_trackavailability", "catalog_track_genres")  # fmt: skip

MAX_TRACKS = 10_000_000


class Command(BaseCommand):
    help = "Add N generated tracks (metadata only, no audio) with artists and albums, for search and load tests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tracks", type=int, required=True, help="How many tracks to add (1 to 10,000,000).")
        parser.add_argument("--seed", type=int, default=2026, help="Seed for names and shapes (ids are always new).")
        parser.add_argument("--batch", type=int, default=10_000, help="Tracks written per transaction.")

    def handle(self, *args, tracks: int, seed: int, batch: int, **options) -> None:
        if not 1 <= tracks <= MAX_TRACKS:
            raise CommandError(f"--tracks must be between 1 and {MAX_TRACKS:,}.")
        if not 1 <= batch <= 50_000:
            raise CommandError("--batch must be between 1 and 50,000.")
        started = time.perf_counter()
        with bulk_loading(tables=LOADED_TABLES) as load:
            report = seed_catalog(
                tracks=tracks,
                seed=seed,
                batch_tracks=batch,
                log=self.stdout.write,
                after_batch=lambda n: load.analyze() if n in (1, 3) or n % ANALYZE_EVERY == 0 else None,
            )
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {report.tracks:,} tracks, {report.albums:,} albums and {report.artists:,} artists "
                f"in {seconds:.1f} s ({report.tracks / seconds:,.0f} tracks/s)."
            )
        )
