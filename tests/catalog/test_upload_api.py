"""`POST /v1/studio/uploads`: every refusal answers in the error shape and writes nothing."""

from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIRequestFactory, force_authenticate

from apps.catalog.api.studio import UploadsView
from apps.catalog.models import Album, Artist, Track
from tests import audio
from tests.catalog.callbacks import queued_work
from tests.conftest import api_client_for
from tests.factories import AlbumFactory, TrackFactory

pytestmark = pytest.mark.django_db


def stored_files(media_root: Path) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


def audio_upload(tmp_path, name="song.flac", seconds=2.0, fmt="flac", metadata=None) -> SimpleUploadedFile:
    path = audio.music_like(tmp_path / name, seconds=seconds, fmt=fmt, metadata=metadata)
    return SimpleUploadedFile(name, path.read_bytes())


def cover_upload(size=(800, 600)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(buffer, "PNG")
    return SimpleUploadedFile("cover.png", buffer.getvalue())


@pytest.fixture
def artist_api(artist_user):
    return api_client_for(artist_user)


@pytest.fixture
def writes_nothing(_media_root):
    """A context manager asserting that the block created no row and no file."""

    @contextmanager
    def check():
        counts = (Track.objects.count(), Album.objects.count(), Artist.objects.count())
        files = stored_files(_media_root)
        yield
        assert (Track.objects.count(), Album.objects.count(), Artist.objects.count()) == counts
        assert stored_files(_media_root) == files

    return check


def test_it_accepts_an_upload_and_fills_metadata_from_the_files_tags(
    artist_api, artist_user, tmp_path, _media_root, django_capture_on_commit_callbacks
):
    upload = audio_upload(
        tmp_path,
        metadata={
            "title": "Ljus i mörkret",
            "album": "Vinterljus",
            "ISRC": "SE-ABC-24-00001",
            "track": "3/9",
            "date": "2024-02-14",
            "genre": "Indie Pop",
        },
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = artist_api.post("/v1/studio/uploads", {"file": upload, "cover": cover_upload()}, format="multipart")

    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["state"] == "uploaded"
    assert body["name"] == "Ljus i mörkret"
    assert body["isrc"] == "SEABC2400001"
    assert body["format"] == "flac"
    assert body["track_number"] == 3
    track = Track.objects.get(public_id=body["id"])
    assert track.album.title == "Vinterljus"
    assert track.album.album_type == "single"
    assert track.album.release_date.isoformat() == "2024-02-14"
    assert [g.slug for g in track.genres.all()] == ["indie-pop"]
    assert track.uploaded_by == artist_user
    assert abs(track.duration_ms - 2000) < 50
    assert (_media_root / track.master_key).stat().st_size == upload.size
    assert [img["width"] for img in track.album.images] == [640, 300, 64]
    assert len(queued_work(callbacks)) == 1  # the ingest task, queued once the rows are committed


def test_form_values_win_over_tags(artist_api, tmp_path, django_capture_on_commit_callbacks):
    upload = audio_upload(tmp_path, metadata={"title": "From tags"})

    with django_capture_on_commit_callbacks(execute=False):
        response = artist_api.post(
            "/v1/studio/uploads",
            {
                "file": upload,
                "title": "From the form",
                "album_title": "Debut",
                "release_date": "2023-09-01",
                "explicit": "true",
            },
            format="multipart",
        )

    body = response.json()
    assert body["name"] == "From the form"
    assert body["explicit"] is True
    assert Track.objects.get(public_id=body["id"]).album.album_type == "album"


def test_it_adds_to_an_album_of_the_artists_own(artist_api, artist_user, tmp_path, django_capture_on_commit_callbacks):
    album = AlbumFactory(artists=[artist_user.managed_artists.get()])
    TrackFactory(album=album, track_number=1)

    with django_capture_on_commit_callbacks(execute=False):
        response = artist_api.post(
            "/v1/studio/uploads", {"file": audio_upload(tmp_path), "album_id": album.public_id}, format="multipart"
        )

    assert response.status_code == 202
    assert Track.objects.get(public_id=response.json()["id"]).track_number == 2


@pytest.mark.parametrize(
    "title",
    ["أغنية الليل الطويل", "שיר של יום ‏(גרסה)", "風の歌", "Ü" * 500, "  spaced  "],
    ids=["arabic", "hebrew", "japanese", "500", "spaces"],
)
def test_it_stores_unicode_rtl_and_500_character_titles(
    artist_api, tmp_path, title, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = artist_api.post(
            "/v1/studio/uploads", {"file": audio_upload(tmp_path), "title": title}, format="multipart"
        )

    assert response.status_code == 202
    assert Track.objects.get(public_id=response.json()["id"]).title == title.strip()
    assert response.json()["name"] == title.strip()


def test_it_refuses_a_501_character_title(artist_api, tmp_path, writes_nothing):
    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads", {"file": audio_upload(tmp_path), "title": "x" * 501}, format="multipart"
        )

    assert response.status_code == 400
    assert "500" in response.json()["error"]["message"]


def test_it_refuses_a_text_file_renamed_mp3_naming_what_it_found(artist_api, writes_nothing):
    fake = SimpleUploadedFile("song.mp3", b"Dear diary, today I recorded a song.\n" * 50, content_type="audio/mpeg")

    with writes_nothing():
        response = artist_api.post("/v1/studio/uploads", {"file": fake}, format="multipart")

    assert response.status_code == 415
    assert response.json()["error"]["status"] == 415
    assert "plain text" in response.json()["error"]["message"]


def test_it_refuses_an_empty_file(artist_api, writes_nothing):
    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads", {"file": SimpleUploadedFile("empty.wav", b"")}, format="multipart"
        )

    assert response.status_code == 400
    assert "empty" in response.json()["error"]["message"]


def test_it_refuses_a_missing_file(artist_api, writes_nothing):
    with writes_nothing():
        response = artist_api.post("/v1/studio/uploads", {"title": "No file"}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()["error"]["message"]


def test_it_refuses_an_oversized_upload_before_reading_the_body(artist_user, settings, writes_nothing):
    """413 from Content-Length alone: not one byte of the body is read."""
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024

    class CountingStream(io.RawIOBase):
        bytes_read = 0

        def read(self, size=-1):
            chunk = b"\0" * (65536 if size is None or size < 0 else min(size, 65536))
            self.bytes_read += len(chunk)
            return chunk

    stream = CountingStream()
    request = APIRequestFactory().post("/v1/studio/uploads", data=b"", content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(2 * 1024 * 1024 * 1024)
    request.META["wsgi.input"] = stream
    request._stream = stream
    force_authenticate(request, user=artist_user)

    with writes_nothing():
        response = UploadsView.as_view()(request)

    assert response.status_code == 413
    assert "limit" in response.data["error"]["message"]
    assert stream.bytes_read == 0


def test_it_stops_reading_a_file_that_passes_its_limit_mid_stream(artist_api, tmp_path, settings, writes_nothing):
    """A Content-Length under the request limit, but the audio file itself over its own limit."""
    settings.UPLOAD_MAX_BYTES = 100_000
    big = audio_upload(tmp_path, name="big.wav", seconds=3, fmt="wav")  # ~530 kB of PCM

    with writes_nothing():
        response = artist_api.post("/v1/studio/uploads", {"file": big}, format="multipart")

    assert response.status_code == 413
    assert "'file'" in response.json()["error"]["message"]


def test_it_refuses_a_two_hour_file_naming_the_limit(artist_api, tmp_path, writes_nothing):
    long_file = audio.silence(tmp_path / "long.flac", seconds=7200)

    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads", {"file": SimpleUploadedFile("long.flac", long_file.read_bytes())}, format="multipart"
        )

    assert response.status_code == 400
    assert "120 minutes long; the limit is 30 minutes" in response.json()["error"]["message"]


def test_it_refuses_a_duplicate_isrc_with_409(artist_api, tmp_path, writes_nothing):
    TrackFactory(isrc="SEABC2400001")

    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads", {"file": audio_upload(tmp_path), "isrc": "SE-ABC-24-00001"}, format="multipart"
        )

    assert response.status_code == 409
    assert "SEABC2400001" in response.json()["error"]["message"]


def test_an_artist_may_release_their_own_recording_again_but_once_per_album(
    artist_api, artist_user, tmp_path, writes_nothing, django_capture_on_commit_callbacks
):
    artist = artist_user.managed_artists.get()
    single = TrackFactory(album=AlbumFactory(artists=[artist]), artists=[artist], isrc="SEABC2400002")

    with django_capture_on_commit_callbacks(execute=False):
        response = artist_api.post(
            "/v1/studio/uploads",
            {"file": audio_upload(tmp_path), "isrc": "SEABC2400002", "album_title": "The Album"},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    assert Track.objects.filter(isrc="SEABC2400002").count() == 2

    with writes_nothing():
        again = artist_api.post(
            "/v1/studio/uploads",
            {"file": audio_upload(tmp_path), "isrc": "SEABC2400002", "album_id": single.album.public_id},
            format="multipart",
        )
    assert again.status_code == 409 and "already has" in again.json()["error"]["message"]


def test_it_refuses_a_malformed_isrc(artist_api, tmp_path, writes_nothing):
    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads", {"file": audio_upload(tmp_path), "isrc": "NOT-AN-ISRC"}, format="multipart"
        )

    assert response.status_code == 400
    assert "ISRC" in response.json()["error"]["message"]


def test_it_refuses_a_listener_with_403(listener, tmp_path, writes_nothing):
    with writes_nothing():
        response = api_client_for(listener).post(
            "/v1/studio/uploads", {"file": audio_upload(tmp_path)}, format="multipart"
        )

    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403


def test_it_refuses_anonymous_uploads_with_401(anon, tmp_path, writes_nothing):
    assert anon.post("/v1/studio/uploads", {"file": audio_upload(tmp_path)}, format="multipart").status_code == 401


def test_it_answers_404_for_another_artists_album(artist_api, other_artist_user, tmp_path, writes_nothing):
    theirs = AlbumFactory(artists=[other_artist_user.managed_artists.get()])

    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads", {"file": audio_upload(tmp_path), "album_id": theirs.public_id}, format="multipart"
        )

    assert response.status_code == 404


def test_it_answers_404_for_an_artist_profile_the_user_does_not_manage(
    artist_api, other_artist_user, tmp_path, writes_nothing
):
    theirs = other_artist_user.managed_artists.get()

    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads", {"file": audio_upload(tmp_path), "artist_id": theirs.public_id}, format="multipart"
        )

    assert response.status_code == 404


def test_it_refuses_a_taken_track_number(artist_api, artist_user, tmp_path, writes_nothing):
    album = AlbumFactory(artists=[artist_user.managed_artists.get()])
    TrackFactory(album=album, track_number=1)

    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads",
            {"file": audio_upload(tmp_path), "album_id": album.public_id, "track_number": 1},
            format="multipart",
        )

    assert response.status_code == 409


def test_it_refuses_cover_art_that_is_not_an_image_and_leaves_no_files(artist_api, tmp_path, writes_nothing):
    bogus = SimpleUploadedFile("cover.jpg", b"not an image at all")

    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads", {"file": audio_upload(tmp_path), "cover": bogus}, format="multipart"
        )

    assert response.status_code == 415
    assert "cover art" in response.json()["error"]["message"]


def test_it_refuses_tiny_cover_art(artist_api, tmp_path, writes_nothing):
    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads",
            {"file": audio_upload(tmp_path), "cover": cover_upload((100, 100))},
            format="multipart",
        )

    assert response.status_code == 400
    assert "300x300" in response.json()["error"]["message"]


def test_it_refuses_an_unknown_featured_artist(artist_api, tmp_path, writes_nothing):
    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads",
            {"file": audio_upload(tmp_path), "featured_artist_ids": "0123456789012345678901"},
            format="multipart",
        )

    assert response.status_code == 400
    assert "featured_artist_ids" in response.json()["error"]["message"]


def test_an_artist_sees_only_their_own_uploads(
    artist_api, artist_user, other_artist_user, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        mine = artist_api.post("/v1/studio/uploads", {"file": audio_upload(tmp_path)}, format="multipart").json()
    theirs = TrackFactory(uploaded_by=other_artist_user)

    listing = artist_api.get("/v1/studio/uploads").json()

    assert [item["id"] for item in listing["items"]] == [mine["id"]]
    assert artist_api.get(f"/v1/studio/uploads/{mine['id']}").json()["state"] == "uploaded"
    assert artist_api.get(f"/v1/studio/uploads/{theirs.public_id}").status_code == 404


def test_it_creates_artist_profiles_for_artist_accounts_only(artist_api, api):
    created = artist_api.post("/v1/studio/artists", {"name": "Second Project", "genres": ["jazz"]}, format="json")
    refused = api.post("/v1/studio/artists", {"name": "Nope"}, format="json")

    assert created.status_code == 201
    assert [a["name"] for a in artist_api.get("/v1/studio/artists").json()["items"]] == [
        "Aurora Fields",
        "Second Project",
    ]
    assert refused.status_code == 403
    assert not Artist.objects.filter(name="Nope").exists()


def test_several_profiles_require_an_artist_id(artist_api, tmp_path, writes_nothing):
    artist_api.post("/v1/studio/artists", {"name": "Second Project"}, format="json")
    before = Artist.objects.count()

    with writes_nothing():
        response = artist_api.post("/v1/studio/uploads", {"file": audio_upload(tmp_path)}, format="multipart")

    assert response.status_code == 400
    assert "artist_id" in response.json()["error"]["message"]
    assert Artist.objects.count() == before


def test_it_refuses_audio_under_a_second_naming_the_minimum(artist_api, tmp_path, writes_nothing):
    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads",
            {"file": audio_upload(tmp_path, name="short.wav", seconds=0.5, fmt="wav")},
            format="multipart",
        )

    assert response.status_code == 400
    assert "1 s minimum" in response.json()["error"]["message"]


def test_it_refuses_cover_art_declaring_too_many_pixels_before_decoding(artist_api, tmp_path, writes_nothing):
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, "PNG")  # ~10 kB on disk, 81 megapixels decoded
    bomb = SimpleUploadedFile("cover.png", buffer.getvalue())

    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads", {"file": audio_upload(tmp_path), "cover": bomb}, format="multipart"
        )

    assert response.status_code == 400
    assert "6000x6000" in response.json()["error"]["message"]


def test_it_refuses_crediting_an_artist_the_uploader_does_not_manage(
    artist_api, other_artist_user, tmp_path, writes_nothing
):
    theirs = other_artist_user.managed_artists.get()

    with writes_nothing():
        response = artist_api.post(
            "/v1/studio/uploads",
            {"file": audio_upload(tmp_path), "featured_artist_ids": theirs.public_id},
            format="multipart",
        )

    assert response.status_code == 400
    assert theirs.public_id in response.json()["error"]["message"]


def test_it_cleans_hostile_tags(artist_api, tmp_path, django_capture_on_commit_callbacks):
    """NUL in a title and absurd track numbers would be 500s on PostgreSQL; they are cleaned."""
    upload = audio_upload(tmp_path, metadata={"title": "Evil\x01Title", "track": "70000"})

    with django_capture_on_commit_callbacks(execute=False):
        response = artist_api.post("/v1/studio/uploads", {"file": upload}, format="multipart")

    assert response.status_code == 202
    assert response.json()["name"] == "EvilTitle"
    assert response.json()["track_number"] == 1


def test_a_broker_outage_after_commit_keeps_the_upload(
    artist_api, tmp_path, _media_root, monkeypatch, django_capture_on_commit_callbacks
):
    """The ingest message is sent after commit; if sending fails, the committed upload stays whole
    (the row, its master) and the request still succeeds."""
    from apps.catalog.tasks import ingest_track

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    # Stand-in for a broker outage: a real broker cannot be made to fail on cue inside a test.
    monkeypatch.setattr(ingest_track, "delay", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        response = artist_api.post("/v1/studio/uploads", {"file": audio_upload(tmp_path)}, format="multipart")

    assert response.status_code == 202
    track = Track.objects.get(public_id=response.json()["id"])
    assert track.ingest_state == "uploaded"
    assert (_media_root / track.master_key).exists()
