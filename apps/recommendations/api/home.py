"""`GET /v1/views/home` (extension): the home screen's shelves, as Spotify clients render
sections: `{"sections": [{id, title, type, items}]}`, items being simplified playlists, full
tracks or simplified albums by the section's type."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.country import request_country
from apps.catalog.api.market import market_listener
from apps.catalog.api.rendering import full_tracks, simplified_albums
from apps.catalog.availability import Listener
from apps.playlists.api.representations import playlist_simplified
from apps.playlists.selectors import cover_images
from apps.recommendations.products.home import home_view


def render_items(request, shelf, listener: Listener) -> list[dict]:
    if shelf.kind == "playlists":
        covers = cover_images(shelf.items)
        return [playlist_simplified(request, playlist, covers[playlist.pk]) for playlist in shelf.items]
    if shelf.kind == "albums":
        return simplified_albums(request, shelf.items, market=listener)
    return full_tracks(request, shelf.items, market=listener)


class HomeView(APIView):
    @extend_schema(operation_id="get-home-view", responses={200: dict})
    def get(self, request):
        user = request.user
        listener = market_listener(request) or Listener(country=request_country(request), premium=user.is_premium)
        sections = [
            {"id": shelf.id, "title": shelf.title, "type": shelf.kind, "items": render_items(request, shelf, listener)}
            for shelf in home_view(user, listener)
        ]
        return Response({"sections": sections})
