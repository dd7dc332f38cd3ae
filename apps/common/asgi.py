"""ASGI middleware that bounds request bodies before Django sees them.

Django's ASGI handler reads the whole body into a temporary file before any view runs, so a view
can only refuse an oversized upload after it has been received. This refuses by Content-Length
before reading a byte, and cuts off a streamed body (no or a lying Content-Length) the moment it
passes the limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_413(send, limit: int) -> None:
    body = json.dumps(
        {"error": {"status": 413, "message": f"The request is larger than the {limit / (1024 * 1024):g} MiB limit."}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestBodyLimitMiddleware:
    def __init__(self, app, *, max_body_bytes: Callable[[str], int]):
        self.app = app
        self.max_body_bytes = max_body_bytes  # path -> limit, read per request so settings apply

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.max_body_bytes(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            return await _send_413(send, limit)

        state = {"received": 0, "over": False, "started": False}

        async def bounded_receive():
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["over"] = True
                    # Django treats a disconnect while reading the body as an aborted request and
                    # answers nothing, which leaves the 413 to us.
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        await self.app(scope, bounded_receive, tracking_send)
        if state["over"] and not state["started"]:
            await _send_413(send, limit)


def browser_origin_validator(application):
    """Websockets: a browser always sends `Origin`, and one from another site is refused (a page
    elsewhere must not ride the user's session cookie: cross-site websocket hijacking). Other
    clients (apps, speakers) send none; they are let in, and the consumer ignores any session for
    them, so they must authenticate with a token."""
    from channels.security.websocket import OriginValidator
    from django.conf import settings

    class BrowserOriginValidator(OriginValidator):
        def valid_origin(self, parsed_origin) -> bool:
            return parsed_origin is None or super().valid_origin(parsed_origin)

    allowed = settings.ALLOWED_HOSTS or (["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    return BrowserOriginValidator(application, allowed)
