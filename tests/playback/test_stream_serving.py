"""The Django fallback for signed stream URLs (apps/playback/streaming/views.py), on a real ladder.

The shared table (stream_cases.py) runs against the real ASGI application under uvicorn, which
hands Django the undecoded path as nginx sees it; the rest uses Django's test client.
"""

from __future__ import annotations

import random
import string
import time

import pytest
from asgiref.sync import async_to_sync
from botocore.config import Config
from django.test import AsyncClient, Client

from apps.playback.streaming.serving import ByteRange, RangeNotSatisfiable, requested_range
from tests.playback.conftest import fetch
from tests.playback.stream_cases import CASES, FREE, PREMIUM, SEGMENT, check
from tests.s3 import s3_server_fixture, s3_storage_fixture  # noqa: F401


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_it_answers_each_request_as_the_edge_does(case, ladder, other_ladder, django_server):
    method, path, headers = case.request(ladder, other_ladder)

    reply = fetch(django_server.port, path, method=method, headers=headers)

    check(case, reply, ladder)
    assert reply.header("X-Cache-Status") is None


def test_it_serves_every_file_of_the_ladder_without_a_database_query(client, ladder, django_assert_num_queries):
    files = ["master.m3u8"] + [file for rung in (96, 160, 320) for file in ladder.files(rung)]
    with django_assert_num_queries(0):
        for file in files:
            response = client.get(ladder.path(PREMIUM, file))

            stored = "master-320.m3u8" if file == "master.m3u8" else file
            assert response.status_code == 200, file
            assert b"".join(response.streaming_content) == ladder.read(stored)
            assert response["Content-Length"] == str(len(ladder.read(stored)))


def test_it_refuses_without_a_database_query(client, ladder, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(ladder.path(FREE, ladder.init_file(320))).status_code == 403
        assert client.get(ladder.path(FREE, SEGMENT, expires=int(time.time()) - 1)).status_code == 410
        assert client.get(ladder.path(FREE, "160/seg_99999.m4s")).status_code == 404


def test_it_streams_a_segment_in_chunks(client, ladder):
    file = ladder.files(320)[2]  # a full 6 s segment at 320 kbps, larger than one chunk
    response = client.get(ladder.path(PREMIUM, file))

    chunks = list(response.streaming_content)
    assert len(chunks) > 1
    assert b"".join(chunks) == ladder.read(file)


def test_it_streams_asynchronously_under_asgi(ladder):
    # Under ASGI a synchronous iterator would be read whole into memory before the first byte.
    async def fetch_range():
        response = await AsyncClient().get(ladder.path(FREE, SEGMENT), headers={"Range": "bytes=100-"})
        return response, b"".join([chunk async for chunk in response.streaming_content])

    response, body = async_to_sync(fetch_range)()

    assert response.status_code == 206
    assert response.is_async
    assert body == ladder.read(SEGMENT)[100:]


@pytest.mark.parametrize(
    "header",
    ["bytes=5-2", "bytes=abc", "bytes=-", "bytes=1", "items=0-1", "bytes =0-1", "bytes=0-1,4-5", "bytes=0--1", ""],
)
def test_it_sends_the_whole_file_for_a_range_it_cannot_use(client, ladder, header):
    # RFC 9110 lets a server ignore a malformed Range header (nginx answers 416 to most of these).
    response = client.get(ladder.path(FREE, SEGMENT), headers={"Range": header})

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ladder.read(SEGMENT)
    assert "Content-Range" not in response


def test_it_sends_the_whole_file_when_if_range_names_another_version(client, ladder):
    response = client.get(ladder.path(FREE, SEGMENT), headers={"Range": "bytes=0-9", "If-Range": '"some-etag"'})

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ladder.read(SEGMENT)


def test_it_answers_head_with_the_length_of_a_range(client, ladder):
    response = client.head(ladder.path(FREE, SEGMENT), headers={"Range": "bytes=10-19"})

    assert response.status_code == 206
    assert response["Content-Length"] == "10"
    assert response["Content-Range"] == f"bytes 10-19/{len(ladder.read(SEGMENT))}"
    assert response.content == b""


def test_it_answers_json_404_for_any_other_path_under_stream(client):
    for path in ("/stream/", "/stream/abc", "/stream/a/b", "/stream/a/b/c"):
        response = client.get(path)

        assert response.status_code == 404
        assert response.json() == {"error": {"status": 404, "message": "No such stream file."}}
        assert response["Access-Control-Allow-Origin"] == "*"


def test_it_takes_the_cors_origin_from_settings(client, ladder, settings):
    settings.STREAM_CORS_ALLOW_ORIGIN = "https://player.example"

    assert client.get(ladder.path(FREE, SEGMENT))["Access-Control-Allow-Origin"] == "https://player.example"
    assert client.options(ladder.path(FREE, SEGMENT))["Access-Control-Allow-Origin"] == "https://player.example"


def random_paths(count: int) -> list[str]:
    """Paths a fuzzer would send: escapes, dots, unicode, control characters, long parts."""
    rng = random.Random(20241123)  # noqa: S311 (fixed seed: a failure must be reproducible)
    alphabet = string.ascii_letters + string.digits + "./%-_~:@!$&'()*+,;=" + "é€\u202e"
    pieces = ["..", "%2e%2e", "%2f", "%00", "%ff", "//", "master.m3u8", "160", "320", "seg_00000.m4s", "~"]
    paths = []
    for _ in range(count):
        parts = [
            rng.choice(pieces) if rng.random() < 0.4 else "".join(rng.choices(alphabet, k=rng.randint(0, 40)))
            for _ in range(rng.randint(1, 7))
        ]
        paths.append("/stream/" + "/".join(parts))
    return paths


def test_it_never_answers_500_whatever_the_path(client, ladder):
    good = ladder.path(FREE, SEGMENT)
    odd = [good + "/" + "x" * 5000, good.replace("/stream/", "/stream//"), "/stream/" + "a/" * 300, good + "%00"]
    ranges = ["bytes=0-", "bytes=-5", "bytes=9-1", "bytes=99999999999999999999-", "x", "bytes=\u00e9"]
    for number, path in enumerate(random_paths(400) + odd):
        response = client.get(path, headers={"Range": ranges[number % len(ranges)]})

        assert response.status_code in (200, 206, 403, 404, 410, 416), path


def test_it_never_answers_500_whatever_the_path_on_a_real_server(ladder, django_server):
    for path in random_paths(150):
        # http.client refuses what is not a valid request target; a real client cannot send those either.
        safe = "".join(ch if 0x21 <= ord(ch) < 0x7F else f"%{ord(ch) & 0xFF:02X}" for ch in path)
        assert fetch(django_server.port, safe).status < 500, safe


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 100, None),
        ("bytes=0-0", 100, ByteRange(0, 0)),
        ("bytes=0-", 100, ByteRange(0, 99)),
        ("Bytes= 5 - 9 ", 100, ByteRange(5, 9)),
        ("bytes=-1", 100, ByteRange(99, 99)),
        ("bytes=-500", 100, ByteRange(0, 99)),
        ("bytes=99-1000000000000", 100, ByteRange(99, 99)),
        ("bytes=9-1", 100, None),
        ("bytes=0-1,3-4", 100, None),
        ("bytes=", 100, None),
        ("pages=0-1", 100, None),
    ],
)
def test_it_reads_a_range_header(header, size, expected):
    assert requested_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=100-", 100), ("bytes=-0", 100), ("bytes=0-", 0), ("bytes=-5", 0), ("bytes=9223372036854775808-", 100)],
)
def test_it_finds_a_range_unsatisfiable(header, size):
    with pytest.raises(RangeNotSatisfiable):
        requested_range(header, size)


def upload_ladder(ladder, bucket) -> None:
    for path in sorted(ladder.folder.rglob("*")):
        if path.is_file():
            key = f"{ladder.hls_prefix}/{path.relative_to(ladder.folder)}"
            bucket.client.put_object(Bucket=bucket.name, Key=key, Body=path.read_bytes())


def test_it_serves_from_s3_storage(client, ladder, s3_storage):
    upload_ladder(ladder, s3_storage)
    path = ladder.path(FREE, SEGMENT)

    whole = client.get(path)
    part = client.get(path, headers={"Range": "bytes=-1000"})
    missing = client.get(ladder.path(FREE, "160/seg_99999.m4s"))

    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == ladder.read(SEGMENT)
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == ladder.read(SEGMENT)[-1000:]
    assert missing.status_code == 404


def test_it_answers_503_when_the_storage_is_down(client, ladder, settings, s3_storage):
    # A real failure, not a mock: S3 storage pointed at a port where nothing listens.
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {
                **options,
                "endpoint_url": "http://127.0.0.1:9",
                "client_config": Config(retries={"max_attempts": 1}, connect_timeout=1),
            },
        },
    }

    response = client.get(ladder.path(FREE, SEGMENT))

    assert response.status_code == 503
    assert response.json()["error"]["status"] == 503
