"""Playlists in the Spotify shapes: both `tracks` and `items` on a playlist, both `track` and
`item` on a playlist track (Spotify renamed one to the other; clients of either era read theirs)."""

from __future__ import annotations

from apps.accounts.api import user_simplified
from apps.catalog.api.rendering import full_tracks
from apps.catalog.api.representations import image_objects
from apps.catalog.availability import Listener
from apps.common.api.pagination import paging_object
from apps.common.site import absolute_url
from apps.common.uris import build_uri
from apps.playlists.models import Playlist, PlaylistEntry
from apps.playlists.snapshots import snapshot_id


def _api(request, path: str) -> str:
    return absolute_url(request, f"/v1/{path}")


def _common(request, playlist: Playlist, images: list[dict]) -> dict:
    return {
        "id": playlist.public_id,
        "uri": build_uri("playlist", playlist.public_id),
        "href": _api(request, f"playlists/{playlist.public_id}"),
        "type": "playlist",
        "name": playlist.name,
        "description": playlist.description,
        "public": playlist.public,
        "collaborative": playlist.collaborative,
        "snapshot_id": snapshot_id(playlist.public_id, playlist.version),
        "owner": user_simplified(request, playlist.owner),
        "images": image_objects(request, images),
        "external_urls": {"spotify": absolute_url(request, f"/playlist/{playlist.public_id}")},
        "primary_color": None,
    }


def playlist_simplified(request, playlist: Playlist, images: list[dict]) -> dict:
    items = {"href": _api(request, f"playlists/{playlist.public_id}/tracks"), "total": playlist.length}
    return {**_common(request, playlist, images), "tracks": items, "items": dict(items)}


def playlist_full(request, playlist: Playlist, images: list[dict], *, items_page: dict) -> dict:
    return {
        **_common(request, playlist, images),
        "followers": {"href": None, "total": playlist.followers_total},
        "tracks": items_page,
        "items": items_page,
    }


def added_by(request, user) -> dict | None:
    if user is None:
        return None
    body = user_simplified(request, user)
    body.pop("display_name")  # Spotify's added_by is the public user object without a name
    return body


def playlist_tracks(request, entries: list[PlaylistEntry], *, market: Listener | None) -> list[dict]:
    tracks = full_tracks(request, [entry.track for entry in entries], market=market)
    return [
        {
            "added_at": entry.added_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "added_by": added_by(request, entry.added_by),
            "is_local": False,
            "primary_color": None,
            "track": track,
            "item": track,
            "video_thumbnail": {"url": None},
        }
        for entry, track in zip(entries, tracks, strict=True)
    ]


def items_paging(request, playlist: Playlist, entries, *, market, offset: int, limit: int, path: str) -> dict:
    """A page of items; `path` names the items endpoint when the page is embedded in a playlist
    object (its links must lead to more items, not to the playlist again)."""
    return paging_object(
        request,
        items=playlist_tracks(request, entries, market=market),
        total=playlist.length,
        limit=limit,
        offset=offset,
        path=f"/v1/{path}" if path else None,
    )
