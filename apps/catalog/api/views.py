"""The catalog read API: `/v1/tracks`, `/v1/albums`, `/v1/artists` per the Spotify Web API."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog import selectors
from apps.catalog.api.market import market_listener
from apps.catalog.api.rendering import (
    album_availability,
    full_tracks,
    simplified_albums,
    simplified_tracks,
)
from apps.catalog.api.representations import album_full, artist_full
from apps.common.api.ids import ids_param
from apps.common.api.pagination import paginate, paging_object
from apps.common.errors import ApplicationError

MARKET = OpenApiParameter("market", str, description="ISO 3166-1 alpha-2 country code, or from_token.")
IDS = OpenApiParameter("ids", str, description="Comma-separated base62 ids.")


class TrackView(APIView):
    @extend_schema(operation_id="get-track", parameters=[MARKET], responses={200: dict})
    def get(self, request, track_id: str):
        market = market_listener(request)
        track = selectors.track_get_visible(track_id=track_id)
        return Response(full_tracks(request, [track], market=market)[0])


class SeveralTracksView(APIView):
    @extend_schema(operation_id="get-several-tracks", parameters=[IDS, MARKET], responses={200: dict})
    def get(self, request):
        ids = ids_param(request, maximum=50)
        market = market_listener(request)
        found = selectors.tracks_by_ids(ids)
        # Keyed by the id asked for: a relinked track answers in the place of its `linked_from`.
        rendered = {
            (t.get("linked_from") or t)["id"]: t for t in full_tracks(request, list(found.values()), market=market)
        }
        return Response({"tracks": [rendered.get(i) for i in ids]})


def _album_tracks_page(request, album, market, *, default_limit=20):
    return paginate(
        request,
        selectors.album_tracks(album),
        lambda rows: simplified_tracks(request, rows, market=market),
        default_limit=default_limit,
    )


class AlbumView(APIView):
    @extend_schema(operation_id="get-an-album", parameters=[MARKET], responses={200: dict})
    def get(self, request, album_id: str):
        market = market_listener(request)
        album = selectors.album_get_visible(album_id=album_id)
        tracks = list(selectors.album_tracks(album)[:50])
        page = paging_object(
            request,
            items=simplified_tracks(request, tracks, market=market),
            total=album.total_tracks,
            limit=50,
            offset=0,
        )
        page["href"] = request.build_absolute_uri(f"/v1/albums/{album.public_id}/tracks?offset=0&limit=50")
        if page["next"]:
            page["next"] = request.build_absolute_uri(f"/v1/albums/{album.public_id}/tracks?offset=50&limit=50")
        availability = album_availability([album.pk], market)[album.pk]
        return Response(album_full(request, album, tracks_page=page, availability=availability))


class SeveralAlbumsView(APIView):
    @extend_schema(operation_id="get-multiple-albums", parameters=[IDS, MARKET], responses={200: dict})
    def get(self, request):
        ids = ids_param(request, maximum=20)
        market = market_listener(request)
        found = selectors.albums_by_ids(ids)
        rendered = {a["id"]: a for a in simplified_albums(request, found.values(), market=market)}
        return Response({"albums": [rendered.get(i) for i in ids]})


class AlbumTracksView(APIView):
    @extend_schema(operation_id="get-an-albums-tracks", parameters=[MARKET], responses={200: dict})
    def get(self, request, album_id: str):
        market = market_listener(request)
        album = selectors.album_get_visible(album_id=album_id)
        return Response(_album_tracks_page(request, album, market))


class ArtistView(APIView):
    @extend_schema(operation_id="get-an-artist", responses={200: dict})
    def get(self, request, artist_id: str):
        return Response(artist_full(request, selectors.artist_get(artist_id=artist_id)))


class SeveralArtistsView(APIView):
    @extend_schema(operation_id="get-multiple-artists", parameters=[IDS], responses={200: dict})
    def get(self, request):
        ids = ids_param(request, maximum=50)
        found = selectors.artists_by_ids(ids)
        return Response({"artists": [artist_full(request, found[i]) if i in found else None for i in ids]})


class ArtistAlbumsView(APIView):
    @extend_schema(
        operation_id="get-an-artists-albums",
        parameters=[OpenApiParameter("include_groups", str), OpenApiParameter("market", str)],
        responses={200: dict},
    )
    def get(self, request, artist_id: str):
        artist = selectors.artist_get(artist_id=artist_id)
        raw = request.query_params.get("include_groups") or ",".join(selectors.ALBUM_GROUPS)
        groups = [g.strip() for g in raw.split(",") if g.strip()]
        unknown = [g for g in groups if g not in selectors.ALBUM_GROUPS]
        if unknown:
            raise ApplicationError(f"Invalid include_groups value {unknown[0]!r}.")
        market = market_listener(request, "market", "country")
        own = {link.album_id for link in artist.album_credits.all()}

        def render(rows):
            rows = list(rows)
            items = simplified_albums(request, rows, market=market)
            for album, body in zip(rows, items, strict=True):
                body["album_group"] = album.album_type if album.pk in own else "appears_on"
            return items

        return Response(paginate(request, selectors.artist_albums(artist=artist, groups=groups), render))


class ArtistTopTracksView(APIView):
    @extend_schema(
        operation_id="get-an-artists-top-tracks",
        parameters=[MARKET, OpenApiParameter("country", str)],
        responses={200: dict},
    )
    def get(self, request, artist_id: str):
        market = market_listener(request, "market", "country")
        artist = selectors.artist_get(artist_id=artist_id)
        tracks = list(selectors.artist_top_tracks(artist=artist))
        return Response({"tracks": full_tracks(request, tracks, market=market)})
