"""Playlist covers: the first album's while a playlist has fewer than four albums, then a mosaic of
the first four, rebuilt only when they change; an uploaded JPEG wins over both."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from apps.catalog.demo.covers import album_cover
from apps.catalog.services.artwork import artwork_store
from apps.catalog.services.catalog import album_cover_set
from apps.playlists import services
from apps.playlists.covers import _swap, cover_refresh, mosaic_jpeg
from apps.playlists.models import CoverSource, Playlist
from tests.catalog.callbacks import queued_work
from tests.conftest import api_client_for
from tests.factories import AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

COLOURS = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (220, 220, 20), (120, 0, 120)]


def solid_jpeg(colour, side=400) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


@pytest.fixture
def albums():
    made = []
    for colour in COLOURS:
        album = AlbumFactory()
        album_cover_set(album=album, cover=solid_jpeg(colour))
        TrackFactory(album=album)
        made.append(album)
    return made


@pytest.fixture
def owner():
    return UserFactory(email="owner@example.test")


def add(owner, playlist, albums):
    services.items_add(actor=owner, playlist=playlist, track_ids=[a.tracks.first().public_id for a in albums])


def pixel(key: str, x: int, y: int):
    with default_storage.open(key, "rb") as handle:
        return Image.open(handle).convert("RGB").getpixel((x, y))


def near(actual, expected) -> bool:
    return all(abs(a - e) < 40 for a, e in zip(actual, expected, strict=True))


def test_the_cover_follows_the_first_albums(owner, albums, django_capture_on_commit_callbacks):
    playlist = services.playlist_create(owner=owner, name="Colours")
    with django_capture_on_commit_callbacks() as callbacks:
        add(owner, playlist, albums[:2])
    assert len(queued_work(callbacks)) == 1  # the edit only queues the work

    assert cover_refresh(playlist_pk=playlist.pk) is True
    playlist.refresh_from_db()
    assert playlist.cover_source == CoverSource.ALBUM and playlist.images == albums[0].images  # borrowed

    add(owner, playlist, albums[2:])
    assert cover_refresh(playlist_pk=playlist.pk) is True
    playlist.refresh_from_db()
    assert playlist.cover_source == CoverSource.MOSAIC and playlist.images[0]["width"] == 640
    key = playlist.images[0]["key"]
    assert near(pixel(key, 160, 160), COLOURS[0]) and near(pixel(key, 480, 160), COLOURS[1])
    assert near(pixel(key, 160, 480), COLOURS[2]) and near(pixel(key, 480, 480), COLOURS[3])

    assert cover_refresh(playlist_pk=playlist.pk) is False  # same first four: nothing redone

    services.items_reorder(actor=owner, playlist=playlist, range_start=4, insert_before=0)
    with django_capture_on_commit_callbacks(execute=True):
        assert cover_refresh(playlist_pk=playlist.pk) is True
    playlist.refresh_from_db()
    assert near(pixel(playlist.images[0]["key"], 160, 160), COLOURS[4])
    assert not default_storage.exists(key)  # the old mosaic's files are gone


def test_an_uploaded_cover_wins_and_its_removal_brings_the_mosaic_back(owner, albums):
    playlist = services.playlist_create(owner=owner, name="Mine")
    add(owner, playlist, albums[:4])
    cover_refresh(playlist_pk=playlist.pk)
    api = api_client_for(owner)
    body = base64.b64encode(solid_jpeg((10, 10, 10)).getvalue())

    response = api.put(f"/v1/playlists/{playlist.public_id}/images", body, content_type="image/jpeg")
    assert response.status_code == 202
    playlist.refresh_from_db()
    assert playlist.cover_source == CoverSource.UPLOADED
    assert cover_refresh(playlist_pk=playlist.pk) is False  # edits never replace it
    images = api.get(f"/v1/playlists/{playlist.public_id}/images").json()
    assert [i["width"] for i in images] == [640, 300, 64]
    assert api.get(f"/v1/playlists/{playlist.public_id}").json()["images"] == images

    assert api.delete(f"/v1/playlists/{playlist.public_id}/images").status_code == 204
    playlist.refresh_from_db()
    assert playlist.cover_source == CoverSource.MOSAIC


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not base64!!", 400),
        (base64.b64encode(b"GIF89a" + b"\0" * 100), 400),
        (base64.b64encode(b"\xff\xd8" + b"\0" * (256 * 1024)), 413),
        (base64.b64encode(b"\xff\xd8" + b"\0" * (300 * 1024 + 1)), 413),  # longer than the parser reads
        (base64.b64encode(b"\xff\xd8\xff\xe0 broken"), 415),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(owner, body, status):
    playlist = services.playlist_create(owner=owner, name="Mine")
    response = api_client_for(owner).put(f"/v1/playlists/{playlist.public_id}/images", body, content_type="image/jpeg")
    assert response.status_code == status, response.json()
    playlist.refresh_from_db()
    assert playlist.images == [] and playlist.cover_source == CoverSource.NONE
    assert not default_storage.exists("images/playlists") or default_storage.listdir("images/playlists")[1] == []


def test_only_the_owner_uploads(owner, albums):
    playlist = services.playlist_create(owner=owner, name="Mine")
    collaborator = UserFactory(email="collab@example.test")
    services.collaborators_add(actor=owner, playlist=playlist, users=[collaborator])
    body = base64.b64encode(solid_jpeg((10, 10, 10)).getvalue())
    response = api_client_for(collaborator).put(
        f"/v1/playlists/{playlist.public_id}/images", body, content_type="image/jpeg"
    )
    assert response.status_code == 403
    assert Playlist.objects.get(pk=playlist.pk).images == []


def test_a_generated_demo_cover_makes_a_mosaic(owner):
    """The demo catalog's covers (what `make run` shows) go through the same path."""
    playlist = services.playlist_create(owner=owner, name="Demo")
    for n in range(4):
        album = AlbumFactory()
        cover = io.BytesIO()
        album_cover(title=f"A{n}", artist="B", genre="jazz", seed=n).save(cover, "JPEG")
        cover.seek(0)
        album_cover_set(album=album, cover=cover)
        add(owner, playlist, [album] if TrackFactory(album=album) else [])
    assert cover_refresh(playlist_pk=playlist.pk) is True


def test_a_refresh_drawn_from_albums_that_are_no_longer_first_is_dropped(owner, albums):
    playlist = services.playlist_create(owner=owner, name="Race")
    add(owner, playlist, albums[:4])
    # A refresh that began before an edit moved album 5 to the front, finishing after it:
    outdated = artwork_store(source=mosaic_jpeg(albums[:4]), owner_prefix="playlists")
    services.items_add(actor=owner, playlist=playlist, track_ids=[albums[4].tracks.first().public_id], position=0)
    assert (
        _swap(
            playlist.pk,
            images=outdated,
            source=CoverSource.MOSAIC,
            albums=[a.pk for a in albums[:4]],
            unless_uploaded=True,
        )
        is False
    )
    assert not default_storage.exists(outdated[0]["key"])  # its files are not left behind
    playlist.refresh_from_db()
    assert playlist.images == []
