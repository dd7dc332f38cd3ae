"""The listener's web pages: home, album, artist, track. Only ready tracks ever show; anything a
listener cannot see is a 404, never a hint that it exists."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.static import serve

from apps.catalog.home import home_shelves
from apps.catalog.presentation import cover, duration_text, with_covers, with_durations, with_playability
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


def home(request: HttpRequest) -> HttpResponse:
    albums = albums_latest(limit=HOME_ALBUMS)
    shelves = home_shelves(request)  # from the apps above the catalog (apps.catalog.home)
    for shelf in shelves:
        shelf.tracks = with_playability(request, with_durations(shelf.tracks))
    return render(request, "web/home.html", {"albums": with_covers(albums, display_px=300), "shelves": shelves})


def album_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        album = album_get_visible(album_id=public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    album.cover = cover(album.images, display_px=300)
    tracks = with_playability(request, with_durations(album_tracks(album)))
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
        "top_tracks": with_playability(
            request,
            with_durations(artist_top_tracks(artist=artist)),
            context_uri=lambda track: build_uri("artist", artist.public_id),  # on through their top tracks
        ),
        "context_uri": build_uri("artist", artist.public_id),
        "albums": with_covers(artist_albums(artist=artist, groups=list(ALBUM_GROUPS)), display_px=300),
    }
    return render(request, "web/artist.html", context)


def track_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        track = track_get_visible(track_id=public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    track.duration_text = duration_text(track.duration_ms)
    with_playability(request, [track])
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
        tracks = with_playability(request, with_durations(found["tracks"]))  # each on through its album
        for artist in found["artists"]:
            artist.picture = cover(artist.images, display_px=300)
        context.update(tracks=tracks, artists=found["artists"], albums=with_covers(found["albums"], display_px=300))
    return render(request, "web/search.html", context)


def artwork(request: HttpRequest, path: str) -> HttpResponse:
    """Public cover art and artist pictures in the embedded mode (nginx serves them in production).
    Rooted at the images folder, so nothing else under the media root is reachable."""
    return streamed_for_asgi(request, serve(request, path, document_root=settings.MEDIA_ROOT / "images"))
