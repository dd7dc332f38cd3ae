"""The listener's web pages: home, album, artist, track. Only ready tracks ever show; anything a
listener cannot see is a 404, never a hint that it exists."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.static import serve

from apps.accounts.country import request_country
from apps.catalog.availability import Listener, Restriction, restrictions_for
from apps.catalog.home import home_shelves
from apps.catalog.models import Album
from apps.catalog.selectors import (
    ALBUM_GROUPS,
    album_get_visible,
    album_tracks,
    albums_latest,
    artist_albums,
    artist_get,
    artist_top_tracks,
    catalog_lookup,
    track_get_visible,
)
from apps.common.errors import NotFound
from apps.common.static import streamed_for_asgi
from apps.common.uris import build_uri

HOME_ALBUMS = 24
SEARCH_MAX_CHARS = 200  # longer input is cut, not refused: it is typed, one key at a time
SEARCH_LIMITS = {"tracks": 20, "artists": 8, "albums": 8}

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


def _with_covers(albums, *, display_px: int) -> list[Album]:
    albums = list(albums)
    for album in albums:
        album.cover = cover(album.images, display_px=display_px)
    return albums


def _with_durations(tracks) -> list:
    tracks = list(tracks)
    for track in tracks:
        track.duration_text = duration_text(track.duration_ms)
    return tracks


def _with_playability(request: HttpRequest, tracks: list, *, context_uri=None) -> list:
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


def home(request: HttpRequest) -> HttpResponse:
    albums = albums_latest(limit=HOME_ALBUMS)
    shelves = home_shelves(request)  # from the apps above the catalog (apps.catalog.home)
    for shelf in shelves:
        shelf.tracks = _with_playability(request, _with_durations(shelf.tracks))
    return render(request, "web/home.html", {"albums": _with_covers(albums, display_px=300), "shelves": shelves})


def album_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        album = album_get_visible(album_id=public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    album.cover = cover(album.images, display_px=300)
    tracks = _with_playability(request, _with_durations(album_tracks(album)))
    context = {"album": album, "tracks": tracks, "context_uri": build_uri("album", album.public_id)}
    return render(request, "web/album.html", context)


def artist_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        artist = artist_get(artist_id=public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    context = {
        "artist": artist,
        "picture": cover(artist.images, display_px=300),
        "top_tracks": _with_playability(
            request,
            _with_durations(artist_top_tracks(artist=artist)),
            context_uri=lambda track: build_uri("artist", artist.public_id),  # on through their top tracks
        ),
        "context_uri": build_uri("artist", artist.public_id),
        "albums": _with_covers(artist_albums(artist=artist, groups=list(ALBUM_GROUPS)), display_px=300),
    }
    return render(request, "web/artist.html", context)


def track_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        track = track_get_visible(track_id=public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    track.duration_text = duration_text(track.duration_ms)
    _with_playability(request, [track])
    album = track.album
    album.cover = cover(album.images, display_px=300)
    # The song plays in its album's context, from itself, so "next" goes on through the album.
    context = {"track": track, "album": album, "context_uri": build_uri("album", album.public_id)}
    return render(request, "web/track.html", context)


def search(request: HttpRequest) -> HttpResponse:
    """Results for the header's search box, which asks as the listener types (static/js/search.js).
    Any text is a literal substring: nothing in it is syntax."""
    typed = "".join(ch for ch in request.GET.get("q", "") if unicodedata.category(ch) != "Cc")  # NUL & co.
    query = " ".join(typed.split())[:SEARCH_MAX_CHARS]
    context = {"query": query, "tracks": [], "artists": [], "albums": []}
    if query:
        found = catalog_lookup(query, **SEARCH_LIMITS)
        tracks = _with_playability(request, _with_durations(found["tracks"]))  # each on through its album
        for artist in found["artists"]:
            artist.picture = cover(artist.images, display_px=300)
        context.update(tracks=tracks, artists=found["artists"], albums=_with_covers(found["albums"], display_px=300))
    return render(request, "web/search.html", context)


def artwork(request: HttpRequest, path: str) -> HttpResponse:
    """Public cover art and artist pictures in the embedded mode (nginx serves them in production).
    Rooted at the images folder, so nothing else under the media root is reachable."""
    return streamed_for_asgi(request, serve(request, path, document_root=settings.MEDIA_ROOT / "images"))
