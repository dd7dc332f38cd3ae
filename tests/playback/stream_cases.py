"""One table of stream requests and the answers both servers owe: the nginx edge
(test_nginx.py) and the Django fallback on a real ASGI server (test_stream_serving.py) run it.

Left out on purpose, because the two differ there (and each file tests its own behaviour):
a malformed Range header (Django sends the whole file, as RFC 9110 allows; nginx answers 416),
and X-Cache-Status, which only a cache has.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from apps.playback.streaming import signing
from apps.playback.streaming.views import MESSAGES
from tests.playback.conftest import Ladder, Reply

FREE, PREMIUM = 160, 320
SEGMENT = "160/seg_00000.m4s"
PLAYLIST_TYPE, MEDIA_TYPE = "application/vnd.apple.mpegurl", "audio/mp4"
PLAYLIST_CACHE, MEDIA_CACHE = "public, max-age=60", "public, max-age=31536000, immutable"

MEDIA_OK = {"Content-Type": MEDIA_TYPE, "Cache-Control": MEDIA_CACHE, "Access-Control-Allow-Origin": "*"}
PLAYLIST_OK = {"Content-Type": PLAYLIST_TYPE, "Cache-Control": PLAYLIST_CACHE, "Access-Control-Allow-Origin": "*"}

Request = tuple[str, str, dict[str, str]]  # method, path as sent, headers


@dataclass(frozen=True)
class Case:
    id: str
    request: Callable[[Ladder, Ladder], Request]
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Callable[[Ladder], bytes] | None = None  # the exact bytes owed, where it matters
    span: Callable[[int], tuple[int, int]] | None = None  # a 206's first and last byte, given the size


def get(path: str, **headers: str) -> Request:
    return "GET", path, {name.replace("_", "-"): value for name, value in headers.items()}


def free_path(ladder: Ladder, file: str = SEGMENT) -> str:
    return ladder.path(FREE, file)


def with_parts(ladder: Ladder, file: str = SEGMENT, **parts: str) -> str:
    """A free-tier URL with some of its parts replaced, as a forger or a broken client sends it."""
    expires = signing.new_expiry()
    asset = ladder.asset(FREE).name
    values = {"sig": signing.signature(asset, expires), "expires": str(expires), "asset": asset, "file": file}
    values.update(parts)
    return "/stream/{sig}/{expires}/{asset}/{file}".format(**values)


def tampered(signature: str) -> str:
    # The first character: the last one of 22 base64url characters carries two unused bits, so
    # nginx decodes four spellings of it to the same 16 bytes (Django compares the text).
    return ("B" if signature[0] != "B" else "C") + signature[1:]


def expired_path(ladder: Ladder) -> str:
    return ladder.path(FREE, SEGMENT, expires=int(time.time()) - 5)  # a past expiry: no waiting


def size(ladder: Ladder) -> int:
    return len(ladder.read(SEGMENT))


def segment_part(span: Callable[[int], tuple[int, int]]) -> Callable[[Ladder], bytes]:
    def part(ladder: Ladder) -> bytes:
        whole = ladder.read(SEGMENT)
        first, last = span(len(whole))
        return whole[first : last + 1]

    return part


def ranged(range_header: str, span: Callable[[int], tuple[int, int]]) -> dict:
    """A 206 case's request builder, headers, body and span."""
    return {
        "request": lambda a, b: get(free_path(a), Range=range_header),
        "status": 206,
        "headers": MEDIA_OK,
        "body": segment_part(span),
        "span": span,
    }


ERROR = {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}


CASES = [
    # What a player fetches.
    Case(
        "free master",
        lambda a, b: get(free_path(a, "master.m3u8")),
        200,
        PLAYLIST_OK,
        lambda a: a.read("master-160.m3u8"),
    ),
    Case("premium master", lambda a, b: get(a.path(PREMIUM)), 200, PLAYLIST_OK, lambda a: a.read("master-320.m3u8")),
    Case(
        "variant playlist",
        lambda a, b: get(free_path(a, "160/index.m3u8")),
        200,
        PLAYLIST_OK,
        lambda a: a.read("160/index.m3u8"),
    ),
    Case(
        "init segment",
        lambda a, b: get(free_path(a, a.init_file(160))),
        200,
        MEDIA_OK,
        lambda a: a.read(a.init_file(160)),
    ),
    Case(
        "media segment",
        lambda a, b: get(free_path(a)),
        200,
        {**MEDIA_OK, "Accept-Ranges": "bytes"},
        lambda a: a.read(SEGMENT),
    ),
    Case(
        "lower rung on a premium token",
        lambda a, b: get(a.path(PREMIUM, a.init_file(96))),
        200,
        MEDIA_OK,
        lambda a: a.read(a.init_file(96)),
    ),
    Case(
        "a query string is ignored",
        lambda a, b: get(free_path(a) + "?player=web"),
        200,
        MEDIA_OK,
        lambda a: a.read(SEGMENT),
    ),
    Case("head", lambda a, b: ("HEAD", free_path(a), {}), 200, {**MEDIA_OK, "Accept-Ranges": "bytes"}, lambda a: b""),
    Case(
        "cors preflight",
        lambda a, b: (
            "OPTIONS",
            free_path(a),
            {
                "Origin": "https://player.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "range",
            },
        ),
        204,
        {
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
            "Access-Control-Allow-Headers": "Range",
        },
    ),
    # Ranges (RFC 9110, section 14).
    Case("range", **ranged("bytes=0-99", lambda size: (0, 99))),
    Case("open-ended range", **ranged("bytes=100-", lambda size: (100, size - 1))),
    Case("suffix range", **ranged("bytes=-100", lambda size: (size - 100, size - 1))),
    Case("huge end is clamped", **ranged("bytes=10-99999999999999", lambda size: (10, size - 1))),
    Case("suffix longer than the file", **ranged("bytes=-99999999", lambda size: (0, size - 1))),
    Case(
        "multi-range gets the whole file",
        lambda a, b: get(free_path(a), Range="bytes=0-1,5-6"),
        200,
        MEDIA_OK,
        lambda a: a.read(SEGMENT),
    ),
    Case("range past the end", lambda a, b: get(free_path(a), Range=f"bytes={size(a)}-"), 416),
    Case("empty suffix", lambda a, b: get(free_path(a), Range="bytes=-0"), 416),
    Case("offset beyond 64 bits", lambda a, b: get(free_path(a), Range="bytes=0-99999999999999999999"), 416),
    # Refused: 403 for what the signature does not grant, 410 for an expired one.
    Case("tampered signature", lambda a, b: get(with_parts(a, sig=tampered(free_path(a).split("/")[2]))), 403, ERROR),
    Case("malformed signature", lambda a, b: get(with_parts(a, sig="short")), 403, ERROR),
    Case("escaped signature", lambda a, b: get(with_parts(a, sig="%41" + free_path(a).split("/")[2][1:])), 403, ERROR),
    Case("malformed expiry", lambda a, b: get(with_parts(a, expires="soon")), 403, ERROR),
    Case(
        "later expiry than signed",
        lambda a, b: get(with_parts(a, expires=str(signing.new_expiry() + 3600))),
        403,
        ERROR,
    ),
    Case("expired", lambda a, b: get(expired_path(a)), 410, ERROR),
    Case("expired and tampered", lambda a, b: get(tampered_expired(a)), 403, ERROR),
    Case("token of one asset on another", lambda a, b: get(with_parts(a, asset=b.asset(FREE).name)), 403, ERROR),
    Case("free token on a 320 file", lambda a, b: get(free_path(a, "320/seg_00000.m4s")), 403, ERROR),
    Case("free token on a 320 playlist", lambda a, b: get(free_path(a, "320/index.m3u8")), 403, ERROR),
    # Not found: 404 for anything outside the ladder, however it is spelled.
    Case(
        "unknown asset",
        lambda a, b: get(
            signing.signed_path(
                signing.Asset("A" * 22, "nosuchattempt", FREE), expires=signing.new_expiry(), file=SEGMENT
            )
        ),
        404,
        ERROR,
    ),
    Case(
        "asset name of another shape",
        lambda a, b: get(
            signing.signed_path(signing.Asset("short", "x", FREE), expires=signing.new_expiry(), file=SEGMENT)
        ),
        404,
        ERROR,
    ),
    Case("segment past the last", lambda a, b: get(free_path(a, "160/seg_99999.m4s")), 404, ERROR),
    Case("rung outside the ladder", lambda a, b: get(free_path(a, "128/index.m3u8")), 404, ERROR),
    Case("not a ladder file", lambda a, b: get(free_path(a, "160/index.m3u8.bak")), 404, ERROR),
    Case("per-tier master by its storage name", lambda a, b: get(free_path(a, "master-160.m3u8")), 404, ERROR),
    Case("dot-dot", lambda a, b: get(free_path(a, "160/../../masters/song.flac")), 404, ERROR),
    Case("dot-dot into another rung", lambda a, b: get(free_path(a, "160/../320/seg_00000.m4s")), 404, ERROR),
    Case("escaped dot-dot", lambda a, b: get(free_path(a, "%2e%2e%2f%2e%2e%2fmasters%2fsong.flac")), 404, ERROR),
    Case("escaped slash", lambda a, b: get(free_path(a, "160%2Fseg_00000.m4s")), 404, ERROR),
    Case("escaped letter", lambda a, b: get(free_path(a, "160/seg_0000%30.m4s")), 404, ERROR),
    Case("double slash", lambda a, b: get(free_path(a, "/160/seg_00000.m4s")), 404, ERROR),
    Case("too few parts", lambda a, b: get("/".join(free_path(a).split("/")[:5])), 404, ERROR),
    Case("the bare prefix", lambda a, b: get("/stream/"), 404, ERROR),
    Case(
        "a post",
        lambda a, b: ("POST", free_path(a), {"Content-Length": "0"}),
        405,
        {**ERROR, "Allow": "GET, HEAD, OPTIONS"},
    ),
]


def tampered_expired(ladder: Ladder) -> str:
    parts = expired_path(ladder).split("/")
    parts[2] = tampered(parts[2])
    return "/".join(parts)


def check(case: Case, reply: Reply, ladder: Ladder) -> None:
    """Assert that `reply` is what `case` owes."""
    method = case.request(ladder, ladder)[0]
    assert reply.status == case.status, (case.id, reply.status, reply.body[:200])
    for name, value in case.headers.items():
        assert reply.header_values(name) == [value], (case.id, name, reply.header_values(name))
    if case.body is not None:
        assert reply.body == case.body(ladder), (case.id, len(reply.body))
    if case.status in (200, 206):
        whole = len(ladder.read(SEGMENT)) if method == "HEAD" else len(reply.body)
        assert reply.header("Content-Length") == str(whole), case.id
    if case.span is not None:
        first, last = case.span(size(ladder))
        assert reply.header("Content-Range") == f"bytes {first}-{last}/{size(ladder)}", case.id
    if case.status == 416:
        assert reply.header("Content-Range") == f"bytes */{size(ladder)}", case.id
    if case.status in (403, 404, 405, 410):
        assert reply.json() == {"error": {"status": case.status, "message": MESSAGES[case.status]}}, case.id
