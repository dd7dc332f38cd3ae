"""HTTP requests as an ASGI server hands them to the application, for tests that drive
`streamify.asgi.application` directly."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from rest_framework.test import APIRequestFactory

from tests.asyncrun import run_async


def http_scope(method: str, path: str, headers: list[tuple[bytes, bytes]], query_string: bytes = b"") -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query_string,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


@dataclass
class AsgiResponse:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self):
        return json.loads(self.content)


class AsgiApiClient:
    """The part of DRF's APIClient that endpoint tests use, sending each request through
    `streamify.asgi.application`, the whole of what uvicorn serves (the test client calls Django's
    handler directly and would miss anything in front of it)."""

    def __init__(self, token: str | None = None):
        self.authorization = f"Bearer {token}" if token else None

    def post(self, path, data=None, format=None, content_type=None, **extra):  # noqa: A002 (APIClient's name)
        # The factory encodes the body exactly as APIClient would (JSON, multipart, raw).
        request = APIRequestFactory().post(path, data, format=format, content_type=content_type, **extra)
        return self._send("POST", path, request.META, request.body)

    def get(self, path, **extra):
        return self._send("GET", path, APIRequestFactory().get(path, **extra).META, b"")

    def _send(self, method: str, path: str, meta: dict, body: bytes) -> AsgiResponse:
        headers = [(b"content-length", str(len(body)).encode())]
        if meta.get("CONTENT_TYPE"):
            headers.append((b"content-type", meta["CONTENT_TYPE"].encode("latin-1")))
        if self.authorization:
            headers.append((b"authorization", self.authorization.encode("latin-1")))
        for name, value in meta.items():
            if name.startswith("HTTP_") and name != "HTTP_COOKIE":
                headers.append((name[5:].lower().replace("_", "-").encode(), str(value).encode("latin-1")))
        return asgi_request(method, path, headers, body)


def asgi_request(
    method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b"", *, app=None, query: bytes = b""
) -> AsgiResponse:
    """One request through the ASGI application (or `app`), its body in one message; the whole
    answer. Headers are sent as given: repeats, case and all."""
    if app is None:
        from streamify.asgi import application as app  # on first use: it sets Django up
    return run_async(_exchange(app, http_scope(method, path, headers, query), body))


async def _exchange(app, scope: dict, body: bytes) -> AsgiResponse:
    sent: list[dict] = []
    asked = False

    async def receive():
        nonlocal asked
        if asked:
            await asyncio.Event().wait()  # connected until the answer comes
        asked = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in start["headers"]}
    return AsgiResponse(start["status"], headers, b"".join(message.get("body", b"") for message in sent[1:]))
