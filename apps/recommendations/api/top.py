"""`GET /v1/me/top/{type}` (Spotify Web API): the listener's most streamed tracks or artists over
a time range, built from their own play events (shapes in shared/SPOTIFY_API.md)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.country import request_country
from apps.catalog.api.rendering import full_tracks
from apps.catalog.api.representations import artist_full
from apps.catalog.availability import Listener
from apps.catalog.models import Track
from apps.catalog.selectors import artists_by_pks
from apps.common.api.pagination import paging_object, paging_params
from apps.common.errors import ApplicationError, NotFound
from apps.playback.events.selectors import top_artist_ids, top_track_ids

# Spotify's windows: "approximately last 4 weeks", "approximately last 6 months" (the default) and
# "approximately the last year".
TIME_RANGES = {
    "short_term": timedelta(weeks=4),
    "medium_term": timedelta(days=182),
    "long_term": timedelta(days=365),
}
DEFAULT_TIME_RANGE = "medium_term"
TYPES = ("tracks", "artists")


def _time_range(request) -> timedelta:
    raw = request.query_params.get("time_range") or DEFAULT_TIME_RANGE
    if raw not in TIME_RANGES:
        raise ApplicationError(f"Invalid time_range: {raw!r}; use short_term, medium_term or long_term.")
    return TIME_RANGES[raw]


def _tracks(request, ids: list[int], listener: Listener) -> list[dict]:
    # Rendered in the listener's own market (as `market=from_token` would): a track blocked there
    # since it was played says so, or is answered by a release that plays (`linked_from`).
    rows = Track.objects.with_relations().in_bulk(ids)
    return full_tracks(request, [rows[pk] for pk in ids], market=listener)


def _artists(request, ids: list[int]) -> list[dict]:
    rows = artists_by_pks(ids)
    return [artist_full(request, rows[pk]) for pk in ids]


class TopItemsView(APIView):
    @extend_schema(
        operation_id="get-users-top-artists-and-tracks",
        parameters=[
            OpenApiParameter("item_type", str, OpenApiParameter.PATH, enum=list(TYPES)),
            OpenApiParameter("time_range", str, enum=list(TIME_RANGES), description="Default medium_term."),
            OpenApiParameter("limit", int, description="1 to 50, default 20."),
            OpenApiParameter("offset", int, description="Default 0."),
        ],
        responses={200: dict},
    )
    def get(self, request, item_type: str):
        if item_type not in TYPES:
            raise NotFound(f"Unknown type {item_type!r}: use tracks or artists.")
        since = timezone.now() - _time_range(request)
        limit, offset = paging_params(request, default_limit=20, max_limit=50)
        listener = Listener(country=request_country(request), premium=request.user.is_premium)
        select = top_track_ids if item_type == "tracks" else top_artist_ids
        page = select(user=request.user, since=since, country=listener.country, limit=limit, offset=offset)
        items = _tracks(request, page.ids, listener) if item_type == "tracks" else _artists(request, page.ids)
        return Response(paging_object(request, items=items, total=page.total, limit=limit, offset=offset))
