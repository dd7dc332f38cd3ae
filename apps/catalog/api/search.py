"""`GET /v1/search` per the Spotify Web API, and `GET /v1/search/suggest` (an extension: the mixed
top matches a search box shows as one types)."""

from __future__ import annotations

from django.core.files.storage import default_storage
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog import selectors
from apps.catalog.api.market import market_listener
from apps.catalog.api.rendering import full_tracks, simplified_albums
from apps.catalog.api.representations import artist_full
from apps.catalog.models import Artist, Track
from apps.catalog.search.kinds import external_kind
from apps.catalog.search.models import SearchKind
from apps.catalog.search.service import MAX_LIMIT, MAX_OFFSET, search, suggest
from apps.common.api.pagination import int_param, paging_object
from apps.common.errors import ApplicationError
from apps.common.uris import build_uri

TYPES = {"track": "tracks", "artist": "artists", "album": "albums", "playlist": "playlists"}
# Spotify's other types: accepted (clients send them) and answered with empty pages.
EMPTY_TYPES = {"show": "shows", "episode": "episodes", "audiobook": "audiobooks"}
UNPLAYABLE = ("flag", "hide")
SUGGEST_MAX = 20

Q = OpenApiParameter("q", str, required=True, description="Words, with field filters artist: album: track: "
                     "year: (1969 or 1960-1969) genre: isrc: upc: tag:new tag:hipster.")  # fmt: skip
TYPE = OpenApiParameter("type", str, required=True, description="Comma-separated: track, artist, album, playlist.")
MARKET = OpenApiParameter("market", str, description="ISO 3166-1 alpha-2 country code, or from_token.")
UNPLAYABLE_PARAM = OpenApiParameter(
    "unplayable",
    str,
    description="Tracks that cannot play in the market: flag (is_playable false, the default) or hide.",
)


def _types(request) -> list[str]:
    raw = request.query_params.get("type")
    if not raw:
        raise ApplicationError("Missing parameter type.")
    types = [part.strip().lower() for part in raw.split(",") if part.strip()]
    unknown = [t for t in types if t not in TYPES and t not in EMPTY_TYPES]
    if unknown or not types:
        raise ApplicationError(f"Bad search type field: {', '.join(unknown) or raw!r}.")
    return list(dict.fromkeys(types))


def _in_order(rows: dict[int, object], ids: list[int]) -> list:
    return [rows[pk] for pk in ids if pk in rows]


def _items(request, kind: str, ids: list[int], market) -> list[dict]:
    if not ids:
        return []
    if kind == SearchKind.TRACK:
        tracks = _in_order(Track.objects.ready().with_relations().in_bulk(ids), ids)
        return full_tracks(request, tracks, market=market)
    if kind == SearchKind.ARTIST:
        artists = _in_order(Artist.objects.prefetch_related("genres").in_bulk(ids), ids)
        return [artist_full(request, artist) for artist in artists]
    if kind == SearchKind.ALBUM:
        albums = _in_order(selectors.albums_by_pks(ids), ids)
        return simplified_albums(request, albums, market=market)
    external = external_kind(kind)
    return external.api_objects(request, ids) if external else []


class SearchView(APIView):
    @extend_schema(operation_id="search", parameters=[Q, TYPE, MARKET, UNPLAYABLE_PARAM], responses={200: dict})
    def get(self, request):
        types = _types(request)
        limit = int_param(request, "limit", 20, low=0, high=MAX_LIMIT)
        offset = int_param(request, "offset", 0, low=0, high=MAX_OFFSET)
        unplayable = request.query_params.get("unplayable", "flag")
        if unplayable not in UNPLAYABLE:
            raise ApplicationError(f"Invalid unplayable: {unplayable!r} (flag or hide).")
        market = market_listener(request)
        kinds = [t for t in types if t in TYPES]
        results = search(
            q=request.query_params.get("q"),
            kinds=kinds,
            limit=limit,
            offset=offset,
            listener=market,
            hide_unplayable=unplayable == "hide" and market is not None,
        )
        body = {}
        for kind in types:
            found = results.get(kind)
            items = _items(request, kind, found.object_ids, market) if found else []
            total = found.total if found else 0
            key = TYPES.get(kind) or EMPTY_TYPES[kind]
            body[key] = paging_object(request, items=items, total=total, limit=limit, offset=offset)
        return Response(body)


def suggestion_object(request, suggestion) -> dict:
    web = {"track": "track", "artist": "artist", "album": "album", "playlist": "playlist"}[suggestion.kind]
    body = {
        "type": suggestion.kind,
        "id": suggestion.public_id,
        "uri": build_uri(suggestion.kind, suggestion.public_id),
        "name": suggestion.name,
        "subtitle": suggestion.subtitle,
        "image": request.build_absolute_uri(default_storage.url(suggestion.image_key))
        if suggestion.image_key
        else None,
        "external_urls": {"spotify": request.build_absolute_uri(f"/{web}/{suggestion.public_id}")},
    }
    if suggestion.kind == SearchKind.TRACK and suggestion.restriction is not None:
        body["is_playable"] = False
        body["restrictions"] = {"reason": str(suggestion.restriction)}
    return body


class SuggestView(APIView):
    @extend_schema(operation_id="search-suggest", parameters=[Q, MARKET], responses={200: dict})
    def get(self, request):
        limit = int_param(request, "limit", 8, low=1, high=SUGGEST_MAX)
        market = market_listener(request)
        found = suggest(q=request.query_params.get("q"), listener=market, limit=limit)
        return Response({"suggestions": [suggestion_object(request, s) for s in found]})
