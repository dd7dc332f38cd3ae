"""The listener's web pages: home, album, artist, track. Only ready tracks ever show; anything a
listener cannot see is a 404, never a hint that it exists."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.static import serve

from apps.accounts.country import request_country
from apps.catalog.availability import Listener
from apps.catalog.home import Shelf, home_shelves
from apps.catalog.models import Artist, Track
from apps.catalog.presentation import cover, duration_text, with_covers, with_durations, with_playability
from apps.catalog.search.kinds import external_kind
from apps.catalog.search.models import SearchKind
from apps.catalog.search.service import search as search_catalog
from apps.catalog.selectors import (
    ALBUM_GROUPS,
    album_get_visible,
    album_tracks,
    albums_by_pks,
    albums_latest,
    artist_albums,
    artist_get,
    artist_top_tracks,
    track_get_visible,
)
from apps.common.errors import ApplicationError, NotFound
from apps.common.static import streamed_for_asgi
from apps.common.uris import build_uri

HOME_ALBUMS = 24
SEARCH_MAX_CHARS = 200  # longer input is cut, not refused: it is typed, one key at a time
# The page's sections: context name -> (search kind, how many rows it shows).
SEARCH_SECTIONS = {
    "tracks": (SearchKind.TRACK, 20),
    "artists": (SearchKind.ARTIST, 8),
    "albums": (SearchKind.ALBUM, 8),
    "playlists": (SearchKind.PLAYLIST, 8),
}


def home(request: HttpRequest) -> HttpResponse:
    albums = albums_latest(limit=HOME_ALBUMS)
    shelves = home_shelves(request)  # from the apps above the catalog (apps.catalog.home)
    for shelf in shelves:
        if shelf.kind == "tracks":
            _playable_shelf(request, shelf)
        elif shelf.kind == "albums":
            with_covers(shelf.items, display_px=300)
    return render(request, "web/home.html", {"albums": with_covers(albums, display_px=300), "shelves": shelves})


def _playable_shelf(request: HttpRequest, shelf: Shelf) -> None:
    """Rows greyed out like every other list of tracks; each plays on in the shelf's context, or
    the shelf's playable tracks as a list, from itself."""
    context = shelf.context_uri
    with_playability(request, with_durations(shelf.items), context_uri=(lambda track: context) if context else None)
    if not context:
        shelf.uris = [track.uri for track in shelf.items if track.is_playable]


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


def _in_order(rows: dict[int, object], ids: list[int]) -> list:
    """The rows in the service's ranked order, leaving out any gone since it was indexed."""
    return [rows[pk] for pk in ids if pk in rows]


def _search_rows(request: HttpRequest, kind: str, ids: list[int]) -> list:
    if not ids:
        return []
    if kind == SearchKind.TRACK:
        tracks = _in_order(Track.objects.ready().with_relations().in_bulk(ids), ids)
        return with_playability(request, with_durations(tracks))  # each on through its album
    if kind == SearchKind.ARTIST:
        artists = _in_order(Artist.objects.in_bulk(ids), ids)
        for artist in artists:
            artist.picture = cover(artist.images, display_px=300)
        return artists
    if kind == SearchKind.ALBUM:
        return with_covers(_in_order(albums_by_pks(ids), ids), display_px=300)
    external = external_kind(kind)  # playlists live in an app above the catalog
    return external.web_rows(request, ids) if external else []


def search(request: HttpRequest) -> HttpResponse:
    """Results for the header's search box, which asks as the listener types (static/js/search.js):
    the search service's ranked matches, a section per kind. Nothing typed is syntax beyond the
    service's field filters (`artist:`, `year:`); a malformed filter is said, not raised."""
    typed = "".join(ch for ch in request.GET.get("q", "") if unicodedata.category(ch) != "Cc")  # NUL & co.
    query = " ".join(typed.split())[:SEARCH_MAX_CHARS]
    context = {"query": query, "error": "", **{name: [] for name in SEARCH_SECTIONS}}
    if not query:
        return render(request, "web/search.html", context)
    user = request.user
    listener = Listener(country=request_country(request), premium=user.is_premium) if user.is_authenticated else None
    try:
        # One call for every kind (one parse, one spelling pass, one cache entry), at the largest
        # section's limit: candidates are pooled per kind anyway, so the smaller sections cost nothing.
        results = search_catalog(
            q=query,
            kinds=[kind for kind, _ in SEARCH_SECTIONS.values()],
            limit=max(limit for _, limit in SEARCH_SECTIONS.values()),
            offset=0,
            listener=listener,
        )
    except ApplicationError as exc:  # a malformed filter, such as year:abc
        context["error"] = exc.message
        return render(request, "web/search.html", context)
    for name, (kind, limit) in SEARCH_SECTIONS.items():
        context[name] = _search_rows(request, kind, results[kind].object_ids[:limit])
    return render(request, "web/search.html", context)


def artwork(request: HttpRequest, path: str) -> HttpResponse:
    """Public cover art and artist pictures in the embedded mode (nginx serves them in production).
    Rooted at the images folder, so nothing else under the media root is reachable."""
    return streamed_for_asgi(request, serve(request, path, document_root=settings.MEDIA_ROOT / "images"))
