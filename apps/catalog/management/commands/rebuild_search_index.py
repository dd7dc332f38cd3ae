"""`manage.py rebuild_search_index`: every search document again, from the rows (after a restore
or an upgrade, or to repair the index). Safe while the site runs: each batch is one transaction."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.catalog.search.indexing import catalog_rebuild
from apps.catalog.search.kinds import external_kinds
from apps.catalog.search.maintenance import bulk_loading


class Command(BaseCommand):
    help = "Rebuild the search index (tracks, albums, artists, playlists) from the database."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        with bulk_loading():
            counts = catalog_rebuild(log=self.stdout.write)
            for kind, external in external_kinds().items():
                counts[kind] = external.rebuild()
        if settings.SEARCH_BACKEND == "elasticsearch":  # a new index, swapped in under the alias when complete
            from apps.catalog.search.backends.elastic import elastic_rebuild

            self.stdout.write(f"Elasticsearch: {elastic_rebuild(log=self.stdout.write):,} documents")
        summary = ", ".join(f"{count:,} {kind}s" for kind, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Indexed {summary} in {time.perf_counter() - started:.1f} s."))
