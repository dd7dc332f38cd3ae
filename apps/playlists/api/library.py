"""The library API: `/v1/me/tracks` (liked songs), `/v1/me/albums`, `/v1/me/following` (artists and
listeners, cursor paged as Spotify does) and spotipy 2.26's `/v1/me/library?uris=`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.api.market import market_listener
from apps.catalog.api.rendering import full_tracks, simplified_albums
from apps.catalog.api.representations import artist_full
from apps.catalog.models import Track
from apps.catalog.selectors import albums_by_ids
from apps.common.api.bodies import json_object
from apps.common.api.ids import checked_ids, ids_param
from apps.common.api.pagination import paginate, paging_params
from apps.common.errors import ApplicationError
from apps.common.ids import is_public_id
from apps.playlists import library

MAX_IDS = 50


def _ids(request) -> list[str]:
    """`?ids=a,b` or, as Spotify also takes it, a JSON body `{"ids": [...]}`."""
    if request.query_params.get("ids"):
        return ids_param(request, maximum=MAX_IDS)
    ids = json_object(request).get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ApplicationError("Missing required parameter: ids.")
    return checked_ids(ids, maximum=MAX_IDS)


def _uris(request) -> list[str]:
    raw = request.query_params.get("uris")
    uris = [u for u in raw.split(",") if u] if raw else json_object(request).get("uris")
    if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
        raise ApplicationError("Missing required parameter: uris.")
    if len(uris) > MAX_IDS:
        raise ApplicationError(f"Too many uris: at most {MAX_IDS}.")
    return uris


def _stamp(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class _SavedView(APIView):
    kind = ""

    def put(self, request):
        library.save(user=request.user, kind=self.kind, ids=_ids(request))
        return Response(status=200)

    def delete(self, request):
        library.remove(user=request.user, kind=self.kind, ids=_ids(request))
        return Response(status=200)


@extend_schema_view(
    put=extend_schema(operation_id="save-tracks-user", request=None, responses={200: None}),
    delete=extend_schema(operation_id="remove-tracks-user", request=None, responses={200: None}),
)
class SavedTracksView(_SavedView):
    kind = "track"

    @extend_schema(operation_id="get-users-saved-tracks", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        market = market_listener(request)
        rows = library.saved(user=request.user, kind="track")

        def render(page):
            tracks = full_tracks(request, [row.track for row in _with_track_relations(page)], market=market)
            return [{"added_at": _stamp(row.added_at), "track": track} for row, track in zip(page, tracks, strict=True)]

        return Response(paginate(request, rows, render))


def _with_track_relations(rows):
    tracks = Track.objects.with_relations().in_bulk([row.track_id for row in rows])
    for row in rows:
        row.track = tracks[row.track_id]
    return rows


@extend_schema_view(
    put=extend_schema(operation_id="save-albums-user", request=None, responses={200: None}),
    delete=extend_schema(operation_id="remove-albums-user", request=None, responses={200: None}),
)
class SavedAlbumsView(_SavedView):
    kind = "album"

    @extend_schema(operation_id="get-users-saved-albums", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        market = market_listener(request)
        # Only albums listeners can see (some ready track), in the count as in the items.
        rows = library.saved(user=request.user, kind="album").filter(
            Exists(Track.objects.ready().filter(album=OuterRef("album_id")))
        )

        def render(page):
            albums = albums_by_ids([row.album.public_id for row in page])  # with their track counts
            rendered = {a["id"]: a for a in simplified_albums(request, albums.values(), market=market)}
            return [
                {"added_at": _stamp(row.added_at), "album": rendered[row.album.public_id]}
                for row in page
                if row.album.public_id in rendered
            ]

        return Response(paginate(request, rows, render))


class _ContainsView(APIView):
    kind = ""

    def get(self, request):
        ids = ids_param(request, maximum=MAX_IDS)
        return Response(library.contains(user=request.user, kind=self.kind, ids=ids))


@extend_schema_view(get=extend_schema(operation_id="check-users-saved-tracks", responses={200: OpenApiTypes.OBJECT}))
class SavedTracksContainView(_ContainsView):
    kind = "track"


@extend_schema_view(get=extend_schema(operation_id="check-users-saved-albums", responses={200: OpenApiTypes.OBJECT}))
class SavedAlbumsContainView(_ContainsView):
    kind = "album"


def _follow_kind(request) -> str:
    kind = request.query_params.get("type")
    if kind not in ("artist", "user"):
        raise ApplicationError("Invalid type: must be artist or user.")
    return kind


class FollowingView(APIView):
    @extend_schema(operation_id="get-followed", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        if request.query_params.get("type") != "artist":
            raise ApplicationError("Invalid type: only artist is supported.")
        limit, _ = paging_params(request)
        rows = library.saved(user=request.user, kind="artist")
        after = request.query_params.get("after")
        if after:
            if not is_public_id(after):
                raise ApplicationError(f"Invalid after: {after!r} is not an artist id.")
            cursor = rows.filter(artist__public_id=after).first()
            if cursor is None:
                raise ApplicationError("Invalid after: not an artist you follow.")
            rows = rows.filter(followed_at__lte=cursor.followed_at).exclude(
                followed_at=cursor.followed_at, id__gte=cursor.id
            )
        total = library.saved(user=request.user, kind="artist").count()
        page = list(rows.prefetch_related("artist__genres")[: limit + 1])
        more, page = len(page) > limit, page[:limit]
        last = page[-1].artist.public_id if page and more else None
        base = request.build_absolute_uri(request.path)
        body = {
            "href": f"{base}?{urlencode({'type': 'artist', 'limit': limit, **({'after': after} if after else {})})}",
            "items": [artist_full(request, row.artist) for row in page],
            "limit": limit,
            "next": f"{base}?{urlencode({'type': 'artist', 'limit': limit, 'after': last})}" if last else None,
            "cursors": {"after": last, "before": None},
            "total": total,
        }
        return Response({"artists": body})

    @extend_schema(operation_id="follow-artists-users", request=None, responses={204: None})
    def put(self, request):
        library.save(user=request.user, kind=_follow_kind(request), ids=_ids(request))
        return Response(status=204)

    @extend_schema(operation_id="unfollow-artists-users", request=None, responses={204: None})
    def delete(self, request):
        library.remove(user=request.user, kind=_follow_kind(request), ids=_ids(request))
        return Response(status=204)


class FollowingContainsView(APIView):
    @extend_schema(operation_id="check-current-user-follows", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        kind = _follow_kind(request)
        return Response(library.contains(user=request.user, kind=kind, ids=ids_param(request, maximum=MAX_IDS)))


class LibraryView(APIView):
    @extend_schema(operation_id="save-library-items", request=None, responses={200: None})
    def put(self, request):
        library.library_save(user=request.user, uris=_uris(request))
        return Response(status=200)

    @extend_schema(operation_id="remove-library-items", request=None, responses={200: None})
    def delete(self, request):
        library.library_remove(user=request.user, uris=_uris(request))
        return Response(status=200)


class LibraryContainsView(APIView):
    @extend_schema(operation_id="check-library-contains", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(library.library_contains(user=request.user, uris=_uris(request)))
