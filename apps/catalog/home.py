"""The shelves of the home page beyond the catalog's own "New releases".

The home page is the catalog's view, but what fills it comes from above the catalog (plays,
later recommendations), and imports point down (DESIGN.md). So apps above register shelf
providers here, from their AppConfig.ready(), and the view asks them: a provider takes the request
and returns a Shelf of ready tracks, or None when it has nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass
class Shelf:
    key: str  # stable, for tests and styling
    title: str
    tracks: list  # Track rows loaded `with_relations()`, ready, in the order to show


ShelfProvider = Callable[[HttpRequest], Shelf | None]
_providers: dict[str, ShelfProvider] = {}


def register_home_shelf(key: str, provider: ShelfProvider) -> None:
    _providers[key] = provider  # by key, so a re-run ready() does not add it twice


def home_shelves(request: HttpRequest) -> list[Shelf]:
    shelves = (provider(request) for provider in _providers.values())
    return [shelf for shelf in shelves if shelf is not None and shelf.tracks]
