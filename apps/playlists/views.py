"""The playlists' and the library's web pages: the library (`/collection`), Liked Songs, a playlist
(also its share page, for anyone, when it is public), their rows as HTML fragments for infinite
scroll, and joining a playlist through its invite link.

Edits go through the /v1/ API from static/js/playlists.js and static/js/library.js; the only forms
posted here are the invite's Join and "New playlist" without JavaScript. Anything one may not see
is a 404, never a hint that it exists.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.catalog.models import Track

# The catalog's row helpers, so that playlist rows grey out exactly like album rows.
from apps.catalog.presentation import cover, with_durations, with_playability
from apps.catalog.selectors import albums_by_ids
from apps.common.errors import ApplicationError
from apps.common.uris import build_uri
from apps.playlists import access, library, selectors, services
from apps.playlists.models import Playlist, PlaylistEntry
from apps.playlists.snapshots import snapshot_id

ROWS_PAGE = 100  # rows rendered per request: the page itself, then each scroll fragment
LIBRARY_SHELF_MAX = 200  # saved albums / followed artists shown on the library page


# --- Helpers ------------------------------------------------------------------------------------


def _playlist_or_404(request: HttpRequest, public_id: str) -> Playlist:
    try:
        return selectors.playlist_for(request.user, public_id)
    except ApplicationError as exc:  # not found, not yours to see, or a malformed id
        raise Http404(access.NOT_FOUND) from exc


def _offset(request: HttpRequest) -> int | None:
    raw = request.GET.get("offset") or "0"
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:  # "²".isdigit() is true, int("²") fails
        return None
    return int(raw)


def _collection_uri(user) -> str:
    """Spotify's URI of a user's liked songs, the context the player plays them in."""
    return f"{settings.URI_SCHEME}:user:{user.public_id}:collection"


def _total_duration_text(ms: int | None) -> str:
    """ "1 hr 5 min", "12 min 30 sec": the header's length, as Spotify writes it."""
    seconds = round((ms or 0) / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} hr {minutes} min"
    return f"{minutes} min {seconds} sec" if minutes else f"{seconds} sec"


def _playlist_rows(request: HttpRequest, playlist: Playlist, *, offset: int) -> list[PlaylistEntry]:
    """One page of entries, each with its position and its track marked playable or not here."""
    entries = selectors.entries_page(playlist, offset=offset, limit=ROWS_PAGE)
    context = build_uri("playlist", playlist.public_id)
    # A track that appears twice is one object (in_bulk): what is set on it is the same for both rows.
    with_playability(
        request, with_durations({e.track_id: e.track for e in entries}.values()), context_uri=lambda t: context
    )
    for position, entry in enumerate(entries, start=offset):
        entry.position = position
    return entries


def _liked_rows(request: HttpRequest, *, offset: int) -> list:
    rows = list(selectors.liked_rows(request.user)[offset : offset + ROWS_PAGE])
    tracks = Track.objects.with_relations().in_bulk([row.track_id for row in rows])
    context = _collection_uri(request.user)
    with_playability(request, with_durations(tracks.values()), context_uri=lambda t: context)
    for position, row in enumerate(rows, start=offset):
        row.track = tracks[row.track_id]
        row.position = position
    return rows


def _editor_flags(request: HttpRequest, playlist: Playlist) -> dict:
    user = request.user
    is_owner = user.is_authenticated and playlist.owner_id == user.pk
    return {
        "is_owner": is_owner,
        "can_edit": access.can_edit_items(user, playlist),
        "is_collaborator": access.is_collaborator(user, playlist),
    }


def _rows_response(request: HttpRequest, template: str, context: dict, *, headers: dict) -> HttpResponse:
    response = render(request, template, context)
    for name, value in headers.items():
        response[name] = str(value)
    response["Cache-Control"] = "private, no-store"  # rows change with every edit
    return response


# --- The library --------------------------------------------------------------------------------


@login_required
@require_GET
def library_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    playlists = list(selectors.library_playlists(user))
    covers = selectors.cover_images(playlists)
    for playlist in playlists:
        playlist.cover = cover(covers[playlist.pk], display_px=300)

    album_rows = list(library.saved(user=user, kind="album")[:LIBRARY_SHELF_MAX])
    visible = albums_by_ids([row.album.public_id for row in album_rows])  # only albums listeners can see
    albums = [visible[row.album.public_id] for row in album_rows if row.album.public_id in visible]
    for album in albums:
        album.cover = cover(album.images, display_px=300)

    artists = [row.artist for row in library.saved(user=user, kind="artist")[:LIBRARY_SHELF_MAX]]
    for artist in artists:
        artist.picture = cover(artist.images, display_px=300)

    context = {
        "playlists": playlists,
        "liked_total": selectors.liked_rows(user).count(),
        "albums": albums,
        "artists": artists,
        "new_playlist_name": _new_playlist_name(user),
    }
    return render(request, "playlists/library.html", context)


def _new_playlist_name(user) -> str:
    return f"My Playlist #{Playlist.live.filter(owner=user).count() + 1}"


@login_required
@require_POST
def playlist_new(request: HttpRequest) -> HttpResponse:
    """ "New playlist" without JavaScript (with it, the page posts to /v1/me/playlists instead)."""
    playlist = services.playlist_create(owner=request.user, name=_new_playlist_name(request.user))
    return redirect("playlists:playlist", public_id=playlist.public_id)


@login_required
@require_GET
def liked_songs(request: HttpRequest) -> HttpResponse:
    total = selectors.liked_rows(request.user).count()
    context = {
        "rows": _liked_rows(request, offset=0),
        "total": total,
        "more": total > ROWS_PAGE,
        "context_uri": _collection_uri(request.user),
    }
    return render(request, "playlists/liked.html", context)


@login_required
@require_GET
def liked_rows(request: HttpRequest) -> HttpResponse:
    offset = _offset(request)
    if offset is None:
        return HttpResponseBadRequest("offset must be a non-negative integer.")
    total = selectors.liked_rows(request.user).count()
    context = {"rows": _liked_rows(request, offset=offset), "more": offset + ROWS_PAGE < total}
    return _rows_response(request, "playlists/_liked_rows.html", context, headers={"X-Total": total})


# --- A playlist ---------------------------------------------------------------------------------


@require_GET
def playlist_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    playlist = _playlist_or_404(request, public_id)
    images = selectors.cover_images([playlist])[playlist.pk]
    user = request.user
    flags = _editor_flags(request, playlist)
    following = (
        user.is_authenticated
        and not flags["is_owner"]
        and selectors.followers_contain(playlist, [user.public_id], asker=user)[0]
    )
    share_image = cover(images, display_px=640)
    context = {
        "playlist": playlist,
        "cover": cover(images, display_px=300),
        "share_image": share_image["src"] if share_image else "",
        "rows": _playlist_rows(request, playlist, offset=0),
        "more": playlist.length > ROWS_PAGE,
        "duration_text": _total_duration_text(selectors.playlist_duration_ms(playlist)),
        "snapshot_id": snapshot_id(playlist.public_id, playlist.version),
        "context_uri": build_uri("playlist", playlist.public_id),
        "following": following,
        **flags,
    }
    return render(request, "playlists/playlist.html", context)


@require_GET
def playlist_rows(request: HttpRequest, public_id: str) -> HttpResponse:
    """Rows from `offset` on, for infinite scroll and for reloading after a conflicting edit. The
    headers say which version they come from, so the page can tell when the playlist changed
    under it (the rows' positions then no longer line up with the ones it has)."""
    playlist = _playlist_or_404(request, public_id)
    offset = _offset(request)
    if offset is None:
        return HttpResponseBadRequest("offset must be a non-negative integer.")
    context = {
        "playlist": playlist,
        "rows": _playlist_rows(request, playlist, offset=offset),
        "more": offset + ROWS_PAGE < playlist.length,
        **_editor_flags(request, playlist),
    }
    headers = {"X-Snapshot-Id": snapshot_id(playlist.public_id, playlist.version), "X-Total": playlist.length}
    if offset == 0:  # a reload: the header's length is redrawn from these
        headers["X-Duration"] = _total_duration_text(selectors.playlist_duration_ms(playlist))
    return _rows_response(request, "playlists/_playlist_rows.html", context, headers=headers)


@login_required
@require_http_methods(["GET", "POST"])
def playlist_join(request: HttpRequest, public_id: str) -> HttpResponse:
    """The invite link. Its secret stands in for read access, so a private playlist shows here to
    whoever holds it; a wrong or revoked secret is a 404 like any playlist one may not see."""
    try:
        playlist = selectors.playlist_by_id(public_id)
    except ApplicationError as exc:
        raise Http404(access.NOT_FOUND) from exc
    token = request.POST.get("token") or request.GET.get("token") or ""
    if not access.invite_token_matches(playlist, token):
        raise Http404(access.NOT_FOUND)
    is_owner = playlist.owner_id == request.user.pk
    if request.method == "POST":
        try:
            services.invite_accept(user=request.user, playlist=playlist, token=token)
        except ApplicationError as exc:  # the link was renewed between the page and the click
            raise Http404(access.NOT_FOUND) from exc
        if not is_owner:
            messages.success(request, f"You joined “{playlist.name}”: you can now add, remove and reorder its songs.")
        return redirect("playlists:playlist", public_id=playlist.public_id)
    context = {
        "playlist": playlist,
        "token": token,
        "is_owner": is_owner,
        "is_collaborator": access.is_collaborator(request.user, playlist),
    }
    return render(request, "playlists/join.html", context)
