"""Radio, continuation and charts on the API (extensions but the charts, which take Spotify's path):

- `POST /v1/me/radio` `{"seed_uri": "spotify:track:..."}` -> 201, the station (a simplified
  playlist): play its `uri` as a context and it extends itself as it plays.
- `GET /v1/playlists/{id}/recommendations?limit=&market=` -> `{"tracks": [...]}`: songs for a
  playlist, like it and not in it (404 for a playlist one may not see).
- `GET /v1/browse/categories/toplists/playlists?country=` -> `{"playlists": paging}`: the charts,
  the country's first (Spotify's "toplists" category, so clients' `category_playlists` works),
  without those with nothing in their top for the listener (where they are, their tier, their
  explicit-content setting).
"""

from __future__ import annotations

from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.country import request_country
from apps.catalog.api.market import market_listener
from apps.catalog.api.rendering import full_tracks
from apps.catalog.availability import Listener
from apps.catalog.track_rows import ready_tracks_to_render
from apps.common.api.bodies import json_object
from apps.common.api.pagination import int_param, paginate
from apps.common.errors import ApplicationError, NotFound
from apps.playlists.api.representations import playlist_simplified
from apps.playlists.selectors import cover_images, playlists_with_counts
from apps.recommendations.products.charts import charts_for
from apps.recommendations.products.continuation import playlist_recommendations
from apps.recommendations.products.radio import start_radio


def _simplified(request, playlists) -> list[dict]:
    rows = playlists_with_counts().in_bulk([p.pk for p in playlists])
    listed = [rows[p.pk] for p in playlists if p.pk in rows]
    covers = cover_images(listed)
    return [playlist_simplified(request, playlist, covers[playlist.pk]) for playlist in listed]


class RadioView(APIView):
    @extend_schema(operation_id="start-radio", request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        seed_uri = json_object(request).get("seed_uri")
        if not isinstance(seed_uri, str) or not seed_uri:
            raise ApplicationError("seed_uri is required: a track, artist, album or playlist URI.")
        station = start_radio(request.user, seed_uri)
        return Response(_simplified(request, [station])[0], status=201)


class PlaylistRecommendationsView(APIView):
    @extend_schema(operation_id="get-playlist-recommendations", responses={200: dict})
    def get(self, request, playlist_id: str):
        limit = int_param(request, "limit", 10, low=1, high=50)
        market = market_listener(request)
        user = request.user
        listener = market or Listener(country=request_country(request), premium=user.is_premium)
        ids = playlist_recommendations(user, playlist_id, listener=listener, limit=limit)
        rows = ready_tracks_to_render(ids)
        return Response({"tracks": full_tracks(request, [rows[pk] for pk in ids if pk in rows], market=market)})


class ChartsView(APIView):
    @extend_schema(operation_id="get-charts", responses={200: dict})
    def get(self, request, category_id: str):
        if category_id != "toplists":
            raise NotFound("Category not found.")
        country = (request.query_params.get("country") or "").upper()
        if country and country not in countries:
            raise ApplicationError(f"Invalid country: {country!r} is not an ISO 3166-1 alpha-2 country code.")
        user = request.user
        # `country` picks the charts; what the listener may play is decided where they are.
        listener = Listener(country=request_country(request), premium=user.is_premium)
        charts = charts_for(
            country=country or listener.country, listener=listener, allow_explicit=not user.explicit_filter
        )
        page = paginate(request, charts, lambda rows: _simplified(request, rows))
        return Response({"playlists": page})
