"""Static files under ASGI come as an asynchronous stream (apps.common.static), so Django neither
warns nor reads them whole in its shared thread; under WSGI WhiteNoise's own response serves."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import AsyncRequestFactory

from apps.common.static import AsyncWhiteNoiseMiddleware
from tests.asyncrun import run_async

ASSET = "css/app.css"


def middleware():
    return AsyncWhiteNoiseMiddleware(lambda request: None)


def test_under_asgi_a_static_file_streams_asynchronously_and_whole():
    request = AsyncRequestFactory().get(f"{settings.STATIC_URL}{ASSET}")

    response = middleware()(request)

    assert response.status_code == 200 and response.is_async

    async def body() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    content = run_async(body())
    with open(finders.find(ASSET), "rb") as original:
        assert content == original.read()
    assert int(response["Content-Length"]) == len(content)


def test_under_wsgi_it_is_whitenoises_own_response(client):
    response = client.get(f"{settings.STATIC_URL}{ASSET}")
    assert response.status_code == 200 and not response.is_async
    with open(finders.find(ASSET), "rb") as original:
        assert b"".join(response.streaming_content) == original.read()
