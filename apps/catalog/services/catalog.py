"""Writes to artists, albums and genres."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from apps.accounts.models import User
from apps.catalog.models import TITLE_MAX, Album, AlbumArtist, AlbumType, Artist, DatePrecision, Genre
from apps.catalog.services.artwork import artwork_delete, artwork_store
from apps.catalog.validators import validate_upc
from apps.common.errors import Conflict, PermissionDenied


def clean_title(value: str, *, field: str = "title") -> str:
    """Titles keep every script and direction; only surrounding blanks go."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: "This field is required."})
    if len(value) > TITLE_MAX:
        raise ValidationError({field: f"At most {TITLE_MAX} characters (got {len(value)})."})
    return value


def genres_get_or_create(*, names: list[str]) -> list[Genre]:
    genres = []
    for name in names:
        name = name.strip()[:64]
        slug = slugify(name, allow_unicode=True)[:64]
        if slug:
            genre, _ = Genre.objects.get_or_create(slug=slug, defaults={"name": name})
            genres.append(genre)
    return genres


@transaction.atomic
def artist_create(*, name: str, manager: User | None = None, bio: str = "", genres: list[str] | None = None) -> Artist:
    if manager is not None and not manager.is_artist:
        raise PermissionDenied("Only artist accounts can create artist profiles.")
    artist = Artist.objects.create(name=clean_title(name, field="name"), bio=bio.strip())
    if genres:
        artist.genres.set(genres_get_or_create(names=genres))
    if manager is not None:
        artist.managers.add(manager)
    return artist


def _images_replace(row: Artist | Album, *, source, owner_prefix: str) -> Artist | Album:
    """Store new artwork, point the row at it, and remove the old files once that is committed.
    If the row cannot be saved, the new files are removed instead."""
    new_images = artwork_store(source=source, owner_prefix=owner_prefix)
    old_images = list(row.images)
    try:
        with transaction.atomic():
            row.images = new_images
            row.save(update_fields=["images"])
            transaction.on_commit(lambda: artwork_delete(old_images), robust=True)
    except BaseException:
        artwork_delete(new_images)
        raise
    return row


def artist_image_set(*, artist: Artist, image) -> Artist:
    """Replace an artist's picture (a file object) with its 640/300/64 px renditions."""
    return _images_replace(artist, source=image, owner_prefix="artists")


def album_cover_set(*, album: Album, cover) -> Album:
    """Replace an album's cover art (a file object) with its 640/300/64 px renditions."""
    return _images_replace(album, source=cover, owner_prefix="albums")


def album_create(
    *,
    title: str,
    artists: list[Artist],
    album_type: str = AlbumType.ALBUM,
    release_date: date,
    release_date_precision: str = DatePrecision.DAY,
    label: str = "",
    upc: str = "",
    cover=None,
) -> Album:
    """Create an album; the cover (a file object) is stored in its three renditions.

    Image files are written before the rows; if the transaction fails they are removed again, so
    a failure leaves neither rows nor files."""
    if album_type not in AlbumType.values:
        raise ValidationError({"album_type": f"Use one of {', '.join(AlbumType.values)}."})
    if release_date_precision not in DatePrecision.values:
        raise ValidationError({"release_date_precision": f"Use one of {', '.join(DatePrecision.values)}."})
    upc = (upc or "").strip() or None
    if upc:
        validate_upc(upc)
        if Album.objects.filter(upc=upc).exists():
            raise Conflict(f"An album with UPC {upc} already exists.")
    title = clean_title(title)
    if not artists:
        raise ValidationError({"artists": "An album needs at least one artist."})
    images = artwork_store(source=cover, owner_prefix="albums") if cover is not None else []
    try:
        with transaction.atomic():  # a concurrent insert of the same UPC lands in IntegrityError below
            album = Album.objects.create(
                title=title,
                album_type=album_type,
                release_date=release_date,
                release_date_precision=release_date_precision,
                label=label.strip()[:200],
                upc=upc,
                images=images,
            )
            AlbumArtist.objects.bulk_create(
                AlbumArtist(album=album, artist=artist, position=i) for i, artist in enumerate(artists)
            )
    except IntegrityError as exc:
        artwork_delete(images)
        raise Conflict(f"An album with UPC {upc} already exists.") from exc
    except BaseException:
        artwork_delete(images)
        raise
    return album
