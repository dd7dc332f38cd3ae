from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from apps.accounts.models import Role
from apps.catalog.models import Album, AlbumType, Artist, IngestState, Track
from tests.audio import music_like
from tests.factories import AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("studio:index")
UPLOAD = reverse("studio:upload_create")
UPLOADS = reverse("studio:uploads")
NEW_ARTIST = reverse("studio:artist_create")
LOGIN = reverse("accounts:login")


@pytest.fixture
def flac(tmp_path) -> Path:
    return music_like(tmp_path / "Night Drive.flac", seconds=2, metadata={"title": "Night Drive (tag)"})


@pytest.fixture
def artist_client(client, artist_user):
    client.force_login(artist_user)
    return client


def master_files(media_root: Path) -> list[Path]:
    masters = media_root / "masters"
    return [p for p in masters.rglob("*") if p.is_file()] if masters.exists() else []


def assert_nothing_written(media_root: Path, *, albums_before: int) -> None:
    assert not Track.objects.exists()
    assert Album.objects.count() == albums_before
    assert master_files(media_root) == []


def jpeg(size: int = 400) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 40, 90)).save(buffer, "JPEG")
    return SimpleUploadedFile("cover.jpg", buffer.getvalue(), content_type="image/jpeg")


# --- Who may enter --------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_log_in(client):
    for url in (INDEX, NEW_ARTIST):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={url}"
    response = client.post(UPLOAD, {})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_it_refuses_listeners_with_a_403_page(client, listener, _media_root):
    client.force_login(listener)

    response = client.get(INDEX)
    assert response.status_code == 403
    assert b"listener account" in response.content

    response = client.post(UPLOAD, {"file": SimpleUploadedFile("a.flac", b"fLaC" + b"\0" * 100)})
    assert response.status_code == 403
    assert_nothing_written(_media_root, albums_before=0)

    assert client.get(UPLOADS).status_code == 403
    assert client.post(NEW_ARTIST, {"name": "Not An Artist"}).status_code == 403
    assert not Artist.objects.exists()


def test_it_redirects_an_expired_htmx_poll_to_the_log_in_page(client):
    response = client.get(UPLOADS, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{LOGIN}?next={INDEX}"


# --- Artist profiles ------------------------------------------------------------------------


def test_it_offers_an_artist_without_a_profile_to_create_one(client):
    newcomer = UserFactory(role=Role.ARTIST)
    client.force_login(newcomer)

    response = client.get(INDEX)

    assert response.status_code == 200
    assert b"Create your artist profile" in response.content
    assert f'action="{NEW_ARTIST}"'.encode() in response.content
    assert b"data-upload-form" not in response.content

    response = client.post(NEW_ARTIST, {"name": "  فرقة الليل  ", "bio": "From Cairo.", "genres": "shaabi, electro"})

    assert response.status_code == 302
    assert response["Location"] == INDEX
    artist = Artist.objects.get(managers=newcomer)
    assert artist.name == "فرقة الليل"
    assert sorted(g.name for g in artist.genres.all()) == ["electro", "shaabi"]
    assert b"data-upload-form" in client.get(INDEX).content


def test_it_shows_artist_profile_errors_on_the_form(client):
    newcomer = UserFactory(role=Role.ARTIST)
    client.force_login(newcomer)

    response = client.post(NEW_ARTIST, {"name": "   "})

    assert response.status_code == 400
    assert b'id="id_name_error"' in response.content
    assert not Artist.objects.exists()


def test_it_lets_an_artist_add_another_profile_and_then_choose_between_them(artist_client, artist_user):
    assert artist_client.get(NEW_ARTIST).status_code == 200
    artist_client.post(NEW_ARTIST, {"name": "Side Project"})

    content = artist_client.get(INDEX).content.decode()

    assert '<select name="artist_id"' in content
    for artist in Artist.objects.filter(managers=artist_user):
        assert f'<option value="{artist.public_id}">' in content


# --- The upload form ------------------------------------------------------------------------


def test_it_shows_the_upload_form_with_the_accepted_formats_and_the_artists_albums(artist_client, artist_user):
    own = AlbumFactory(title="My Own Album", artists=[Artist.objects.get(managers=artist_user)])
    AlbumFactory(title="Somebody Else's Album")

    content = artist_client.get(INDEX).content.decode()

    assert 'enctype="multipart/form-data"' in content
    assert f'action="{UPLOAD}"' in content
    for accepted in (".wav", ".flac", ".aiff", ".mp3", ".ogg", ".opus", ".m4a"):
        assert accepted in content
    assert "filled from the file’s own tags" in content
    assert f'<option value="{own.public_id}">My Own Album' in content
    assert "Somebody Else" not in content
    assert '<script type="module" src="/static/js/studio.js">' in content


def test_it_uploads_a_real_flac_into_a_new_single(artist_client, artist_user, flac, _media_root):
    with flac.open("rb") as handle:
        response = artist_client.post(
            UPLOAD,
            {
                "file": handle,
                "title": "",
                "isrc": "us-rc1-76-07839",
                "explicit": "on",
                "language": "en",
                "genres": "synthwave, night",
            },
        )

    assert response.status_code == 302
    assert response["Location"] == INDEX + "#uploads"  # lands on the list that follows the upload
    track = Track.objects.get()
    assert track.ingest_state == IngestState.UPLOADED
    assert track.title == "Night Drive (tag)"  # blank field: taken from the file's tags
    assert track.isrc == "USRC17607839"
    assert track.explicit is True
    assert track.master_format == "flac"
    assert track.master_bytes == flac.stat().st_size
    assert track.uploaded_by == artist_user
    assert track.album.album_type == AlbumType.SINGLE
    assert sorted(g.name for g in track.genres.all()) == ["night", "synthwave"]
    stored = _media_root / track.master_key
    assert stored.read_bytes() == flac.read_bytes()
    assert master_files(_media_root) == [stored]

    page = artist_client.get(INDEX).content.decode()
    assert "is uploaded" in page
    assert f'id="upload-{track.public_id}"' in page


def test_it_uploads_into_a_new_album_with_cover_art(artist_client, flac, _media_root):
    with flac.open("rb") as handle:
        response = artist_client.post(
            UPLOAD,
            {
                "file": handle,
                "title": "Opening",
                "album_title": "Long Night",
                "album_type": "album",
                "release_date": "2025-01-31",
                "label": "Self-released",
                "track_number": "3",
                "cover": jpeg(),
            },
        )

    assert response.status_code == 302
    track = Track.objects.get()
    assert (track.title, track.track_number) == ("Opening", 3)
    album = track.album
    assert (album.title, album.album_type, album.label) == ("Long Night", "album", "Self-released")
    assert album.release_date.isoformat() == "2025-01-31"
    assert [image["width"] for image in album.images] == [640, 300, 64]
    assert all((_media_root / image["key"]).is_file() for image in album.images)


def test_it_uploads_into_one_of_the_artists_own_albums(artist_client, artist_user, flac):
    album = AlbumFactory(artists=[Artist.objects.get(managers=artist_user)])

    with flac.open("rb") as handle:
        response = artist_client.post(UPLOAD, {"file": handle, "album_id": album.public_id, "title": "B-side"})

    assert response.status_code == 302
    assert Track.objects.get().album == album


def test_it_answers_an_xhr_upload_with_json_for_the_progress_script(artist_client, flac):
    with flac.open("rb") as handle:
        response = artist_client.post(UPLOAD, {"file": handle}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")

    assert response.status_code == 201
    track = Track.objects.get()
    assert response.json() == {"id": track.public_id, "redirect": INDEX + "#uploads"}


def test_it_refuses_a_text_file_named_mp3_with_415_and_writes_nothing(artist_client, _media_root):
    fake = SimpleUploadedFile("song.mp3", b"This is not audio, just some text.\n" * 20, content_type="audio/mpeg")

    response = artist_client.post(UPLOAD, {"file": fake, "album_title": "Should Not Exist"})

    assert response.status_code == 415
    assert b"Unsupported file: found plain text" in response.content
    assert b"data-upload-form" in response.content  # the form comes back with the error
    assert_nothing_written(_media_root, albums_before=0)


def test_it_refuses_an_empty_file_with_400_and_writes_nothing(artist_client, _media_root):
    response = artist_client.post(UPLOAD, {"file": SimpleUploadedFile("empty.flac", b"")})

    assert response.status_code == 400
    assert b"The file is empty." in response.content
    assert_nothing_written(_media_root, albums_before=0)


def test_it_refuses_a_missing_file_with_400(artist_client, _media_root):
    response = artist_client.post(UPLOAD, {"title": "No file"})

    assert response.status_code == 400
    assert b'id="id_file_error"' in response.content
    assert_nothing_written(_media_root, albums_before=0)


def test_it_answers_404_for_another_artists_album_and_writes_nothing(
    artist_client, other_artist_user, flac, _media_root
):
    theirs = AlbumFactory(artists=[Artist.objects.get(managers=other_artist_user)])

    with flac.open("rb") as handle:
        response = artist_client.post(UPLOAD, {"file": handle, "album_id": theirs.public_id})

    assert response.status_code == 404
    assert b"Album not found." in response.content
    assert_nothing_written(_media_root, albums_before=1)


def test_it_answers_404_for_another_artists_profile_and_writes_nothing(
    artist_client, other_artist_user, flac, _media_root
):
    theirs = Artist.objects.get(managers=other_artist_user)

    with flac.open("rb") as handle:
        response = artist_client.post(UPLOAD, {"file": handle, "artist_id": theirs.public_id})

    assert response.status_code == 404
    assert_nothing_written(_media_root, albums_before=0)


def test_it_answers_409_for_a_taken_isrc_and_writes_nothing_more(artist_client, flac, _media_root):
    TrackFactory(isrc="USRC17607839")
    albums_before = Album.objects.count()

    with flac.open("rb") as handle:
        response = artist_client.post(UPLOAD, {"file": handle, "isrc": "USRC17607839"})

    assert response.status_code == 409
    assert b"another artist&#x27;s recording" in response.content or b"another artist" in response.content
    assert Track.objects.count() == 1
    assert Album.objects.count() == albums_before
    assert master_files(_media_root) == []


def test_it_shows_field_errors_from_the_service_next_to_the_field(artist_client, flac, _media_root):
    with flac.open("rb") as handle:
        response = artist_client.post(UPLOAD, {"file": handle, "isrc": "not-an-isrc"})

    assert response.status_code == 400
    assert b'id="id_isrc_error"' in response.content
    assert_nothing_written(_media_root, albums_before=0)


def test_it_refuses_an_oversized_request_by_its_content_length(artist_client, settings, _media_root):
    settings.UPLOAD_MAX_BYTES = 1000
    settings.ARTWORK_MAX_BYTES = 1000
    big = SimpleUploadedFile("big.wav", b"RIFF" + b"\0" * (1024 * 1024 + 4096))

    response = artist_client.post(UPLOAD, {"file": big})

    assert response.status_code == 413
    assert b"larger than" in response.content
    assert_nothing_written(_media_root, albums_before=0)


def test_it_refuses_a_file_that_crosses_the_limit_mid_stream(artist_client, settings, flac, _media_root):
    settings.UPLOAD_MAX_BYTES = 4096  # the whole request stays under the Content-Length limit

    with flac.open("rb") as handle:
        response = artist_client.post(UPLOAD, {"file": handle})

    assert response.status_code == 413
    assert b"The file &#x27;file&#x27; is larger than" in response.content
    assert_nothing_written(_media_root, albums_before=0)


def test_it_checks_the_csrf_token_of_an_upload_itself(artist_user, flac, _media_root):
    client = Client(enforce_csrf_checks=True)
    client.force_login(artist_user)

    with flac.open("rb") as handle:
        assert client.post(UPLOAD, {"file": handle}).status_code == 403
    assert_nothing_written(_media_root, albums_before=0)

    client.get(INDEX)  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    with flac.open("rb") as handle:
        response = client.post(UPLOAD, {"csrfmiddlewaretoken": token, "file": handle})
    assert response.status_code == 302
    assert Track.objects.count() == 1


# --- The uploads list -----------------------------------------------------------------------


def test_it_lists_uploads_with_state_progress_failure_reason_and_loudness(artist_client, artist_user):
    TrackFactory(
        title="Still Working", uploaded_by=artist_user, ingest_state=IngestState.PROCESSING, ingest_progress=42
    )
    TrackFactory(title="Just Arrived", uploaded_by=artist_user, ingest_state=IngestState.UPLOADED, hls_prefix="")
    TrackFactory(
        title="Broken",
        uploaded_by=artist_user,
        ingest_state=IngestState.FAILED,
        ingest_error="The audio could not be decoded: truncated stream.",
    )
    done = TrackFactory(title="All Good", uploaded_by=artist_user, loudness_lufs=-14.23, true_peak_dbtp=-1.04)
    TrackFactory(title="Not Mine", uploaded_by=UserFactory(role=Role.ARTIST))

    response = artist_client.get(UPLOADS)

    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="uploads"')  # the partial alone, for htmx
    assert "Still Working" in content and "Processing 42 %" in content
    assert '<progress id="progress-' in content and 'value="42"' in content
    assert "Just Arrived" in content and "Uploaded" in content
    assert "Failed:</strong> The audio could not be decoded: truncated stream." in content
    assert "Loudness -14.2 LUFS" in content
    assert reverse("web:track", args=[done.public_id]) in content
    assert "Not Mine" not in content
    assert f'hx-get="{UPLOADS}" hx-trigger="every 2s"' in content


def test_it_stops_polling_once_every_upload_is_final(artist_client, artist_user):
    TrackFactory(uploaded_by=artist_user)
    TrackFactory(uploaded_by=artist_user, ingest_state=IngestState.FAILED, ingest_error="Too short.")

    content = artist_client.get(UPLOADS).content.decode()

    assert "hx-trigger" not in content
    assert 'data-polling="false"' in content


def test_it_polls_from_the_portal_page_while_an_upload_is_in_flight(artist_client, flac):
    with flac.open("rb") as handle:
        artist_client.post(UPLOAD, {"file": handle})

    content = artist_client.get(INDEX).content.decode()

    assert f'hx-get="{UPLOADS}" hx-trigger="every 2s"' in content
    assert "Processing 0 %" in content
