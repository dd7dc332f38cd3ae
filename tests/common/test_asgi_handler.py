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
from tests.asgi_requests import asgi_request
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def get(path: str, headers: list[tuple[bytes, bytes]] = ()) -> tuple[int, dict[str, str], bytes]:
    """A GET through the ASGI application uvicorn serves: status, headers and body."""
    response = asgi_request("GET", path, list(headers))
    return response.status_code, response.headers, response.content


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
    assert headers["x-frame-options"] == "DENY"  # the outermost middleware ran
    assert len(loop_threads) == 1
    assert loop_threads[0] != threading.get_ident()


def test_errors_keep_their_shapes_through_the_handler():
    status, headers, body = get("/v1/me")
    assert status == 401
    assert json.loads(body)["error"]["status"] == 401

    status, headers, body = get("/v1/no-such-endpoint")
    assert status == 404
    assert headers["content-type"].startswith("application/json")
