"""Django's own answer to a stream URL, `/stream/<signature>/<expires>/<asset>/<file>`.

The embedded mode serves stream files from here; behind the nginx edge (docker/nginx/) these
views are never reached for a valid URL, and they are the reference the edge is tested against:
the same refusals in the same order (signing.verify()), the same ranges, headers and error bodies.

The signature is the authorisation, so nothing here touches the database, the session or the user.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from apps.common.api.errors import json_error
from apps.playback.streaming import signing
from apps.playback.streaming.serving import (
    ByteRange,
    RangeNotSatisfiable,
    async_chunks_of,
    chunks_of,
    open_stored,
    requested_range,
)

logger = logging.getLogger(__name__)

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
MESSAGES = {
    403: "This stream URL does not grant this file.",
    404: "No such stream file.",
    405: "Method not allowed.",
    410: "This stream URL has expired; ask for a new one.",
    416: "Range not satisfiable.",
    503: "The stream storage is unavailable; try again.",
}
REFUSALS = {signing.Verdict.FORBIDDEN: 403, signing.Verdict.EXPIRED: 410, signing.Verdict.NOT_FOUND: 404}
# Playlists are re-read within a minute; init and media segments never change under their names
# (a re-ingest publishes a new attempt), so players and caches keep them.
PLAYLIST = ("application/vnd.apple.mpegurl", "public, max-age=60")
MEDIA = ("audio/mp4", "public, max-age=31536000, immutable")


# CSRF protects state changes made with a browser's cookies; these views change nothing and read no
# cookie, and a POST must get the same JSON 405 from here as from nginx, not the CSRF page.
@csrf_exempt
def stream_file(request: HttpRequest, sig: str, expires: str, asset: str, file: str) -> HttpResponseBase:
    return _with_cors(_stream_file(request, (sig, expires, asset, file)))


@csrf_exempt
def stream_not_found(request: HttpRequest, rest: str = "") -> HttpResponseBase:
    """Anything else under /stream/: the API's JSON 404, not the site's HTML page."""
    if request.method == "OPTIONS":
        return _with_cors(_preflight())
    return _with_cors(_error(404))


def _stream_file(request: HttpRequest, decoded_parts: tuple[str, str, str, str]) -> HttpResponseBase:
    if request.method == "OPTIONS":
        return _preflight()
    if request.method not in ("GET", "HEAD"):
        response = _error(405)
        response["Allow"] = ALLOWED_METHODS
        return response
    parts = _parts_as_sent(request, decoded_parts)
    if parts is None:
        return _error(404)
    verdict, asset = signing.verify(*parts)
    if verdict is not signing.Verdict.OK:
        return _error(REFUSALS[verdict])
    file = parts[3]
    content_type, cache_control = PLAYLIST if file.endswith(".m3u8") else MEDIA
    return _serve(request, signing.origin_key(asset, file), content_type=content_type, cache_control=cache_control)


def _parts_as_sent(request: HttpRequest, decoded: tuple[str, str, str, str]) -> tuple[str, str, str, str] | None:
    """The four parts as the client wrote them, which is what nginx judges: `160%2Fseg_00000.m4s`
    or `%2e%2e` names no file there, so neither does it here. ASGI servers pass the undecoded path
    (`raw_path`); under WSGI, and in Django's test client, only the decoded one exists."""
    raw_path = getattr(request, "scope", {}).get("raw_path")
    if not raw_path:
        return decoded
    raw = raw_path.decode("latin-1")
    prefix = request.path[: len(request.path) - len("/".join(decoded))]  # "/stream/"
    if not raw.startswith(prefix):
        return None  # the prefix itself was escaped
    parts = raw[len(prefix) :].split("/", 3)
    if len(parts) != 4 or not all(parts):
        return None  # an escaped slash hid a separator
    return parts[0], parts[1], parts[2], parts[3]


def _serve(request: HttpRequest, key: str, *, content_type: str, cache_control: str) -> HttpResponseBase:
    try:
        stored = open_stored(key)
    except Exception:
        # Not the request's fault (a storage outage): say so, and keep the traceback.
        logger.exception("stream storage failed for %s", key)
        return _error(503)
    if stored is None:
        return _error(404)
    try:
        # If-Range names a validator of some earlier response; none of ours can match it, so the
        # whole file is the answer RFC 9110 prescribes.
        header = None if "If-Range" in request.headers else request.headers.get("Range")
        byte_range = requested_range(header, stored.size)
    except RangeNotSatisfiable:
        stored.close()
        response = _error(416)
        response["Content-Range"] = f"bytes */{stored.size}"
        return response
    whole = byte_range is None
    if whole:
        byte_range = ByteRange(0, stored.size - 1)
    status = 200 if whole else 206
    if request.method == "HEAD":
        stored.close()
        response = HttpResponse(status=status, content_type=content_type)
    else:
        chunks = async_chunks_of if isinstance(request, ASGIRequest) else chunks_of
        response = StreamingHttpResponse(chunks(stored, byte_range), status=status, content_type=content_type)
    response["Content-Length"] = str(byte_range.length)
    if not whole:
        response["Content-Range"] = byte_range.content_range(stored.size)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    return response


def _preflight() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = "Range"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _error(status: int) -> HttpResponse:
    return json_error(status, MESSAGES[status])


def _with_cors(response: HttpResponseBase) -> HttpResponseBase:
    # Errors carry it too: a player must be able to read a 410 to know it should ask for a new URL.
    response["Access-Control-Allow-Origin"] = settings.STREAM_CORS_ALLOW_ORIGIN
    if response.status_code < 300:
        response["Access-Control-Expose-Headers"] = "Content-Length, Content-Range, Accept-Ranges"
    return response
