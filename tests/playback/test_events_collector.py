"""`POST /v1/me/player/events` through the ASGI application, where bearer-token batches are stored
by the collector in front of Django (apps/playback/events/collector.py).

The endpoint's tests of test_events.py run here again with clients that go through the whole
application, so the collector must answer everything the DRF view answers; then what only the
collector decides: which requests it takes, the token's every refusal, the reporter's row.

Transactional: the collector stores in a thread of its own, with its own connection, which sees
only what is committed.
"""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.accounts.models import Product
from apps.catalog.uploads import request_limit_for
from apps.common.asgi import RequestBodyLimitMiddleware
from apps.playback.events import collector
from apps.playback.events.api import PlayEventsView
from apps.playback.events.collector import PlayEventsCollector
from apps.playback.models import PlayEvent
from tests.asgi_requests import AsgiApiClient, AsgiResponse, asgi_request, http_scope
from tests.asyncrun import run_async
from tests.factories import UserFactory

# The endpoint's tests, collected here a second time with this module's clients.
from tests.playback import test_events
from tests.playback.test_events import (  # noqa: F401 (collected again here, with this module's fixtures)
    EVENTS_URL,
    event,
    test_it_answers_a_retried_post_with_duplicates,
    test_it_answers_the_result_of_a_batch,
    test_it_records_the_country_and_product_of_the_request,
    test_it_refuses_a_body_that_is_not_json,
    test_it_refuses_a_malformed_batch,
    test_it_refuses_an_oversized_batch_naming_the_bound,
    test_it_refuses_anonymous_clients,
    test_it_refuses_other_methods,
    test_it_takes_a_full_batch_of_100,
)

pytestmark = pytest.mark.django_db(transaction=True)

track = test_events.track  # the same fixture, under its name, for the tests collected again


def asgi_client_for(user=None) -> AsgiApiClient:
    return AsgiApiClient(str(RefreshToken.for_user(user).access_token) if user is not None else None)


@pytest.fixture
def client_for():
    return asgi_client_for


@pytest.fixture
def api(listener):
    return asgi_client_for(listener)


@pytest.fixture
def anon():
    return AsgiApiClient()


def post_with(authorization: str, body: dict) -> tuple[int, dict[str, str], dict]:
    client = AsgiApiClient()
    client.authorization = authorization
    response = client.post(EVENTS_URL, body, "json")
    return response.status_code, response.headers, response.json()


# --- What it takes, and what it hands to Django ------------------------------------------------


def _served_by(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> str:
    """Which of the two answered: the collector, or the application behind it (a stand-in for
    Django that answers 299, so the test sees who served without any database)."""

    async def behind(scope, receive, send):
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message):
        sent.append(message)

    run_async(PlayEventsCollector(behind)(http_scope(method, path, headers), receive, send))
    return "django" if sent[0]["status"] == 299 else "collector"


@pytest.mark.parametrize(
    ("method", "path", "authorization", "served_by"),
    [
        ("POST", EVENTS_URL, b"Bearer not-a-token", "collector"),
        ("POST", EVENTS_URL + "/", b"Bearer not-a-token", "collector"),
        ("POST", EVENTS_URL, b"Bearer a b", "collector"),  # malformed: refused as DRF refuses it
        ("POST", EVENTS_URL, None, "django"),  # the web app's session, or nobody
        ("POST", EVENTS_URL, b"Basic dXNlcjpwdw==", "django"),  # another scheme
        ("GET", EVENTS_URL, b"Bearer not-a-token", "django"),
        ("POST", "/v1/me/player/events/x", b"Bearer not-a-token", "django"),
        ("POST", "/v1/me/player/recently-played", b"Bearer not-a-token", "django"),
    ],
)
def test_it_takes_only_bearer_posts_of_events(method, path, authorization, served_by):
    headers = [(b"content-type", b"application/json")]
    if authorization is not None:
        headers.append((b"authorization", authorization))

    assert _served_by(method, path, headers) == served_by


# --- The token's refusals ------------------------------------------------------------------


def test_it_refuses_a_bad_or_malformed_token_and_stores_nothing(track):
    refused = [
        post_with("Bearer not-a-token", {"events": [event(track)]}),
        post_with("Bearer a b", {"events": [event(track)]}),
        post_with("Bearer " + str(RefreshToken.for_user(UserFactory())), {"events": [event(track)]}),  # a refresh token
    ]

    for status, headers, body in refused:
        assert status == 401
        assert headers["www-authenticate"] == 'Bearer realm="api"'
        assert body["error"]["status"] == 401 and body["error"]["message"]
    assert refused[1][2]["error"]["message"] == "Authorization header must contain two space-delimited values"
    assert not PlayEvent.objects.exists()


def test_it_refuses_an_expired_token(track):
    token = AccessToken.for_user(UserFactory())
    token.set_exp(lifetime=-timedelta(seconds=1))

    status, _, body = post_with(f"Bearer {token}", {"events": [event(track)]})

    assert status == 401
    assert body["error"]["message"] == "Given token not valid for any token type"
    assert not PlayEvent.objects.exists()


def test_it_refuses_the_token_of_a_user_deleted_or_deactivated_since(track):
    deleted, inactive = UserFactory(), UserFactory()
    deleted_token = str(RefreshToken.for_user(deleted).access_token)
    inactive_token = str(RefreshToken.for_user(inactive).access_token)
    deleted.delete()
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])

    gone = post_with(f"Bearer {deleted_token}", {"events": [event(track)]})
    off = post_with(f"Bearer {inactive_token}", {"events": [event(track)]})

    assert (gone[0], gone[2]["error"]["message"]) == (401, "User not found")
    assert (off[0], off[2]["error"]["message"]) == (401, "User is inactive")
    assert not PlayEvent.objects.exists()


def test_an_unknown_user_is_refused_before_a_broken_body_is_read(track):
    """The view's order: authentication first, so a stranger learns nothing from the body."""
    user = UserFactory()
    token = str(RefreshToken.for_user(user).access_token)
    user.delete()
    client = AsgiApiClient(token)

    response = client.post(EVENTS_URL, '{"events": [', content_type="application/json")

    assert response.status_code == 401


# --- The reporter's row ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("private_session", "share_activity", "private"),
    [
        (timedelta(hours=1), True, True),  # in a private session
        (-timedelta(hours=1), True, False),  # a private session that has ended
        (None, False, True),  # not sharing activity
        (None, True, False),
    ],
)
def test_it_records_a_private_session_as_the_view_does(track, private_session, share_activity, private):
    until = timezone.now() + private_session if private_session is not None else None
    user = UserFactory(private_session_until=until, share_activity=share_activity)

    response = asgi_client_for(user).post(EVENTS_URL, {"events": [event(track)]}, "json")

    assert response.json()["accepted"] == 1
    assert PlayEvent.objects.get().private is private


def test_it_records_the_profiles_country_and_product(track):
    user = UserFactory(country="NO", product=Product.PREMIUM)

    asgi_client_for(user).post(EVENTS_URL, {"events": [event(track)]}, "json")

    assert PlayEvent.objects.values_list("user", "country", "product").get() == (user.pk, "NO", "premium")


def test_an_untrusted_country_header_is_ignored(track, settings):
    settings.COUNTRY_HEADER = "X-Country"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]  # not the test client's 127.0.0.1
    user = UserFactory(country="SE")

    asgi_client_for(user).post(EVENTS_URL, {"events": [event(track)]}, "json", HTTP_X_COUNTRY="JP")

    assert PlayEvent.objects.values_list("country", flat=True).get() == "SE"


# --- The same answers as Django's, request for request -------------------------------------


def _django_alone():
    """What served the endpoint before the collector: the body limit, then Django."""
    from streamify.asgi import django_asgi_app

    return RequestBodyLimitMiddleware(django_asgi_app, max_body_bytes=request_limit_for)


def _collector_before_django(served: list[str]):
    """The application's composition (streamify.asgi), noting each request Django is handed."""
    from streamify.asgi import django_asgi_app

    async def django(scope, receive, send):
        served.append("django")
        await django_asgi_app(scope, receive, send)

    return RequestBodyLimitMiddleware(PlayEventsCollector(django), max_body_bytes=request_limit_for)


def _fixed(headers: dict[str, str]) -> dict[str, str]:
    """Headers with a new cookie's random value left out (a renewed CSRF cookie)."""
    if "set-cookie" in headers:
        headers = {**headers, "set-cookie": headers["set-cookie"].partition("=")[0]}
    return headers


COLLECTOR, DJANGO = "collector", "django"
BATCH = '{"events": {events}}'
JSON_TYPE = (b"content-type", b"application/json")
# One kind of request each: its headers ("{token}" and "{other}" stand for two users' bearer
# tokens), query string, body ("{events}" for a batch of one good event), and who answers it.
CASES = {
    "a batch": ([b"Bearer {token}", JSON_TYPE], b"", BATCH, COLLECTOR),
    "another scheme, then a bearer token": ([b"Basic dXNlcjpwdw==", b"Bearer {token}", JSON_TYPE], b"", BATCH, DJANGO),
    "two bearer tokens": ([b"Bearer {other}", b"Bearer {token}", JSON_TYPE], b"", BATCH, COLLECTOR),
    "a malformed bearer header": ([b"Bearer a b", JSON_TYPE], b"", BATCH, COLLECTOR),
    "a scheme in lower case": ([b"bearer {token}", JSON_TYPE], b"", BATCH, DJANGO),  # not "Bearer" to simplejwt
    "an unknown charset": ([b"Bearer {token}", (b"content-type", b"application/json; charset=bogus")], b"", BATCH,
                           COLLECTOR),
    "two content types": ([b"Bearer {token}", (b"content-type", b"text/plain"), JSON_TYPE], b"", BATCH, COLLECTOR),
    "no content type": ([b"Bearer {token}"], b"", BATCH, COLLECTOR),
    "a form": ([b"Bearer {token}", (b"content-type", b"application/x-www-form-urlencoded")], b"", "events=1",
               COLLECTOR),
    "an Accept asking for indenting": ([b"Bearer {token}", JSON_TYPE, (b"accept", b"application/json; indent=2")],
                                       b"", BATCH, COLLECTOR),
    "an Accept the API cannot answer": ([b"Bearer {token}", JSON_TYPE, (b"accept", b"text/html")], b"", BATCH,
                                        DJANGO),  # the browsable API, configured in the tests
    "a malformed header and an Accept it cannot answer": ([b"Bearer a b", JSON_TYPE, (b"accept", b"text/html")], b"",
                                                          BATCH, DJANGO),
    "a format the API does not know": ([b"Bearer {token}", JSON_TYPE], b"format=xml", BATCH, COLLECTOR),
    "a format it knows": ([b"Bearer {token}", JSON_TYPE], b"format=json", BATCH, COLLECTOR),
    "a malformed CSRF cookie": ([b"Bearer {token}", JSON_TYPE, (b"cookie", b"csrftoken=bad!")], b"", BATCH, DJANGO),
    "a host not allowed": ([b"Bearer {token}", JSON_TYPE, (b"host", b"evil.example")], b"", BATCH, COLLECTOR),
    "NaN": ([b"Bearer {token}", JSON_TYPE], b"", '{"events": [{"id": "x", "ms_played": NaN}]}', COLLECTOR),
    "a list": ([b"Bearer {token}", JSON_TYPE], b"", "[{events}]", COLLECTOR),
    "broken JSON": ([b"Bearer {token}", JSON_TYPE], b"", '{"events": [', COLLECTOR),
    "an empty body": ([b"Bearer {token}", JSON_TYPE], b"", "", COLLECTOR),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("content_length", [True, False], ids=["with Content-Length", "without"])
def test_it_answers_what_django_answers(listener, track, case, content_length):
    _compare_with_django(listener, track, case, content_length)


@pytest.mark.parametrize(
    "case", ["an Accept the API cannot answer", "a malformed header and an Accept it cannot answer"]
)
def test_without_the_browsable_api_it_refuses_an_accept_as_django_does(listener, track, case, monkeypatch):
    # The view as it is configured with DEBUG off (its renderers are read when it is defined, and
    # the tests' settings load with DEBUG on).
    monkeypatch.setattr(PlayEventsView, "renderer_classes", [JSONRenderer])

    answers = _compare_with_django(listener, track, case, content_length=True, served_by=COLLECTOR)

    assert answers[0].status_code == 406


def _compare_with_django(listener, track, case: str, content_length: bool, served_by=None) -> list[AsgiResponse]:
    """The case through the collector, then through Django alone: the same status, body, headers
    and stored rows; and the collector served it, or handed it on, as the case says."""
    header_specs, query, template, expected = CASES[case]
    tokens = {
        b"{token}": str(RefreshToken.for_user(listener).access_token).encode(),
        b"{other}": str(RefreshToken.for_user(UserFactory()).access_token).encode(),
    }
    answers, stored, handed_on = [], [], []
    for app in (_collector_before_django(handed_on), _django_alone()):
        headers = []
        for spec in header_specs:
            if isinstance(spec, bytes):  # an Authorization header
                for placeholder, token in tokens.items():
                    spec = spec.replace(placeholder, token)
                spec = (b"authorization", spec)
            headers.append(spec)
        body = template.replace("{events}", json.dumps([event(track)])).encode()
        if content_length:
            headers.append((b"content-length", str(len(body)).encode()))
        answers.append(asgi_request("POST", EVENTS_URL, headers, body, app=app, query=query))
        stored.append(list(PlayEvent.objects.values_list("user", "country", "product", "private")))
        PlayEvent.objects.all().delete()

    ours, djangos = answers
    assert (COLLECTOR if not handed_on else DJANGO) == (served_by or expected)
    assert ours.status_code == djangos.status_code
    if djangos.headers["content-type"].startswith("text/html"):
        # The browsable API (configured when the settings load with DEBUG on, as the tests' do):
        # its page differs per request (its CSRF token, and so its length).
        assert b"Django REST framework" in ours.content
        assert ours.headers.keys() == djangos.headers.keys()
    else:
        assert ours.content == djangos.content
        assert _fixed(ours.headers) == _fixed(djangos.headers)
    assert stored[0] == stored[1]
    return answers


def test_a_session_through_the_application_reaches_the_view(listener, track):
    """No bearer token: Django serves it, with the session and its CSRF check."""
    browser = Client()
    browser.force_login(listener)
    csrf = "a" * 32  # a CSRF secret, sent back in the header as a browser page does
    cookies = f"sessionid={browser.cookies['sessionid'].value}; csrftoken={csrf}"
    headers = [(b"cookie", cookies.encode()), (b"content-type", b"application/json"), (b"x-csrftoken", csrf.encode())]
    body = json.dumps({"events": [event(track)]}).encode()

    served = asgi_request("POST", EVENTS_URL, [*headers, (b"content-length", str(len(body)).encode())], body)
    forged = asgi_request("POST", EVENTS_URL, headers[:2] + [(b"content-length", str(len(body)).encode())], body)

    assert served.status_code == 200 and served.json()["accepted"] == 1
    assert forged.status_code == 403  # no CSRF token: the view's session rules, not the collector's
    assert PlayEvent.objects.get().user == listener


def test_a_country_header_spelt_with_an_underscore_is_not_the_proxys(listener, track, settings):
    settings.COUNTRY_HEADER = "X-Country"
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    token = str(RefreshToken.for_user(listener).access_token)
    body = json.dumps({"events": [event(track)]}).encode()
    headers = [
        (b"authorization", f"Bearer {token}".encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x_country", b"JP"),  # Django drops it: it could pass for X-Country
    ]

    asgi_request("POST", EVENTS_URL, headers, body)

    assert PlayEvent.objects.values_list("country", flat=True).get() == "SE"


def test_an_unforeseen_failure_answers_500_in_the_error_shape_and_stores_nothing(api, track, monkeypatch, caplog):
    # A stand-in for a bug: no input the collector accepts makes the service raise on purpose.
    def broken(**_):
        raise RuntimeError("a bug")

    monkeypatch.setattr(collector, "reported_events_ingest", broken)

    response = api.post(EVENTS_URL, {"events": [event(track)]}, "json")

    assert response.status_code == 500
    assert response.json() == {"error": {"status": 500, "message": "Server error."}}  # Django's handler500
    assert "Internal Server Error: /v1/me/player/events" in caplog.text
    assert not PlayEvent.objects.exists()


def test_each_batch_gives_its_connection_back_unless_it_is_sqlites(api, track):
    for _ in range(6):
        assert api.post(EVENTS_URL, {"events": [event(track)]}, "json").status_code == 200

    threads = collector.BATCH_THREADS
    everyone = threading.Barrier(threads)

    def held() -> bool:
        everyone.wait(timeout=10)  # so that each of the pool's threads answers once
        return connection.connection is not None

    holding = [future.result() for future in [collector._threads().submit(held) for _ in range(threads)]]

    if connection.vendor == "sqlite":
        assert any(holding)  # kept by its thread: opening one costs more than a batch
    else:
        assert not any(holding)  # back in the pool (or closed) after each batch


def test_batches_are_stored_off_the_event_loop(api, track, monkeypatch):
    threads: list[str] = []
    original = collector.reported_events_ingest

    def recording(**kwargs):
        threads.append(threading.current_thread().name)
        try:
            asyncio.get_running_loop()
            threads.append("on a loop")
        except RuntimeError:
            pass
        return original(**kwargs)

    # Not a stand-in: the real service runs, wrapped to note the thread it runs on.
    monkeypatch.setattr(collector, "reported_events_ingest", recording)

    assert api.post(EVENTS_URL, {"events": [event(track)]}, "json").status_code == 200
    assert len(threads) == 1 and threads[0].startswith("play-events")


def test_a_streamed_body_past_the_limit_is_cut_off_with_413_and_stores_nothing(listener, track):
    from streamify.asgi import application

    token = str(RefreshToken.for_user(listener).access_token)
    headers = [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json")]
    chunks = [b'{"events": [' + b" " * (512 * 1024)] + [b" " * (512 * 1024)] * 20  # 10 MiB, no Content-Length
    sent: list[dict] = []

    async def receive():
        if not chunks:
            await asyncio.Event().wait()  # connected until the answer comes
        return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}

    async def send(message):
        sent.append(message)

    run_async(application(http_scope("POST", EVENTS_URL, headers), receive, send))

    assert sent[0]["status"] == 413
    assert chunks, "the body was read to its end"
    assert not PlayEvent.objects.exists()
