"""`manage.py seed_demo`: a demo catalog with real, playable audio, in a minute or two."""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.catalog.demo.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_catalog_counts, demo_catalog_seed
from apps.catalog.search.indexing import catalog_rebuild, search_index_missing


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


class Command(BaseCommand):
    help = (
        "Create demo accounts, artists, releases and synthesised tracks, ingested into HLS ladders. "
        "Safe to run again: it only adds what is missing and retries tracks that are not ready."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--duration-scale",
            type=float,
            default=1.0,
            help="Multiply every track's length (25-45 s) by this; e.g. 0.1 for quick test runs.",
        )
        parser.add_argument("--tracks", type=int, default=None, help="Seed only the first N tracks.")

    def handle(self, *args, duration_scale: float = 1.0, tracks: int | None = None, **options) -> None:
        if duration_scale <= 0:
            raise CommandError("--duration-scale must be positive.")
        if tracks is not None and tracks < 0:
            raise CommandError("--tracks must not be negative.")
        # The seeder prints a line per track; the pipeline's own INFO line would say it twice.
        logging.getLogger("apps.catalog.services.ingest").setLevel(logging.WARNING)
        if search_index_missing():  # a database from before search: index what it holds first
            self.stdout.write("Indexing the catalog for search ...")
            catalog_rebuild()
        report = demo_catalog_seed(duration_scale=duration_scale, track_limit=tracks, log=self.stdout.write)

        counts = demo_catalog_counts()
        self.stdout.write("")
        self.stdout.write(
            f"This run: created {_count(report.users_created, 'account')}, "
            f"{_count(report.artists_created, 'artist')}, {_count(report.albums_created, 'release')} and "
            f"{_count(report.tracks_created, 'track')}; ingested {_count(report.tracks_ingested, 'track')}, "
            f"{report.tracks_already_ready} already ready ({report.seconds:.1f} s)."
        )
        self.stdout.write("Catalog: " + ", ".join(f"{value} {name}" for name, value in counts.items()) + ".")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            kind = "staff, superuser" if account.superuser else f"{account.product} {account.role}"
            self.stdout.write(f"  {account.email:<26} {kind}, {account.country}")
        if report.failures:
            for failure in report.failures:
                self.stderr.write(f"  failed: {failure}")
            raise CommandError(f"{len(report.failures)} track(s) are not ready; run seed_demo again to retry them.")
        self.stdout.write(self.style.SUCCESS("The demo catalog is ready."))
