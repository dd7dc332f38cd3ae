"""Absolute URLs outside a request (a broadcast after commit, a task): the representations take a
request only to call `build_absolute_uri`, so this stands in for one, built on SITE_URL."""

from __future__ import annotations

from django.conf import settings


class SiteRequest:
    def build_absolute_uri(self, location: str = "/") -> str:
        return settings.SITE_URL.rstrip("/") + location
