"""The services mode's media storage: the storage helpers, ingest and uploads on S3.

Against a real S3-compatible HTTP server (moto's server mode on loopback, see tests/s3.py), through
django-storages' S3Storage configured as settings.py configures it for MEDIA_STORAGE=s3.
"""

from __future__ import annotations

import io
import os
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from PIL import Image

from apps.catalog.api.representations import image_objects
from apps.catalog.media.hls import parse_variant_playlist
from apps.catalog.models import AudioRendition, IngestState, Track
from apps.catalog.services.ingest import track_ingest
from apps.catalog.services.uploads import UploadMetadata, track_create_from_master, upload_create
from apps.catalog.storage import storage_delete_prefix, storage_local_copy, storage_upload_directory
from tests import audio
from tests.factories import ArtistFactory
from tests.s3 import S3Bucket, s3_server_fixture, s3_storage_fixture  # noqa: F401 (registers the fixtures)

pytestmark = pytest.mark.django_db


def write_files(root: Path, files: dict[str, bytes]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def stored_on_s3(source: Path) -> Track:
    """A track whose master was stored as an upload stores it, left `uploaded` for us to ingest."""
    with source.open("rb") as handle:
        upload = SimpleUploadedFile(source.name, handle.read(), content_type="audio/flac")
    return track_create_from_master(
        artist=ArtistFactory(), file=upload, metadata=UploadMetadata(title="On S3"), queue_ingest=False
    )


def cover_jpeg(side: int = 640) -> bytes:
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((side, side)).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_it_uploads_a_directory_with_the_hls_content_types(s3_storage: S3Bucket, tmp_path):
    files = {
        "master.m3u8": b"#EXTM3U\n",
        "96/index.m3u8": b"#EXTM3U\n",
        "96/init.mp4": b"init",
        "96/seg_00000.m4s": b"segment",
        "320/deep/seg_00001.m4s": b"nested",
    }
    write_files(tmp_path / "ladder", files)

    keys = storage_upload_directory(local_dir=tmp_path / "ladder", prefix="audio/t1/run")

    expected = sorted(f"audio/t1/run/{name}" for name in files)
    assert sorted(keys) == expected
    assert s3_storage.keys() == expected
    for name, content in files.items():
        assert s3_storage.read(f"audio/t1/run/{name}") == content
    # RFC 8216 4 names the playlist type; fMP4 init and media segments are audio/mp4. Players and
    # CDNs go by Content-Type, and S3 serves back whatever was stored at upload.
    assert s3_storage.content_type("audio/t1/run/master.m3u8") == "application/vnd.apple.mpegurl"
    assert s3_storage.content_type("audio/t1/run/96/index.m3u8") == "application/vnd.apple.mpegurl"
    assert s3_storage.content_type("audio/t1/run/96/init.mp4") == "audio/mp4"
    assert s3_storage.content_type("audio/t1/run/96/seg_00000.m4s") == "audio/mp4"
    assert s3_storage.content_type("audio/t1/run/320/deep/seg_00001.m4s") == "audio/mp4"


def test_it_deletes_everything_under_a_prefix_and_nothing_beside_it(s3_storage: S3Bucket, tmp_path):
    write_files(
        tmp_path / "inside",
        {"master.m3u8": b"m", "96/index.m3u8": b"v", "96/seg_00000.m4s": b"s", "96/deep/er/x.m4s": b"x"},
    )
    storage_upload_directory(local_dir=tmp_path / "inside", prefix="audio/abc/run1")
    write_files(tmp_path / "beside", {"master.m3u8": b"m", "96/seg_00000.m4s": b"s"})
    storage_upload_directory(local_dir=tmp_path / "beside", prefix="audio/abc/run2")
    # A sibling whose name starts with the prefix: S3 prefixes are strings, not directories.
    storage_upload_directory(local_dir=tmp_path / "beside", prefix="audio/abc/run10")

    storage_delete_prefix("audio/abc/run1")

    assert s3_storage.keys("audio/abc/run1/") == []
    assert s3_storage.keys() == [
        "audio/abc/run10/96/seg_00000.m4s",
        "audio/abc/run10/master.m3u8",
        "audio/abc/run2/96/seg_00000.m4s",
        "audio/abc/run2/master.m3u8",
    ]
    storage_delete_prefix("audio/abc/run1")  # idempotent: a second cleanup finds nothing, raises nothing


def test_it_copies_a_stored_object_to_a_local_file(s3_storage: S3Bucket, tmp_path):
    # Past boto3's 8 MB multipart threshold, so the object arrives in concurrent ranged GETs; random
    # bytes, so a range written at the wrong offset cannot go unnoticed.
    content = os.urandom(10 * 1024 * 1024 + 123)
    s3_storage.client.put_object(Bucket=s3_storage.name, Key="masters/abc/song.flac", Body=content)
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    with storage_local_copy("masters/abc/song.flac", scratch) as local:
        assert local.parent == scratch
        assert local.read_bytes() == content


def test_it_ingests_a_master_stored_on_s3_into_a_ladder_that_decodes_whole(s3_storage: S3Bucket, tmp_path):
    track = stored_on_s3(audio.music_like(tmp_path / "song.flac", seconds=3))
    assert s3_storage.keys("masters/") == [track.master_key]

    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.READY, track.ingest_error
    assert [r.bitrate_kbps for r in track.renditions.order_by("bitrate_kbps")] == [96, 160, 320]
    # Every key a player will ask for, read from the playlists as stored, exists in the bucket.
    master_text = s3_storage.read(track.master_playlist_key).decode()
    variant_uris = [line for line in master_text.splitlines() if line and not line.startswith("#")]
    assert variant_uris == ["96/index.m3u8", "160/index.m3u8", "320/index.m3u8"]
    referenced = {track.master_playlist_key} | {f"{track.hls_prefix}/master-{kbps}.m3u8" for kbps in (96, 160, 320)}
    for uri in variant_uris:
        key = f"{track.hls_prefix}/{uri}"
        referenced.add(key)
        variant = parse_variant_playlist(s3_storage.read(key).decode())
        base = key.rsplit("/", 1)[0]
        referenced |= {f"{base}/{variant.init}"} | {f"{base}/{name}" for name, _ in variant.segments}
    published = set(s3_storage.keys(f"{track.hls_prefix}/"))
    assert referenced <= published
    assert published == referenced  # and nothing stray beside them (ffmpeg's own master, temp files)
    assert s3_storage.content_type(track.master_playlist_key) == "application/vnd.apple.mpegurl"

    # The ladder as a player gets it: downloaded from the bucket, decoded from the master playlist.
    local = tmp_path / "downloaded"
    for key in published:
        path = local / key.removeprefix(f"{track.hls_prefix}/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(s3_storage.read(key))
    assert abs(audio.decoded_duration_s(str(local / "master.m3u8")) - 3.0) <= 0.05
    assert abs(track.duration_ms - 3000) <= 50


def test_it_fails_a_truncated_flac_on_s3_with_a_reason_and_leaves_no_ladder(s3_storage: S3Bucket, tmp_path):
    whole = audio.music_like(tmp_path / "whole.flac", seconds=4)
    truncated = tmp_path / "truncated.flac"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    track = stored_on_s3(truncated)

    track_ingest(track_id=track.pk)

    track.refresh_from_db()
    assert track.ingest_state == IngestState.FAILED
    assert "truncated" in track.ingest_error
    assert not AudioRendition.objects.filter(track=track).exists()
    assert s3_storage.keys(f"audio/{track.public_id}/") == []
    assert s3_storage.keys("masters/") == [track.master_key]  # the master stays, for a re-run


def test_it_stores_an_uploaded_master_and_its_cover_art_in_the_bucket(s3_storage: S3Bucket, artist_user, tmp_path):
    master = audio.music_like(tmp_path / "song.flac", seconds=2).read_bytes()
    cover = io.BytesIO(cover_jpeg())

    track = upload_create(
        user=artist_user,
        file=SimpleUploadedFile("First Light.flac", master, content_type="audio/flac"),
        metadata=UploadMetadata(title="First Light"),
        cover=cover,
    )

    assert track.master_key == f"masters/{track.public_id}/First_Light.flac"
    assert s3_storage.read(track.master_key) == master
    images = track.album.images
    assert [(i["width"], i["height"]) for i in images] == [(640, 640), (300, 300), (64, 64)]
    assert s3_storage.keys("images/") == sorted(i["key"] for i in images)
    assert s3_storage.keys() == sorted([track.master_key, *(i["key"] for i in images)])
    for image in images:
        assert s3_storage.content_type(image["key"]) == "image/jpeg"


def test_it_serves_images_through_presigned_urls(s3_storage: S3Bucket, artist_user, tmp_path):
    track = upload_create(
        user=artist_user,
        file=SimpleUploadedFile("song.flac", audio.music_like(tmp_path / "song.flac", seconds=2).read_bytes()),
        metadata=UploadMetadata(title="Song"),
        cover=io.BytesIO(cover_jpeg()),
    )
    request = RequestFactory().get("/v1/albums/x")

    objects = image_objects(request, track.album.images)

    assert len(objects) == 3
    for image in objects:
        url = image["url"]
        assert url.startswith(f"{s3_storage.endpoint_url}/{s3_storage.name}/images/")
        query = parse_qs(urlsplit(url).query)
        # A SigV4 signature and an expiry, never a public URL.
        assert "X-Amz-Signature" in query and "X-Amz-Expires" in query, url
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.headers["Content-Type"] == "image/jpeg"
            fetched = Image.open(io.BytesIO(response.read()))
        assert fetched.size == (image["width"], image["height"])
        # The same object without its signature is refused: the bucket is private.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url.split("?", 1)[0], timeout=10)
        assert refused.value.code == 403


def test_it_points_default_storage_back_at_the_filesystem_afterwards():
    # Runs after the S3 tests in this module: the override must not leak into the rest of the suite.
    from django.core.files.storage import FileSystemStorage

    assert isinstance(default_storage, FileSystemStorage)
    assert re.match(r"^/media/", default_storage.url("images/x.jpg"))
