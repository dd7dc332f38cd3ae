"""Bulk loading the search read model (seeding, rebuilding) on PostgreSQL.

The GIN indexes run with `fastupdate = off` so that every search sees a fully merged index (a
pending list of recent inserts is scanned linearly by every query, and the planner, seeing it,
walks away from the index). For a bulk load that costs a random index update per document, so
for the load's duration pending lists are turned on, and afterwards merged in one sorted pass
(gin_clean_pending_list, which unlike VACUUM also runs inside a transaction) and turned off.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from apps.catalog.search.backends.postgres import VECTOR_INDEXES


def _set_fastupdate(on: bool) -> None:
    with connection.cursor() as cursor:
        for index in VECTOR_INDEXES:
            cursor.execute(f"ALTER INDEX {index} SET (fastupdate = {'on' if on else 'off'})")


class BulkLoad:
    def __init__(self, tables: tuple[str, ...]):
        self.tables = ("catalog_searchdocument", "catalog_searchterm", "catalog_searchtermvariant", *tables)

    def analyze(self) -> None:
        """Fresh planner statistics. Call it every so often during a long load: where autovacuum
        is off or behind, a table that grew from nothing is still planned as empty, and each
        batch's lookups turn into full scans of everything loaded so far."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in self.tables:
                    cursor.execute(f"ANALYZE {table}")


@contextmanager
def bulk_loading(*, tables: tuple[str, ...] = ()) -> Iterator[BulkLoad]:
    """Around a bulk load. `tables`: others whose statistics to refresh along the search tables."""
    load = BulkLoad(tables)
    if connection.vendor != "postgresql":
        yield load
        return
    _set_fastupdate(True)
    try:
        yield load
    finally:
        _set_fastupdate(False)
        with connection.cursor() as cursor:
            for index in VECTOR_INDEXES:
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        load.analyze()
