"""Result kinds that belong to apps above the catalog (playlists). Imports point down (DESIGN.md),
so such an app registers, from its AppConfig.ready(), how its results are rendered: for the API
(objects per the Spotify shape, in the order given, leaving out what is gone) and for the web
page (the rows its template shows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ExternalKind:
    api_objects: Callable[..., list[dict]]  # (request, object_ids) -> API objects
    web_rows: Callable[..., list]  # (request, object_ids) -> rows for the web page
    rebuild: Callable[[], int]  # index all of them again; returns how many are indexed


_kinds: dict[str, ExternalKind] = {}


def register_search_kind(kind: str, *, api_objects, web_rows, rebuild) -> None:
    _kinds[kind] = ExternalKind(api_objects=api_objects, web_rows=web_rows, rebuild=rebuild)


def external_kinds() -> dict[str, ExternalKind]:
    return dict(_kinds)


def external_kind(kind: str) -> ExternalKind | None:
    return _kinds.get(kind)
