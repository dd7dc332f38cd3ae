"""`POST /v1/me/player/events` with a bearer token, served in front of Django's request stack.

Every device that plays reports here, a batch every 15 to 30 seconds, so this is the API's busiest
write. Through Django a batch of 50 events cost a web process ~2.9 ms of CPU, and two thirds of it
was not the batch's own work: a thread started for the request, the middleware chain, DRF's
dispatch, the token's user loaded as a model instance (tests/benchmarks/bench_events.py). Here the
token is checked on the event loop, then one hop to a thread of a small pool reads the user's row
(the columns a batch records, nothing else) and stores the batch with the same service the view
calls (`reported_events_ingest`).

It answers exactly what the DRF view answers: the same authentication, in the same order, with
the same messages (apps.common.api.auth), the same parser, the same service, the same error shape;
tests/playback/test_events.py runs the endpoint's tests through both. What it does not take goes
to Django unchanged: other paths and methods, and requests without a bearer token (the web app's
session, which needs Django's session and CSRF checks; the browser sends a batch rarely enough).
"""

from __future__ import annotations

import io
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cache
from http import HTTPStatus

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions as drf
from rest_framework.parsers import JSONParser
from rest_framework.utils.mediatypes import media_type_matches

from apps.accounts.country import scope_proxy_country
from apps.accounts.models import User
from apps.common.api import auth
from apps.common.api.errors import api_exception_message, error_body
from apps.common.errors import ApplicationError
from apps.playback.events.services import IngestResult, Reporter, reported_events_ingest

logger = logging.getLogger("django.request")  # where Django logs the same refusals and failures

EVENTS_PATHS = frozenset({"/v1/me/player/events", "/v1/me/player/events/"})
# Threads that store batches, per process. Each holds a database connection while it works (a
# pooled one goes back to the pool after each batch), and more of them than the CPUs that run the
# database only queue there.
BATCH_THREADS = 4
_parser = JSONParser()


class PlayEventsCollector:
    """ASGI middleware: takes bearer-token batches of play events, hands everything else on."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in EVENTS_PATHS:
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])  # names arrive lower-cased (ASGI)
        try:
            raw_token = auth.bearer_token(headers.get(b"authorization", b""))
        except drf.AuthenticationFailed as error:
            return await _send_json(send, scope, 401, _refusal(error), www_authenticate=True)
        if raw_token is None:
            return await self.app(scope, receive, send)  # a session, or no credentials: Django's

        body = await _read_body(receive)
        if body is None:
            return None  # the client left, or the body passed its limit (RequestBodyLimitMiddleware answers)
        try:
            token = auth.validated_token(raw_token)
            result = await _store(
                user_id=auth.token_user_id(token),
                token=token,
                proxy_country=scope_proxy_country(scope),
                content_type=headers.get(b"content-type", b"").decode("latin-1"),
                body=body,
            )
        except drf.AuthenticationFailed as error:
            return await _send_json(send, scope, 401, _refusal(error), www_authenticate=True)
        except drf.APIException as error:  # the parser's 400 and 415
            return await _send_json(send, scope, error.status_code, _refusal(error))
        except ApplicationError as error:
            refusal = error_body(error.status, error.message, error.reason, **error.extra)
            return await _send_json(send, scope, error.status, refusal)
        except Exception:
            logger.exception("Internal Server Error: %s", scope["path"])
            return await _send_json(send, scope, 500, error_body(500, "Internal server error."))
        return await _send_json(send, scope, 200, result)


def _refusal(error: drf.APIException) -> dict:
    return error_body(error.status_code, api_exception_message(error))


async def _read_body(receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _security_headers(scope) -> list[tuple[bytes, bytes]]:
    """What Django's security and clickjacking middleware add to every response of the view."""
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", settings.SECURE_REFERRER_POLICY.encode()),
        (b"cross-origin-opener-policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY.encode()),
        (b"x-frame-options", settings.X_FRAME_OPTIONS.encode()),
    ]
    if settings.SECURE_HSTS_SECONDS and _is_secure(scope):
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers.append((b"strict-transport-security", hsts.encode()))
    return headers


def _is_secure(scope) -> bool:
    """As `HttpRequest.is_secure()`: https, or the trusted proxy's header saying so."""
    if settings.SECURE_PROXY_SSL_HEADER:
        name, expected = settings.SECURE_PROXY_SSL_HEADER
        header = name.removeprefix("HTTP_").lower().replace("_", "-").encode("latin-1")
        value = dict(scope["headers"]).get(header)
        if value is not None:
            return value.decode("latin-1").split(",")[0].strip() == expected
    return scope.get("scheme") == "https"


async def _send_json(send, scope, status: int, document, *, www_authenticate=False) -> None:
    if 400 <= status < 500:
        logger.warning("%s: %s", HTTPStatus(status).phrase, scope["path"])
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *_security_headers(scope),
    ]
    if www_authenticate:
        headers.append((b"www-authenticate", auth.www_authenticate()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@cache
def _threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=BATCH_THREADS, thread_name_prefix="play-events")


async def _store(**request) -> IngestResult:
    return await sync_to_async(_store_in_thread, thread_sensitive=False, executor=_threads())(**request)


def _store_in_thread(*, user_id, token, proxy_country, content_type, body) -> IngestResult:
    try:
        reporter = _reporter(user_id, token, proxy_country)
        document = _parse(content_type, body)
        if not isinstance(document, dict):
            raise ApplicationError('The body must be a JSON object: {"events": [...]}.')
        return reported_events_ingest(reporter=reporter, events=document.get("events"))
    finally:
        _release_connection()


def _reporter(user_id, token, proxy_country: str | None) -> Reporter:
    """The user's row, refused as BearerAuthentication refuses it."""
    with connection.cursor() as cursor:
        cursor.execute(_reporter_sql(), [user_id])
        row = cursor.fetchone()
    found = row is not None
    pk, is_active, country, product, private_session_until, share_activity, password = row or (None,) * 7
    auth.user_checks(token, found=found, is_active=is_active, password=password)
    return Reporter(
        user_id=pk,
        country=proxy_country or country or settings.DEFAULT_COUNTRY,
        product=product,
        private_session_until=_aware(private_session_until),
        share_activity=bool(share_activity),
    )


def _aware(value: datetime | str | None) -> datetime | None:
    """A datetime column as Django reads it: SQLite hands back naive UTC text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


@cache
def _reporter_sql() -> str:
    """One row of the user table by the token's id field; identifiers from the model, quoted."""
    quote = connection.ops.quote_name
    meta = User._meta
    names = ("id", "is_active", "country", "product", "private_session_until", "share_activity", "password")
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    key = quote(meta.get_field(auth.USER_ID_FIELD).column)
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {key} = %s"  # noqa: S608 (identifiers, quoted)


def _parse(content_type: str, body: bytes):
    """The body as DRF's JSONParser reads it for the view: 415 for another media type, 400 for
    broken JSON (NaN and Infinity included), an empty body as an empty object."""
    if not body:
        return {}
    if not media_type_matches(_parser.media_type, content_type):
        raise drf.UnsupportedMediaType(content_type)
    return _parser.parse(io.BytesIO(body), parser_context={"encoding": _charset(content_type)})


def _charset(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return settings.DEFAULT_CHARSET


def _release_connection() -> None:
    """A pooled connection goes back to the pool after each batch, for the process's other
    requests. Any other connection (the embedded mode's SQLite, which costs more to open than a
    batch costs to store) stays with its thread for the next batch, unless it broke."""
    if getattr(connection, "pool", None) is not None:
        connection.close()
    elif connection.connection is not None and connection.errors_occurred:
        if connection.is_usable():
            connection.errors_occurred = False
        else:
            connection.close()
