"""The listener's web pages: home, album, artist, track. Only ready tracks ever show; anything a
listener cannot see is a 404, never a hint that it exists."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.static import serve

from apps.catalog.models import Album
from apps.catalog.selectors import (
    ALBUM_GROUPS,
    album_get_visible,
    album_tracks,
    albums_latest,
    artist_albums,
    artist_get,
    artist_top_tracks,
    track_get_visible,
)
from apps.common.errors import NotFound

HOME_ALBUMS = 24


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


def home(request: HttpRequest) -> HttpResponse:
    albums = albums_latest(limit=HOME_ALBUMS)
    return render(request, "web/home.html", {"albums": _with_covers(albums, display_px=300)})


def album_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        album = album_get_visible(album_id=public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    album.cover = cover(album.images, display_px=300)
    tracks = _with_durations(album_tracks(album))
    return render(request, "web/album.html", {"album": album, "tracks": tracks})


def artist_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        artist = artist_get(artist_id=public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    context = {
        "artist": artist,
        "picture": cover(artist.images, display_px=300),
        "top_tracks": _with_durations(artist_top_tracks(artist=artist)),
        "albums": _with_covers(artist_albums(artist=artist, groups=list(ALBUM_GROUPS)), display_px=300),
    }
    return render(request, "web/artist.html", context)


def track_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        track = track_get_visible(track_id=public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    track.duration_text = duration_text(track.duration_ms)
    album = track.album
    album.cover = cover(album.images, display_px=300)
    return render(request, "web/track.html", {"track": track, "album": album})


def artwork(request: HttpRequest, path: str) -> HttpResponse:
    """Public cover art and artist pictures in the embedded mode (nginx serves them in production).
    Rooted at the images folder, so nothing else under the media root is reachable."""
    return serve(request, path, document_root=settings.MEDIA_ROOT / "images")
