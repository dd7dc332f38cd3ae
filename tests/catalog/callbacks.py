"""What a test of on-commit work counts: every change to catalog rows also bumps the catalog
version after commit (apps.catalog.freshness), and a change to what search shows the search
index's version (apps.catalog.search.indexing), which is not the work those tests are about."""

from __future__ import annotations


def queued_work(callbacks) -> list:
    versions = ("apps.catalog.freshness", "apps.catalog.search.indexing")
    return [callback for callback in callbacks if callback.__module__ not in versions]
