"""`POST /v1/me/player/events` with a bearer token, served in front of Django's request stack.

Every device that plays reports here, a batch every 15 to 30 seconds, so this is the API's busiest
write. Through Django a batch of 50 events cost a web process ~2.9 ms of CPU, and two thirds of it
was not the batch's own work: a thread started for the request, the middleware chain, DRF's
dispatch, the token's user loaded as a model instance (tests/benchmarks/bench_events.py). Here the
token is checked on the event loop, then one hop to a thread of a small pool reads the user's row
(the columns a batch records, nothing else) and stores the batch with the same service the view
calls (`reported_events_ingest`).

It answers what the DRF view answers, step for step: Django's own request object reads the headers
(repeats joined, underscored names dropped) and checks the host; DRF's negotiation, parser and
renderer, configured from the view, decide 406, 415, 400 and the JSON; simplejwt's own steps
refuse a token (apps.common.api.auth), in DRF's order; the headers MIDDLEWARE adds are added by
the same middleware. tests/playback/test_events_collector.py sends each kind of request through
the collector and through Django alone and compares the answers. What it does not take goes to
Django unchanged: other paths and methods, requests without a bearer token (the web app's
session, which needs Django's session and CSRF checks), and a request for the browsable API.
"""

from __future__ import annotations

import io
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cache

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.log import log_response
from rest_framework import exceptions as drf
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from apps.accounts.country import proxy_country
from apps.accounts.models import User
from apps.common import http
from apps.common.api import auth
from apps.common.api.errors import exception_handler
from apps.common.errors import ApplicationError
from apps.playback.events.api import PlayEventsView
from apps.playback.events.services import IngestResult, Reporter, reported_events_ingest

security_logger = logging.getLogger("django.security.DisallowedHost")

EVENTS_PATHS = frozenset({"/v1/me/player/events", "/v1/me/player/events/"})
# Threads that store batches, per process. Each holds a database connection while it works (a
# pooled one goes back to the pool after each batch), and more of them than the CPUs that run the
# database only queue there.
BATCH_THREADS = 4


class PlayEventsCollector:
    """ASGI middleware: takes bearer-token batches of play events, hands everything else on."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in EVENTS_PATHS:
            return await self.app(scope, receive, send)
        # Django answers with its debug pages when DEBUG is on; and a request with cookies may
        # have them renewed (a malformed CSRF cookie is replaced): bearer clients send none.
        if settings.DEBUG or any(name == b"cookie" for name, _ in scope["headers"]):
            return await self.app(scope, receive, send)
        try:
            # Django's own request object for the headers: repeated ones joined, names with an
            # underscore dropped (spoofing), exactly as the view would see them.
            request = ASGIRequest(scope, io.BytesIO())
        except UnicodeDecodeError:
            return await self.app(scope, receive, send)  # a query string that is not UTF-8: Django's 400
        try:
            request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it before any view
        except DisallowedHost as error:
            security_logger.error(str(error), exc_info=error, extra={"status_code": 400, "request": request})
            return await _send(send, request, http.bad_request(request, error), refused_host=True)
        try:
            raw_token = auth.bearer_token(request)
        except drf.AuthenticationFailed as error:
            raw_token = error  # "Bearer" but malformed: ours, refused in DRF's order below
        if raw_token is None:
            return await self.app(scope, receive, send)  # a session, or no credentials: Django's

        body = await _read_body(receive)
        if body is None:
            return None  # the client left, or the body passed its limit (RequestBodyLimitMiddleware answers)
        request = ASGIRequest(scope, io.BytesIO(body))
        view = PlayEventsView()
        view.format_kwarg = None  # no format suffix on this route
        drf_request = Request(request, parsers=view.get_parsers(), negotiator=view.get_content_negotiator())
        renderer = view.get_renderers()[0]
        media_type = renderer.media_type  # DRF's forced choice, for a 406 or a refused ?format=
        try:
            # First, as in DRF: the answer's form (406 when none is acceptable, 404 for ?format=).
            renderer, media_type = view.perform_content_negotiation(drf_request)
            if not isinstance(renderer, JSONRenderer):  # the browsable API
                return await self.app(scope, _replay(body, receive), send)
            if isinstance(raw_token, Exception):
                raise raw_token
            token = auth.validated_token(raw_token)
            result = await sync_to_async(_store, thread_sensitive=False, executor=_threads())(token, drf_request)
            response = _answer(view, renderer, media_type, 200, result)
        except Exception as error:
            response = _refusal(view, renderer, media_type, drf_request, error)
        return await _send(send, request, response)


def _answer(view, renderer, media_type: str, status: int, document, headers=()) -> HttpResponse:
    """A document as DRF renders it for the view: its renderer, the accepted media type (which may
    ask for indenting), the view's default headers."""
    response = HttpResponse(renderer.render(document, media_type), status=status, content_type=renderer.media_type)
    for name, value in [*view.default_response_headers.items(), *headers]:
        response[name] = value
    return response


def _refusal(view, renderer, media_type: str, drf_request: Request, error: Exception) -> HttpResponse:
    """An exception answered as the view answers it: the project's exception handler, the
    WWW-Authenticate challenge a 401 carries, and Django's 500 for anything it does not handle."""
    if isinstance(error, drf.NotAuthenticated | drf.AuthenticationFailed):
        error.auth_header = auth.www_authenticate()  # as APIView.handle_exception sets it
    handled = exception_handler(error, {"view": view, "request": drf_request})
    if handled is None:
        request = drf_request._request
        response = http.server_error(request)
        log_response(
            "%s: %s", "Internal Server Error", request.path, response=response, request=request, exception=error
        )
        return response
    # The handler's headers (WWW-Authenticate, say), but not the placeholder type of a Response
    # not rendered yet.
    headers = [(name, value) for name, value in handled.items() if name.lower() != "content-type"]
    return _answer(view, renderer, media_type, handled.status_code, handled.data, headers)


def _replay(body: bytes, receive):
    """The body already read, for the application behind; then the connection's own messages."""
    replayed = False

    async def replaying():
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replaying


async def _read_body(receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


@cache
def _security() -> SecurityMiddleware:
    return SecurityMiddleware(HttpResponse)


@cache
def _frame_options() -> XFrameOptionsMiddleware:
    return XFrameOptionsMiddleware(HttpResponse)


async def _send(send, request, response: HttpResponse, *, refused_host: bool = False) -> None:
    """Sends an answer with what MIDDLEWARE adds to the view's: X-Frame-Options and
    Content-Length (CommonMiddleware), then the security headers. A host refused by CommonMiddleware
    gets only the security middleware's, which is outside it."""
    if not refused_host:
        response = _frame_options().process_response(request, response)
        response["Content-Length"] = str(len(response.content))
    response = _security().process_response(request, response)
    if response.status_code >= 400:
        log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.items()]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})


@cache
def _threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=BATCH_THREADS, thread_name_prefix="play-events")


def _store(token, request: Request) -> IngestResult:
    """In a thread, in the view's order: the token's user (401), the body (400, 415), the batch."""
    try:
        reporter = _reporter(token, request)
        document = request.data
        if not isinstance(document, dict):
            raise ApplicationError('The body must be a JSON object: {"events": [...]}.')
        return reported_events_ingest(reporter=reporter, events=document.get("events"))
    finally:
        _release_connection()


def _reporter(token, request: Request) -> Reporter:
    """The token's user, refused as BearerAuthentication refuses it, as the batch records them."""
    with connection.cursor() as cursor:
        cursor.execute(_reporter_sql(), [auth.token_user_id(token)])
        row = cursor.fetchone()
    pk, is_active, country, product, private_session_until, share_activity, password = row or (None,) * 7
    auth.user_checks(token, found=row is not None, is_active=is_active, password=password)
    return Reporter(
        user_id=pk,
        country=proxy_country(request.META) or country or settings.DEFAULT_COUNTRY,
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


def _release_connection() -> None:
    """After each batch, as Django after each request, except that the embedded mode's SQLite
    connection stays with its thread: opening one costs more than storing a batch, and a file
    cannot be pooled. Any other goes: back to the pool, or closed (CONN_MAX_AGE=0, as ASGI needs)."""
    if connection.vendor != "sqlite":
        connection.close()
    elif connection.errors_occurred:
        connection.close()
