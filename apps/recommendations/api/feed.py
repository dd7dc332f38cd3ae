"""`GET /v1/me/feed` (extension): the activity of the listeners you follow."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api import user_simplified
from apps.catalog.api.market import market_listener
from apps.catalog.api.rendering import full_tracks
from apps.common.api.pagination import paging_params
from apps.playlists.api.representations import playlist_simplified
from apps.playlists.selectors import cover_images, readable_playlist_ids
from apps.recommendations.feed import activity_feed


def _playlist_ids(uris) -> list[str]:
    return [uri.split(":")[2] for uri in uris if uri and uri.count(":") == 2 and uri.split(":")[1] == "playlist"]


def _may_name(uri: str, readable_playlists: set[str]) -> bool:
    if not uri:
        return False
    parts = uri.split(":")
    if len(parts) == 3 and parts[1] == "playlist":
        return parts[2] in readable_playlists
    return len(parts) == 3 and parts[1] in ("album", "artist")  # a friend's own collection is theirs


def _stamp(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class FeedView(APIView):
    @extend_schema(operation_id="get-activity-feed", responses={200: dict})
    def get(self, request):
        limit, _ = paging_params(request, default_limit=20, max_limit=50)
        items = activity_feed(viewer=request.user, limit=limit)
        played = [item for item in items if item.kind == "played"]
        tracks = iter(full_tracks(request, [item.track for item in played], market=market_listener(request)))
        playlists = [item.playlist for item in items if item.kind == "playlist"]
        # A friend's play names its context only when the viewer may see it (private playlists
        # do not exist for them, not even as an id).
        shown = readable_playlist_ids(request.user, _playlist_ids(item.context_uri for item in played))
        covers = cover_images(playlists)
        body = []
        for item in items:
            entry = {"type": item.kind, "user": user_simplified(request, item.user), "at": _stamp(item.at)}
            if item.kind == "played":
                entry["track"] = next(tracks)
                entry["context"] = {"uri": item.context_uri} if _may_name(item.context_uri, shown) else None
            else:
                entry["playlist"] = playlist_simplified(request, item.playlist, covers[item.playlist.pk])
            body.append(entry)
        return Response({"items": body, "limit": limit})
