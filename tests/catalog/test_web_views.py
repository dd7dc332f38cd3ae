from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import AsyncRequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.catalog import views
from apps.catalog.models import IngestState
from apps.common.ids import new_public_id
from tests.asyncrun import run_async
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db

HOME = reverse("web:home")

COVER = [
    {"key": "images/albums/abc-640.jpg", "width": 640, "height": 640},
    {"key": "images/albums/abc-300.jpg", "width": 300, "height": 300},
    {"key": "images/albums/abc-64.jpg", "width": 64, "height": 64},
]


def not_ready_track(**kwargs):
    return TrackFactory(ingest_state=IngestState.PROCESSING, hls_prefix="", **kwargs)


@pytest.fixture
def released():
    """An artist with one album that has a ready track and a track still processing."""
    artist = ArtistFactory(name="Aurora Fields")
    album = AlbumFactory(title="Northern Lights", artists=[artist], images=COVER, label="Polar Records")
    ready = TrackFactory(album=album, title="First Light", track_number=1, duration_ms=185_000, explicit=True)
    pending = not_ready_track(album=album, title="Still Encoding", track_number=2)
    return {"artist": artist, "album": album, "ready": ready, "pending": pending}


# --- Home -----------------------------------------------------------------------------------


def test_it_lists_albums_with_ready_tracks_on_the_home_page(client, released):
    unreleased = AlbumFactory(title="Nothing Ready Yet")
    not_ready_track(album=unreleased)
    TrackFactory(album=AlbumFactory(title="Out Next Week", release_date=timezone.localdate() + timedelta(days=7)))

    response = client.get(HOME)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Northern Lights" in content
    assert "Aurora Fields" in content
    assert reverse("web:album", args=[released["album"].public_id]) in content
    assert "Nothing Ready Yet" not in content
    assert "Out Next Week" not in content  # a scheduled release appears on its date


def test_it_shows_cover_art_from_storage_with_every_rendition(client, released):
    content = client.get(HOME).content.decode()
    assert 'src="/media/images/albums/abc-300.jpg"' in content
    assert "/media/images/albums/abc-64.jpg 64w, /media/images/albums/abc-300.jpg 300w" in content
    assert "/media/images/albums/abc-640.jpg 640w" in content


def test_it_invites_anonymous_visitors_to_sign_up_or_sign_in(client, listener):
    content = client.get(HOME).content.decode()
    assert f'href="{reverse("accounts:signup")}"' in content
    assert "Sign up free" in content

    client.force_login(listener)
    assert "Sign up free" not in client.get(HOME).content.decode()


def test_it_says_so_when_nothing_is_released(client):
    response = client.get(HOME)
    assert response.status_code == 200
    assert b"Nothing has been released yet." in response.content


# --- Album, artist, track -------------------------------------------------------------------


def test_it_lists_only_the_ready_tracks_of_an_album(client, released):
    response = client.get(reverse("web:album", args=[released["album"].public_id]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Northern Lights" in content
    assert "First Light" in content
    assert "3:05" in content
    assert "Explicit" in content
    assert "Polar Records" in content
    assert "1 track" in content
    assert "Still Encoding" not in content
    assert reverse("web:track", args=[released["pending"].public_id]) not in content


def test_it_answers_404_for_an_album_without_ready_tracks(client):
    album = AlbumFactory()
    not_ready_track(album=album)
    assert client.get(reverse("web:album", args=[album.public_id])).status_code == 404


def test_it_answers_404_for_unknown_and_malformed_ids(client):
    for name in ("web:album", "web:artist", "web:track"):
        assert client.get(reverse(name, args=[new_public_id()])).status_code == 404
    assert client.get("/album/not-an-id").status_code == 404
    assert client.get("/track/" + "a" * 23).status_code == 404


def test_it_shows_an_artist_with_their_releases_and_popular_tracks(client, released):
    response = client.get(reverse("web:artist", args=[released["artist"].public_id]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Aurora Fields" in content
    assert "Northern Lights" in content
    assert "First Light" in content
    assert "Still Encoding" not in content


def test_it_shows_a_ready_track(client, released):
    response = client.get(reverse("web:track", args=[released["ready"].public_id]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "First Light" in content
    assert "Aurora Fields" in content
    assert reverse("web:album", args=[released["album"].public_id]) in content
    assert "/media/images/albums/abc-300.jpg" in content


@pytest.mark.parametrize("state", [IngestState.UPLOADED, IngestState.PROCESSING, IngestState.FAILED])
def test_it_answers_404_for_a_track_that_is_not_ready(client, state):
    track = TrackFactory(ingest_state=state, hls_prefix="")
    assert client.get(reverse("web:track", args=[track.public_id])).status_code == 404


# --- Titles in any script and length --------------------------------------------------------

TITLES = [
    "حبيبي يا نور العين",  # Arabic, right to left
    "שיר השירים",  # Hebrew, right to left
    'Ünïcödé — 東京 🎵 <b>&amp; "quoted"</b>',  # mixed scripts, emoji and HTML-like text
    "ẞ" * 250 + "ل" * 250,  # 500 characters, the longest a title may be
]


@pytest.mark.parametrize("title", TITLES)
def test_it_renders_titles_escaped_intact_and_with_their_own_direction(client, title):
    artist = ArtistFactory(name=title)
    album = AlbumFactory(title=title, artists=[artist])
    track = TrackFactory(album=album, title=title)

    for url in (
        HOME,
        reverse("web:album", args=[album.public_id]),
        reverse("web:artist", args=[artist.public_id]),
        reverse("web:track", args=[track.public_id]),
    ):
        content = client.get(url).content.decode()
        assert f'dir="auto">{escape(title)}<' in content, url
    assert "<b>&amp;" not in client.get(HOME).content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/media/images/../masters/{id}/song.flac",
        "/media/images/%2e%2e/masters/{id}/song.flac",
        "/media/images/..%2fmasters/{id}/song.flac",
        "/media/images/albums/../../masters/{id}/song.flac",
        "/media/masters/{id}/song.flac",
    ],
)
def test_the_artwork_route_never_serves_masters(client, _media_root, path):
    master = _media_root / "masters" / "abcdefghij" / "song.flac"
    master.parent.mkdir(parents=True)
    master.write_bytes(b"fLaC secret master")

    response = client.get(path.format(id="abcdefghij"))

    assert response.status_code == 404
    assert b"secret master" not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_the_artwork_route_serves_stored_covers(client, _media_root):
    cover = _media_root / "images" / "albums" / "AbCdEf1234-300.jpg"
    cover.parent.mkdir(parents=True)
    cover.write_bytes(b"\\xff\\xd8\\xff jpeg")

    assert client.get("/media/images/albums/AbCdEf1234-300.jpg").status_code == 200


def test_under_asgi_artwork_streams_asynchronously(_media_root):
    """No "must consume synchronous iterators" fallback (apps.common.static.streamed_for_asgi)."""
    cover = _media_root / "images" / "albums" / "AbCdEf1234-64.jpg"
    cover.parent.mkdir(parents=True)
    cover.write_bytes(b"\xff\xd8\xff" + bytes(300_000))
    request = AsyncRequestFactory().get("/media/images/albums/AbCdEf1234-64.jpg")

    response = views.artwork(request, "albums/AbCdEf1234-64.jpg")

    async def body() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    assert response.is_async
    assert run_async(body()) == cover.read_bytes()
