"""What the listener's pages show of catalog rows beyond their fields: cover renditions, durations
as text, and whether each track can play for this listener (and on which context). Used by every
page that lists tracks or albums (the catalog's, and the playlists' and library's above it)."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import HttpRequest

from apps.accounts.country import request_country
from apps.catalog.availability import Listener, Restriction, restrictions_for
from apps.catalog.models import Album
from apps.common.uris import build_uri

# What a greyed-out track row says about why it cannot play here (Spotify's restrictions.reason).
UNPLAYABLE_TEXT = {
    Restriction.MARKET: "Not available in your country",
    Restriction.PRODUCT: "Available with Premium only",
    Restriction.TAKEDOWN: "No longer available",
    Restriction.NOT_READY: "Still being processed",
}


def cover(images: list[dict], *, display_px: int) -> dict | None:
    """The rendition to use as `src` (the smallest that covers `display_px`) and a `srcset` of all
    of them, so high-density screens pick the larger files themselves."""
    if not images:
        return None
    by_width = sorted(images, key=lambda image: image["width"])
    chosen = next((image for image in by_width if image["width"] >= display_px), by_width[-1])
    return {
        "src": default_storage.url(chosen["key"]),
        "srcset": ", ".join(f"{default_storage.url(image['key'])} {image['width']}w" for image in by_width),
        "width": chosen["width"],
        "height": chosen["height"],
    }


def duration_text(ms: int | None) -> str:
    if not ms:
        return ""
    seconds = round(ms / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def with_covers(albums, *, display_px: int) -> list[Album]:
    albums = list(albums)
    for album in albums:
        album.cover = cover(album.images, display_px=display_px)
    return albums


def with_durations(tracks) -> list:
    tracks = list(tracks)
    for track in tracks:
        track.duration_text = duration_text(track.duration_ms)
    return tracks


def with_playability(request: HttpRequest, tracks: list, *, context_uri=None) -> list:
    """Marks each track row playable or not for this listener (one availability query for the
    page), and gives it the URIs the player's play command names: its own, and the context it
    plays on in (`context_uri(track)`, or the track's album)."""
    if request.user.is_authenticated:
        listener = Listener(country=request_country(request), premium=request.user.is_premium)
        restrictions = restrictions_for(tracks, listener)
    else:
        restrictions = {}
    for track in tracks:
        restriction = restrictions.get(track.pk)
        track.uri = build_uri("track", track.public_id)
        track.context_uri = context_uri(track) if context_uri else build_uri("album", track.album.public_id)
        track.is_playable = restriction is None
        track.unplayable_text = UNPLAYABLE_TEXT.get(restriction, "") if restriction else ""
    return tracks
