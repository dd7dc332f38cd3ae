"""The nginx edge (docker/nginx/templates/, rendered by render_edge) on a real ladder: a real nginx
checks the signatures, caches in front of its local-files origin and proxies the app."""

from __future__ import annotations

import json
import shutil
import time

import pytest
from django.core.files import File
from django.core.files.storage import default_storage

from apps.playback.streaming import signing
from tests import audio
from tests.playback.conftest import TRACK_SECONDS, fetch
from tests.playback.stream_cases import CASES, FREE, PREMIUM, SEGMENT, check, tampered
from tests.s3 import s3_server_fixture, s3_storage_fixture  # noqa: F401

pytestmark = pytest.mark.services


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_it_answers_each_request_as_django_does(case, ladder, other_ladder, nginx_edge):
    method, path, headers = case.request(ladder, other_ladder)

    reply = fetch(nginx_edge.port, path, method=method, headers=headers)

    check(case, reply, ladder)


@pytest.mark.parametrize("cap", [FREE, PREMIUM])
def test_it_delivers_a_stream_that_ffmpeg_decodes_whole(ladder, nginx_edge, cap):
    url = f"http://127.0.0.1:{nginx_edge.port}{ladder.path(cap)}"

    decoded = audio.decoded_duration_s(url)

    assert abs(decoded - TRACK_SECONDS) <= 0.05
    rungs = {int(path.split("/")[4]) for path in nginx_edge.origin_requests() if path.endswith(".m4s")}
    assert rungs and max(rungs) <= cap  # the tier's master named only the rungs it may fetch


def test_it_asks_the_origin_once_per_file_and_serves_repeats_from_the_cache(ladder, nginx_edge):
    files = ["master.m3u8", *ladder.files(160)]

    first = [fetch(nginx_edge.port, ladder.path(FREE, file)) for file in files]
    second = [fetch(nginx_edge.port, ladder.path(FREE, file)) for file in files]

    assert [reply.header("X-Cache-Status") for reply in first] == ["MISS"] * len(files)
    assert [reply.header("X-Cache-Status") for reply in second] == ["HIT"] * len(files)
    assert [reply.body for reply in second] == [reply.body for reply in first]
    assert second[-1].body == ladder.read(files[-1])
    asked = nginx_edge.origin_requests()
    assert asked == [f"/{ladder.hls_prefix}/{'master-160.m3u8' if f == 'master.m3u8' else f}" for f in files]


def test_it_keys_the_cache_without_the_token(ladder, nginx_edge):
    # Two listeners, two tokens (another expiry, another tier): one origin fetch, one cached copy.
    first = fetch(nginx_edge.port, ladder.path(FREE, SEGMENT))
    second = fetch(nginx_edge.port, ladder.path(PREMIUM, SEGMENT, expires=signing.new_expiry() + 60))

    assert (first.header("X-Cache-Status"), second.header("X-Cache-Status")) == ("MISS", "HIT")
    assert second.body == ladder.read(SEGMENT)
    assert nginx_edge.origin_requests() == [f"/{ladder.hls_prefix}/{SEGMENT}"]


def test_it_serves_ranges_from_the_cache(ladder, nginx_edge):
    fetch(nginx_edge.port, ladder.path(FREE, SEGMENT))

    part = fetch(nginx_edge.port, ladder.path(FREE, SEGMENT), headers={"Range": "bytes=1000-1999"})

    assert part.status == 206
    assert part.header("X-Cache-Status") == "HIT"
    assert part.body == ladder.read(SEGMENT)[1000:2000]
    assert len(nginx_edge.origin_requests()) == 1


def test_it_refuses_without_asking_the_origin(ladder, other_ladder, nginx_edge):
    good = ladder.path(FREE, SEGMENT).split("/")
    bad_signature = "/".join([*good[:2], tampered(good[2]), *good[3:]])
    expired = ladder.path(FREE, SEGMENT, expires=int(time.time()) - 1)
    other_asset = "/".join([*good[:4], other_ladder.asset(FREE).name, *good[5:]])
    above_tier = ladder.path(FREE, "320/seg_00000.m4s")

    statuses = [fetch(nginx_edge.port, path).status for path in (bad_signature, expired, other_asset, above_tier)]

    assert statuses == [403, 410, 403, 403]
    assert nginx_edge.origin_requests() == []


def test_it_answers_a_missing_file_with_json_404(ladder, nginx_edge):
    (ladder.folder / SEGMENT).unlink()

    reply = fetch(nginx_edge.port, ladder.path(FREE, SEGMENT))

    assert reply.status == 404
    assert reply.json() == {"error": {"status": 404, "message": "No such stream file."}}
    assert reply.header("Access-Control-Allow-Origin") == "*"


@pytest.mark.parametrize("header", ["bytes=5-2", "bytes=abc"])
def test_it_answers_a_malformed_range_with_416(ladder, nginx_edge, header):
    # nginx's own range parser; the Django fallback sends the whole file instead (RFC 9110 allows both).
    reply = fetch(nginx_edge.port, ladder.path(FREE, SEGMENT), headers={"Range": header})

    assert reply.status == 416


def test_it_proxies_the_app_without_the_clients_country_header(nginx_edge):
    reply = fetch(nginx_edge.port, "/v1/me", headers={"X-Country": "KP", "X-Real-IP": "203.0.113.9"})

    seen = reply.json()  # the echo app's view of the request
    assert reply.status == 200
    assert "x-country" not in seen
    assert seen["x-real-ip"] == "127.0.0.1"
    assert seen["x-forwarded-for"] == "127.0.0.1"


@pytest.fixture
def s3_origin(ladder, s3_storage, settings):
    """The ladder in an S3-compatible bucket (moto over HTTP), written by default_storage as the
    ingest writes it, and readable without credentials under audio/ only: the bucket policy the
    edge needs (docker/nginx/templates/http.conf.template)."""
    settings.MEDIA_STORAGE = "s3"  # the renderer then points the edge at the bucket
    for path in sorted(ladder.folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as handle:
                default_storage.save(f"{ladder.hls_prefix}/{path.relative_to(ladder.folder)}", File(handle))
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{s3_storage.name}/audio/*",
            }
        ],
    }
    s3_storage.client.put_bucket_policy(Bucket=s3_storage.name, Policy=json.dumps(policy))
    shutil.rmtree(ladder.media_root / "audio")  # nothing left for a local origin to serve
    yield s3_storage
    s3_storage.client.delete_bucket_policy(Bucket=s3_storage.name)


def test_it_delivers_from_an_s3_origin(ladder, s3_origin, request):
    edge = request.getfixturevalue("nginx_edge")  # rendered after s3_origin switched the storage
    key = f"{ladder.hls_prefix}/{SEGMENT}"
    # Object metadata depends on the uploader (django-storages guesses from the system's MIME table).
    segment = s3_origin.read(key)
    s3_origin.client.put_object(Bucket=s3_origin.name, Key=key, Body=segment, ContentType="binary/octet-stream")

    first = fetch(edge.port, ladder.path(FREE, SEGMENT))
    again = fetch(edge.port, ladder.path(FREE, SEGMENT))
    decoded = audio.decoded_duration_s(f"http://127.0.0.1:{edge.port}{ladder.path(FREE)}")

    assert first.status == 200
    assert first.header("Content-Type") == "audio/mp4"  # the edge's word, not the bucket's
    assert first.body == segment
    assert (first.header("X-Cache-Status"), again.header("X-Cache-Status")) == ("MISS", "HIT")
    assert abs(decoded - TRACK_SECONDS) <= 0.05
    assert edge.origin_requests() == []  # the local-files origin was never asked
