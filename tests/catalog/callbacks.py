"""What a test of on-commit work counts: every change to catalog rows also bumps the catalog
version after commit (apps.catalog.freshness), which is not the work those tests are about."""

from __future__ import annotations


def queued_work(callbacks) -> list:
    return [callback for callback in callbacks if callback.__module__ != "apps.catalog.freshness"]
