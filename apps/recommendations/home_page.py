"""The web app's home page (apps.catalog.home): the shelves of the home view
(apps.recommendations.products.home), with what a page needs beyond the API's sections: playlist
covers and play contexts, and the chart that the popular shelf plays on through. The popular shelf
before there is a chart ("Popular now" from the week's raw streams) is the home view's own, so the
API's home has it too."""

from __future__ import annotations

from django.http import HttpRequest

from apps.accounts.country import request_country
from apps.catalog.availability import Listener
from apps.catalog.home import Shelf
from apps.catalog.presentation import cover
from apps.common.uris import build_uri
from apps.playlists.selectors import cover_images
from apps.recommendations.products.home import home_view


def home_page_shelves(request: HttpRequest) -> list[Shelf]:
    user = request.user
    listener = Listener(country=request_country(request), premium=user.is_authenticated and user.is_premium)
    return [_page_shelf(shelf) for shelf in home_view(user, listener)]


def _page_shelf(shelf) -> Shelf:
    if shelf.kind == "playlists":
        return Shelf(shelf.id, shelf.title, shelf.kind, _with_covers(shelf.items))
    # The popular shelf is the top of a chart: its rows play on through the whole chart (its
    # `context_uri`). The others play themselves, as a list (recently played, because you liked,
    # popular before there is a chart).
    return Shelf(shelf.id, shelf.title, shelf.kind, shelf.items, context_uri=shelf.context_uri)


def _with_covers(playlists: list) -> list:
    images = cover_images(playlists)
    for playlist in playlists:
        playlist.cover = cover(images[playlist.pk], display_px=300)
        playlist.context_uri = build_uri("playlist", playlist.public_id)
    return playlists
