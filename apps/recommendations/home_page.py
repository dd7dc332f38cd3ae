"""The web app's home page (apps.catalog.home): the shelves of the home view
(apps.recommendations.products.home), with what a page needs beyond the API's sections: playlist
covers and play contexts, the chart that the popular shelf plays on through, and "Popular now" from
the week's raw streams while there is no chart to take it from."""

from __future__ import annotations

from django.http import HttpRequest

from apps.accounts.country import request_country
from apps.catalog.availability import Listener
from apps.catalog.home import Shelf
from apps.catalog.presentation import cover
from apps.common.uris import build_uri
from apps.playback.events.shelves import popular_now
from apps.playlists.selectors import cover_images
from apps.recommendations.products.home import POPULAR, home_view

CHARTS = "charts"
# The popular shelf stands before these; where the home view has none, the stand-in goes there too.
AFTER_POPULAR = ("because-you-liked", CHARTS)


def home_page_shelves(request: HttpRequest) -> list[Shelf]:
    user = request.user
    listener = Listener(country=request_country(request), premium=user.is_authenticated and user.is_premium)
    viewed = home_view(user, listener)
    shelves = [_page_shelf(shelf) for shelf in viewed]
    if all(shelf.key != POPULAR for shelf in shelves):
        stand_in = popular_now(request)
        if stand_in is not None:
            at = next((i for i, shelf in enumerate(shelves) if shelf.key in AFTER_POPULAR), len(shelves))
            shelves.insert(at, stand_in)
    return shelves


def _page_shelf(shelf) -> Shelf:
    if shelf.kind == "playlists":
        return Shelf(shelf.id, shelf.title, shelf.kind, _with_covers(shelf.items))
    # The popular shelf is the top of a chart: its rows play on through the whole chart (its
    # `context_uri`). The others play themselves, as a list (recently played, because you liked).
    return Shelf(shelf.id, shelf.title, shelf.kind, shelf.items, context_uri=shelf.context_uri)


def _with_covers(playlists: list) -> list:
    images = cover_images(playlists)
    for playlist in playlists:
        playlist.cover = cover(images[playlist.pk], display_px=300)
        playlist.context_uri = build_uri("playlist", playlist.public_id)
    return playlists
