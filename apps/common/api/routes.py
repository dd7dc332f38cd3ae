"""Every API route accepts an optional trailing slash, for every method.

Spotify clients really send some paths with one (`tracks/?ids=`, `me/`); APPEND_SLASH cannot help a
PUT or DELETE, so each route is registered in both forms.
"""

from __future__ import annotations

from django.urls import path


def api_path(route: str, view, name: str | None = None) -> list:
    route = route.rstrip("/")
    return [path(route, view, name=name), path(route + "/", view)]
