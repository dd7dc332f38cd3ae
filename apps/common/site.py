"""Absolute URLs: outside a request (a broadcast after commit, a task) the representations take a
request only to call `build_absolute_uri`, so SiteRequest stands in for one, built on SITE_URL;
inside one, `absolute_url` joins the request's origin to a path the code built itself."""

from __future__ import annotations

from django.conf import settings


class SiteRequest:
    def build_absolute_uri(self, location: str = "/") -> str:
        return settings.SITE_URL.rstrip("/") + location


def absolute_url(request, path: str) -> str:
    """`request.build_absolute_uri(path)` for a path this code built: "/" then ASCII letters,
    digits and `/_-?&=.:` (API paths and public ids), which the URI form leaves as it is. The
    origin is worked out once per request: a list of 100 tracks renders some 500 links, and
    Django's parse of each was 2 ms of a recommendation request."""
    origin = getattr(request, "_absolute_origin", None)
    if origin is None:
        origin = request.build_absolute_uri("/")[:-1]
        request._absolute_origin = origin
    return origin + path
