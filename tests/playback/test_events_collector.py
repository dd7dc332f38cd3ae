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
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.accounts.models import Product
from apps.playback.events import collector
from apps.playback.events.collector import PlayEventsCollector
from apps.playback.models import PlayEvent
from tests.asgi_requests import AsgiApiClient, http_scope
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


def test_the_web_apps_session_still_reaches_the_view(anon):
    response = anon.post(EVENTS_URL, {"events": []}, "json")

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "No token provided"  # DRF's answer, not the collector's


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


def test_its_answers_carry_the_headers_djangos_do(api, track):
    response = api.post(EVENTS_URL, {"events": [event(track)]}, "json")

    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert int(response.headers["content-length"]) == len(response.content)


def test_an_unforeseen_failure_answers_500_in_the_error_shape_and_stores_nothing(api, track, monkeypatch, caplog):
    # A stand-in for a bug: no input the collector accepts makes the service raise on purpose.
    def broken(**_):
        raise RuntimeError("a bug")

    monkeypatch.setattr(collector, "reported_events_ingest", broken)

    response = api.post(EVENTS_URL, {"events": [event(track)]}, "json")

    assert response.status_code == 500
    assert response.json() == {"error": {"status": 500, "message": "Internal server error."}}
    assert "Internal Server Error: /v1/me/player/events" in caplog.text
    assert not PlayEvent.objects.exists()


def test_batches_are_stored_off_the_event_loop(api, track, monkeypatch):
    threads: list[str] = []
    original = collector.reported_events_ingest

    def recording(**kwargs):
        import threading

        threads.append(threading.current_thread().name)
        try:
            asyncio.get_running_loop()
            threads.append("on a loop")
        except RuntimeError:
            pass
        return original(**kwargs)

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
