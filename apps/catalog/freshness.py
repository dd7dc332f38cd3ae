"""The catalog version: a counter bumped after every commit that changes what a rendered track,
album or artist says (metadata, credits, availability), so that caches of rendered catalog
objects key on it and a takedown or an edit shows at once.

It lives in the default cache, which every process shares in the services mode (Redis). In the
embedded mode the cache is per process, so a change the worker commits (an ingest) bumps only the
worker's copy; every entry keyed on the version therefore also carries a short lifetime
(`CATALOG_RENDER_CACHE_SECONDS`), which bounds staleness there and for licence windows that open or
close on their own, with no write to bump anything.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

KEY = "catalog:version"


def catalog_version() -> int:
    version = cache.get(KEY)
    if version is None:
        # Start from the clock, not 0: after the cache is flushed, a counter restarted at 0 would
        # reach versions that entries still cached under them were rendered for.
        cache.add(KEY, time.time_ns(), timeout=None)
        version = cache.get(KEY)
    return version


def bump_catalog_version() -> None:
    """After the surrounding transaction commits (at once outside one): readers that render in
    between still see the old rows, so they must not cache them under the new version."""

    def bump() -> None:
        try:
            cache.incr(KEY)
        except ValueError:  # no key yet: nothing can be cached under a version nobody read
            catalog_version()

    transaction.on_commit(bump, robust=True)


def changed(sender, **kwargs) -> None:
    """Signal receiver for the models whose rows rendered objects are made of."""
    bump_catalog_version()
