"""Playlist covers: the owner's own image, or, until there is one, a 2x2 mosaic of the first four
albums in the playlist (the first album's cover while it has fewer than four), as Spotify does.

The mosaic is rebuilt by the worker after an edit changes which albums come first (tasks.py), so
an edit never waits for image work; an uploaded cover is never replaced by a mosaic.
"""

from __future__ import annotations

import base64
import binascii
import io

from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image

from apps.catalog.models import Album
from apps.catalog.services.artwork import artwork_delete, artwork_store
from apps.common.errors import ApplicationError, PayloadTooLarge
from apps.playlists import access
from apps.playlists.models import CoverSource, Playlist, PlaylistEntry

MOSAIC_TILES = 4
MOSAIC_SIDE = 640
SCANNED_ENTRIES = 200  # the first albums are looked for among this many entries
MAX_UPLOAD_BYTES = 256 * 1024  # Spotify's limit for a playlist cover, base64 decoded


def first_albums(playlist: Playlist) -> list[Album]:
    """The first distinct albums with cover art, in playlist order, at most four."""
    album_ids = (
        PlaylistEntry.objects.filter(playlist=playlist).order_by("key").values_list("track__album_id", flat=True)
    )
    ordered = list(dict.fromkeys(album_ids[:SCANNED_ENTRIES]))
    albums = Album.objects.in_bulk(ordered)
    with_art = [albums[pk] for pk in ordered if albums[pk].images]
    return with_art[:MOSAIC_TILES]


def _largest(album: Album) -> Image.Image:
    rendition = max(album.images, key=lambda image: image["width"])
    with default_storage.open(rendition["key"], "rb") as handle:
        return Image.open(handle).convert("RGB")


def mosaic_jpeg(albums: list[Album]) -> io.BytesIO:
    tile = MOSAIC_SIDE // 2
    canvas = Image.new("RGB", (MOSAIC_SIDE, MOSAIC_SIDE))
    for index, album in enumerate(albums[:MOSAIC_TILES]):
        image = _largest(album).resize((tile, tile), Image.Resampling.LANCZOS)
        canvas.paste(image, ((index % 2) * tile, (index // 2) * tile))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    buffer.seek(0)
    return buffer


def _owned(playlist: Playlist) -> list[dict]:
    """The image files this playlist owns (an album's borrowed cover is not ours to delete)."""
    return list(playlist.images) if playlist.cover_source in (CoverSource.MOSAIC, CoverSource.UPLOADED) else []


def _swap(playlist_pk: int, *, images: list[dict], source: str, albums: list[int], unless_uploaded: bool) -> bool:
    """Point the playlist at new images under its row lock; the files it no longer shows are
    deleted after commit, the new ones if it cannot take them."""
    new_files = images if source in (CoverSource.MOSAIC, CoverSource.UPLOADED) else []
    try:
        with transaction.atomic():
            playlist = Playlist.live.select_for_update().filter(pk=playlist_pk).first()
            stale = unless_uploaded and (
                playlist is None
                or playlist.cover_source == CoverSource.UPLOADED
                # Two refreshes can overlap: the one made from albums that are no longer first
                # (an edit landed while it drew) must not replace the newer one's cover.
                or [album.pk for album in first_albums(playlist)] != albums
            )
            if playlist is None or stale:
                artwork_delete(new_files)
                return False
            old_files = _owned(playlist)
            playlist.images, playlist.cover_source, playlist.cover_albums = images, source, albums
            playlist.save(update_fields=["images", "cover_source", "cover_albums", "updated_at"])
            transaction.on_commit(lambda: artwork_delete(old_files), robust=True)
    except BaseException:
        artwork_delete(new_files)
        raise
    return True


def cover_refresh(*, playlist_pk: int) -> bool:
    """Rebuild the generated cover if the first albums changed; True if it changed."""
    playlist = Playlist.live.filter(pk=playlist_pk).first()
    if playlist is None or playlist.cover_source == CoverSource.UPLOADED:
        return False
    albums = first_albums(playlist)
    album_ids = [album.pk for album in albums]
    if album_ids == playlist.cover_albums:
        return False
    if not albums:
        return _swap(playlist_pk, images=[], source=CoverSource.NONE, albums=[], unless_uploaded=True)
    if len(albums) < MOSAIC_TILES:
        return _swap(
            playlist_pk, images=list(albums[0].images), source=CoverSource.ALBUM, albums=album_ids, unless_uploaded=True
        )
    images = artwork_store(source=mosaic_jpeg(albums), owner_prefix="playlists")
    return _swap(playlist_pk, images=images, source=CoverSource.MOSAIC, albums=album_ids, unless_uploaded=True)


def cover_upload(*, actor, playlist: Playlist, base64_jpeg: bytes) -> None:
    """Spotify's `PUT /playlists/{id}/images`: a base64-encoded JPEG of at most 256 KB."""
    access.require_owner(actor, playlist)
    try:
        data = base64.b64decode(base64_jpeg.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ApplicationError("The body must be a base64-encoded JPEG image.") from None
    if len(data) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge("The cover image may be at most 256 KB.")
    if not data.startswith(b"\xff\xd8"):
        raise ApplicationError("The cover image must be a JPEG.")
    images = artwork_store(source=io.BytesIO(data), owner_prefix="playlists")
    _swap(playlist.pk, images=images, source=CoverSource.UPLOADED, albums=[], unless_uploaded=False)


def cover_remove(*, actor, playlist: Playlist) -> None:
    """Back to the generated cover (extension)."""
    access.require_owner(actor, playlist)
    if _swap(playlist.pk, images=[], source=CoverSource.NONE, albums=[], unless_uploaded=False):
        cover_refresh(playlist_pk=playlist.pk)
