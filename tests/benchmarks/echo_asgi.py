"""The real application with a bare websocket echo beside it, for benchmarks' floors.

    uvicorn tests.benchmarks.echo_asgi:application

`/ws/echo/` accepts and sends every frame straight back: no middleware, no routing, no consumer,
no channel layer, so a round trip there is the cheapest a websocket message gets from this server
process. Everything else goes to the application as a server runs it (`streamify.server`), untouched.
"""

from __future__ import annotations

from streamify.server import application as streamify_application

ECHO_PATH = "/ws/echo/"


async def echo(scope, receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            if message.get("text") is not None:
                await send({"type": "websocket.send", "text": message["text"]})
            else:
                await send({"type": "websocket.send", "bytes": message.get("bytes") or b""})
        elif message["type"] == "websocket.disconnect":
            return


async def application(scope, receive, send) -> None:
    if scope["type"] == "websocket" and scope["path"] == ECHO_PATH:
        return await echo(scope, receive, send)
    return await streamify_application(scope, receive, send)
