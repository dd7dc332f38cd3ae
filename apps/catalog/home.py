"""The shelves of the home page beyond the catalog's own "New releases".

The home page is the catalog's view, but what fills it is decided above the catalog (plays,
recommendations), and imports point down (DESIGN.md). So an app above registers one provider
here, from its AppConfig.ready(): it takes the request and returns the whole list of shelves, in
the order to show them. The view renders them (templates/web/home.html) by kind:

    tracks     Track rows loaded `with_relations()`, ready; the view marks them playable or not here
               and gives them their durations, as on every other page (apps.catalog.presentation)
    albums     Album rows with `album_artists` prefetched; the view gives them their covers
    playlists  Playlist rows (`owner` joined, `length`) that the provider has given a `cover`
               (apps.catalog.presentation.cover(), from the playlists app's images) and a
               `context_uri`: the catalog cannot read the playlists app, which stands above it

A track row plays on in the shelf's `context_uri` (a chart's rows on through the chart) or, when
the shelf has none, the shelf's own playable tracks as a list (the player's `uris`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest

SHELF_KINDS = ("tracks", "albums", "playlists")


@dataclass
class Shelf:
    key: str  # stable, for tests and styling
    title: str
    kind: str  # one of SHELF_KINDS
    items: list = field(default_factory=list)
    context_uri: str = ""  # tracks: the context their rows play in; "" for the shelf itself
    uris: list[str] = field(default_factory=list)  # set by the view: what "the shelf itself" plays

    @property
    def uris_json(self) -> str:
        """For the rows' data-uris: "" when the rows play a context instead (or none can play)."""
        return json.dumps(self.uris) if self.uris else ""


HomeProvider = Callable[[HttpRequest], list[Shelf]]
_provider: list[HomeProvider] = []  # at most one: the last registered


def register_home_view(provider: HomeProvider) -> None:
    _provider[:] = [provider]  # replaced, not added: a re-run ready() does not show shelves twice


def home_shelves(request: HttpRequest) -> list[Shelf]:
    """The provider's shelves, without empty ones; none when no app above registered a provider."""
    shelves = _provider[0](request) if _provider else []
    return [shelf for shelf in shelves if shelf.kind in SHELF_KINDS and shelf.items]
