"""The ASGI application runs Django's middleware chain synchronously, in one hop to the request's
thread, and still answers everything the way Django's own handler does."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from django.core.handlers.asgi import ASGIHandler
from rest_framework_simplejwt.tokens import RefreshToken

from apps.common.asgi_handler import SyncChainASGIHandler
from streamify.asgi import application
from tests.asgi_requests import http_scope
from tests.asyncrun import run_async
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def get(path: str, headers: list[tuple[bytes, bytes]] = ()) -> tuple[int, dict[bytes, bytes], bytes]:
    """A GET through the ASGI application uvicorn serves: status, headers and body."""
    scope = http_scope("GET", path, list(headers))
    sent: list[dict] = []
    asked = False

    async def receive():
        nonlocal asked
        if asked:
            await asyncio.Event().wait()  # connected until the answer comes
        asked = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    run_async(application(scope, receive, send))
    start = sent[0]
    body = b"".join(message.get("body", b"") for message in sent[1:])
    return start["status"], {name.lower(): value for name, value in start["headers"]}, body


def test_the_middleware_chain_is_synchronous_where_djangos_own_is_not():
    assert not asyncio.iscoroutinefunction(SyncChainASGIHandler()._middleware_chain)
    assert asyncio.iscoroutinefunction(ASGIHandler()._middleware_chain)


def test_an_api_request_runs_its_middleware_and_view_off_the_event_loop():
    user = UserFactory()
    token = str(RefreshToken.for_user(user).access_token)
    loop_threads: list[int] = []

    original = SyncChainASGIHandler.get_response

    def recording(handler, request):
        loop_threads.append(threading.get_ident())
        return original(handler, request)

    SyncChainASGIHandler.get_response = recording
    try:
        status, headers, body = get("/v1/me", [(b"authorization", f"Bearer {token}".encode())])
    finally:
        SyncChainASGIHandler.get_response = original

    assert status == 200
    assert json.loads(body)["id"] == user.public_id
    assert headers[b"x-frame-options"] == b"DENY"  # the outermost middleware ran
    assert len(loop_threads) == 1
    assert loop_threads[0] != threading.get_ident()


def test_errors_keep_their_shapes_through_the_handler():
    status, headers, body = get("/v1/me")
    assert status == 401
    assert json.loads(body)["error"]["status"] == 401

    status, headers, body = get("/v1/no-such-endpoint")
    assert status == 404
    assert headers[b"content-type"].startswith(b"application/json")
