"""`GET /v1/browse/new-releases` (Spotify Web API): the newest albums, as a paging object of
simplified albums under `albums` (shapes in shared/SPOTIFY_API.md)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.country import request_country
from apps.catalog import selectors
from apps.catalog.api.market import market_listener
from apps.catalog.api.rendering import simplified_albums
from apps.common.api.pagination import paginate


class NewReleasesView(APIView):
    @extend_schema(
        operation_id="get-new-releases",
        parameters=[
            OpenApiParameter("country", str, description="ISO 3166-1 alpha-2 country code."),
            OpenApiParameter("limit", int, description="1 to 50, default 20."),
            OpenApiParameter("offset", int, description="Default 0."),
        ],
        responses={200: dict},
    )
    def get(self, request):
        # `country` is checked (an unknown code is a 400) and, as with `market`, a user token's own
        # country decides what is listed: a client cannot browse another market for its user. With
        # it the albums say whether they play there; without it they list their markets.
        market = market_listener(request, "country")
        country = market.country if market else request_country(request)
        releases = selectors.albums_new_releases(country=country)
        page = paginate(request, releases, lambda rows: simplified_albums(request, rows, market=market))
        return Response({"albums": page})
