from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from PIL import Image

from apps.catalog.models import Album
from apps.catalog.services.catalog import album_cover_set, album_create, artist_image_set
from apps.common.errors import Conflict
from tests.factories import AlbumFactory, ArtistFactory

pytestmark = pytest.mark.django_db


def png(size=(640, 640), colour=(10, 120, 200)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_it_replaces_an_albums_cover_and_removes_the_old_files_after_commit(
    _media_root, django_capture_on_commit_callbacks
):
    album = AlbumFactory()
    with django_capture_on_commit_callbacks(execute=True):
        album_cover_set(album=album, cover=png())
    first = [image["key"] for image in album.images]

    with django_capture_on_commit_callbacks(execute=True):
        album_cover_set(album=album, cover=png(colour=(200, 10, 10)))

    album.refresh_from_db()
    assert [image["width"] for image in album.images] == [640, 300, 64]
    assert files_under(_media_root) == sorted(image["key"] for image in album.images)
    assert not set(first) & set(files_under(_media_root))


def test_it_sets_an_artist_picture(_media_root):
    artist = artist_image_set(artist=ArtistFactory(), image=png())

    assert len(artist.images) == 3
    assert all((_media_root / image["key"]).exists() for image in artist.images)


def test_a_cover_that_is_not_an_image_leaves_the_old_one(_media_root):
    album = album_cover_set(album=AlbumFactory(), cover=png())
    before = files_under(_media_root)

    with pytest.raises(Exception, match="not a readable image"):
        album_cover_set(album=album, cover=io.BytesIO(b"definitely not a picture"))

    album.refresh_from_db()
    assert files_under(_media_root) == before
    assert len(album.images) == 3


def test_a_upc_taken_in_a_race_is_a_conflict_and_leaves_no_files(_media_root, monkeypatch):
    """Two creates pass the existence check together; the database's unique index decides."""
    AlbumFactory(upc="012345678905")
    # Let the second create past the existence check, as the losing side of a race would be.
    real_filter = Album.objects.filter

    def filter_without_upc_check(*args, **kwargs):
        if "upc" in kwargs:
            return real_filter(pk__in=[])
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Album.objects, "filter", filter_without_upc_check)

    with pytest.raises(Conflict, match="012345678905"):
        album_create(
            title="Twin",
            artists=[ArtistFactory()],
            release_date=datetime.date(2024, 1, 1),
            upc="012345678905",
            cover=png(),
        )

    assert files_under(_media_root) == []
