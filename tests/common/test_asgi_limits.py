"""Request bodies are bounded in front of Django, on the real ASGI application uvicorn serves."""

from __future__ import annotations

import asyncio

import pytest

from apps.catalog.uploads import request_limit, request_limit_for
from streamify.asgi import application
from tests.asgi_requests import http_scope
from tests.asyncrun import run_async

pytestmark = pytest.mark.django_db(transaction=True)


def call(
    headers: list[tuple[bytes, bytes]], chunks: list[bytes], path: str = "/v1/studio/uploads"
) -> tuple[list[dict], int]:
    """Drive the ASGI app with a POST whose body arrives in `chunks`; returns what it sent and how
    many body chunks it read."""
    scope = http_scope("POST", path, list(headers))
    pending = list(chunks)
    sent: list[dict] = []
    reads = 0

    async def receive():
        nonlocal reads
        if not pending:
            await asyncio.Event().wait()  # a client that stays connected until the answer comes
        reads += 1
        body = pending.pop(0)
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(message):
        sent.append(message)

    run_async(application(scope, receive, send))
    return sent, reads


def test_it_refuses_by_content_length_without_reading_the_body():
    sent, reads = call([(b"content-length", str(request_limit() + 1).encode())], [b"x" * 1024] * 4)

    assert sent[0]["status"] == 413
    assert b'"status": 413' in sent[1]["body"]
    assert reads == 0


def test_it_cuts_off_a_streamed_body_once_it_passes_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    chunk = b"x" * (512 * 1024)
    many = [chunk] * 200  # 100 MiB offered, no Content-Length

    sent, reads = call([(b"content-type", b"multipart/form-data; boundary=x")], many)

    assert sent[0]["status"] == 413
    assert reads * len(chunk) <= request_limit() + len(chunk)  # stopped right after the limit


def test_it_lets_small_bodies_through_to_django():
    sent, _ = call([(b"content-length", b"2"), (b"content-type", b"application/json")], [b"{}"])

    assert sent[0]["status"] == 401  # reached the API, which wants a token


def test_other_paths_take_only_a_couple_of_mib():
    """An anonymous 400 MB POST to the log-in form is refused before Django spools any of it."""
    sent, reads = call([(b"content-length", str(400 * 1024 * 1024).encode())], [b"x"], path="/accounts/login/")

    assert sent[0]["status"] == 413
    assert reads == 0
    assert request_limit_for("/accounts/login/") == 2 * 1024 * 1024
    assert request_limit_for("/v1/studio/uploads/") == request_limit()
