"""The player's websocket, `/ws/player/`: every browser tab (or other device) keeps one open.

Protocol (JSON text frames; README "Player websocket"):

- client `{"type": "hello", "device": {"id", "name", "type", "volume_percent", "supports_volume"},
  "version": <last version seen or 0>[, "token": <JWT access token>]}`; the server answers
  `{"type": "state", "version", "state", "devices"}`. A device that comes back after a partition
  says the version it has and gets the current state, which replaces whatever it changed locally.
- client `{"type": "command", "id": "<client command id>", "command": "<name>", "args": {...}}`,
  answered `{"type": "ack", "id", "version"}` or `{"type": "error", "id", "error": {status,
  message, reason}}`. Commands: play, pause, next, previous, ended, seek, repeat, shuffle,
  volume, queue, transfer.
- client `{"type": "heartbeat"}` keeps the device listed; `{"type": "bye"}` removes it.
- server `{"type": "state", ...}` after every change, to all of the user's devices, in version order.

Authentication is the web session, or a JWT in the hello (never in the URL, which logs keep).
A user's sockets join only that user's group, so nobody sees or commands another's devices.
"""

from __future__ import annotations

import json
import time

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import AnonymousUser

from apps.accounts.country import scope_country
from apps.catalog.availability import Listener
from apps.common.errors import ApplicationError
from apps.common.socketdb import socket_db
from apps.playback.player import services
from apps.playback.player.broadcast import (
    Outbox,
    broadcasts_collected,
    local_sockets,
    message_text,
    player_group,
    send_collected,
    state_message,
)
from apps.playback.player.sightings import device_heard

RATE_PER_SECOND = 10  # commands a connection may send, refilled continuously
RATE_BURST = 30
MAX_FRAME_CHARS = 64 * 1024


def _command(user, listener: Listener, device_id: str, name: str, args: dict):
    """Run one command for a device; the device acts on itself unless it names another."""
    target = args.get("device_id") or device_id
    table = {
        "play": lambda: services.play(
            user=user,
            listener=listener,
            device_id=target,
            context_uri=args.get("context_uri"),
            uris=args.get("uris"),
            offset=args.get("offset"),
            position_ms=args.get("position_ms"),
        ),
        "pause": lambda: services.pause(user=user, device_id=args.get("device_id")),
        "next": lambda: services.skip_to_next(user=user, listener=listener, device_id=args.get("device_id")),
        "ended": lambda: services.skip_to_next(
            user=user, listener=listener, device_id=device_id, ended=True, ended_track=_optional_str(args, "track")
        ),
        "previous": lambda: services.skip_to_previous(user=user, listener=listener, device_id=args.get("device_id")),
        "seek": lambda: services.seek(user=user, position_ms=args.get("position_ms"), device_id=args.get("device_id")),
        "repeat": lambda: services.set_repeat(user=user, mode=args.get("state"), device_id=args.get("device_id")),
        "shuffle": lambda: services.set_shuffle(user=user, on=bool(args.get("state")), device_id=args.get("device_id")),
        "volume": lambda: services.set_volume(user=user, volume_percent=args.get("volume_percent"), device_id=target),
        "queue": lambda: services.add_to_queue(user=user, listener=listener, uri=args.get("uri")),
        "transfer": lambda: services.transfer(
            user=user, device_ids=args.get("device_ids") or [device_id], play=args.get("play")
        ),
    }
    if name not in table:
        raise ApplicationError(f"Unknown command {name!r}.", reason="UNKNOWN_COMMAND")
    return table[name]()


def _optional_str(args: dict, name: str) -> str | None:
    value = args.get(name)
    if value is not None and not isinstance(value, str):
        raise ApplicationError(f"{name} must be a string.", reason="INVALID_MESSAGE")
    return value


async def _applied(service, *args, **kwargs):
    """Run a service that may change the state on the database thread this process's sockets
    share; the states it broadcasts after commit are rendered there and sent from the event loop
    (see broadcast.send_collected), in the order the commands committed."""

    def collecting():
        with broadcasts_collected() as broadcasts:
            return service(*args, **kwargs), broadcasts

    result, broadcasts = await socket_db(collecting)()
    await send_collected(broadcasts)
    return result


def _user_from_token(token: str):
    from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

    from apps.common.api.auth import BearerAuthentication

    auth = BearerAuthentication()
    try:
        return auth.get_user(auth.get_validated_token(token.encode()))
    except (InvalidToken, TokenError, Exception):  # noqa: BLE001 (any failure is "not authenticated")
        return None


class PlayerConsumer(AsyncWebsocketConsumer):
    async def dispatch(self, message):
        """As Channels dispatches, without its `aclose_old_connections()` before every message:
        that is a hop to the one thread all consumers' database calls share, so every state a
        socket forwarded waited in line behind other sockets' commands and heartbeats (it was
        most of a change's fan-out latency; bench_player_fanout), and with CONN_MAX_AGE 0 it also
        closed the connection socket_db keeps. This consumer's queries all go through socket_db,
        which drops a connection that failed."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message):
        if self.group:  # as Channels does, again without closing the shared thread's connections
            local_sockets().leave(self.group, self)
            await self.channel_layer.group_discard(self.group, self.channel_name)
        raise StopConsumer()

    async def connect(self):
        self.user = self.scope.get("user") or AnonymousUser()
        if not any(name == b"origin" for name, _ in self.scope.get("headers", [])):
            # Not a browser page (see common.asgi.browser_origin_validator): no cookie sessions.
            self.user = AnonymousUser()
        self.device_id: str | None = None
        self.group: str | None = None
        self.sent_version = -1  # the newest state this socket has sent (send_state)
        self.outbox = Outbox(self)  # states handed to it in this process (broadcast.LocalSockets)
        self.tokens, self.refilled = float(RATE_BURST), time.monotonic()
        await self.accept()
        if self.user.is_authenticated:
            await self._join()

    async def _join(self):
        self.group = player_group(self.user.public_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        local_sockets().join(self.group, self)

    async def _send(self, payload: dict):
        await self.send(text_data=message_text(payload))

    async def _error(self, status: int, message: str, reason: str, command_id=None):
        await self._send(
            {"type": "error", "id": command_id, "error": {"status": status, "message": message, "reason": reason}}
        )

    def _allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(RATE_BURST, self.tokens + (now - self.refilled) * RATE_PER_SECOND)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            return await self._error(400, "Send JSON text frames of at most 64 KiB.", "INVALID_MESSAGE")
        try:
            message = json.loads(text_data)
        except ValueError:
            return await self._error(400, "That frame is not JSON.", "INVALID_MESSAGE")
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return await self._error(400, 'A message is a JSON object with a "type".', "INVALID_MESSAGE")
        command_id = message.get("id") if isinstance(message.get("id"), str | int) else None
        if not self._allow():
            return await self._error(429, "Too many messages; slow down.", "RATE_LIMITED", command_id)
        kind = message["type"]
        if kind == "hello":
            return await self._hello(message)
        if not self.user.is_authenticated or self.device_id is None:
            return await self._error(
                401, "Say hello first (with a token unless signed in).", "NOT_AUTHENTICATED", command_id
            )
        if kind == "heartbeat":
            # Group memberships expire (a day by default, in both layers): renewing it with each
            # heartbeat keeps a tab that stays open for days hearing its states.
            await self.channel_layer.group_add(self.group, self.channel_name)
            return await device_heard(self.user.pk, self.device_id)
        if kind == "bye":
            await _applied(services.device_gone, user=self.user, device_id=self.device_id)
            self.device_id = None
            return None
        if kind == "command":
            return await self._command(message, command_id)
        return await self._error(400, f"Unknown message type {kind!r}.", "UNKNOWN_TYPE", command_id)

    async def _hello(self, message: dict):
        if not self.user.is_authenticated:
            token = message.get("token")
            user = await socket_db(_user_from_token)(token) if isinstance(token, str) else None
            if user is None:
                await self._error(401, "Not authenticated: sign in or send a valid token.", "NOT_AUTHENTICATED")
                return await self.close(code=4401)
            self.user = user
            await self._join()
        device = message.get("device")
        if not isinstance(device, dict):
            return await self._error(400, 'hello needs "device": {"id", "name", ...}.', "INVALID_MESSAGE")
        try:
            await _applied(
                services.device_hello,
                user=self.user,
                device_id=device.get("id"),
                name=device.get("name", ""),
                type=device.get("type", "Computer"),
                volume_percent=device.get("volume_percent", 100),
                supports_volume=device.get("supports_volume", True),
            )
        except ApplicationError as exc:
            return await self._error(exc.status, exc.message, exc.reason or "INVALID_MESSAGE")
        self.device_id = device["id"]
        # The current state, whatever version the device had: it replaces its local changes. The
        # hello's own broadcast has usually handed it over already (this socket had joined the
        # group); then this is the same version, and the device hears it once.
        current = await socket_db(state_message)(self.user)
        await self.send_state(current["version"], message_text(current))

    async def _command(self, message: dict, command_id):
        name, args = message.get("command"), message.get("args") or {}
        if not isinstance(name, str) or not isinstance(args, dict):
            return await self._error(
                400, 'A command is {"command": "<name>", "args": {...}}.', "INVALID_MESSAGE", command_id
            )
        try:
            state = await _applied(self._run, name, args)
        except ApplicationError as exc:
            return await self._error(exc.status, exc.message, exc.reason or "", command_id)
        await self._send({"type": "ack", "id": command_id, "version": state.version})

    def _run(self, name: str, args: dict):
        # Where the device is now (a trusted proxy's header on the handshake), else the profile's.
        listener = Listener(country=scope_country(self.scope, self.user), premium=self.user.is_premium)
        return _command(self.user, listener, self.device_id, name, args)

    async def send_state(self, version: int, text: str) -> None:
        """A state rendered once for all of the user's devices, sent unless this socket has sent it
        or a newer one: the same state can come both from this process (broadcast.LocalSockets)
        and through the channel layer, and states from elsewhere may arrive out of order."""
        if version <= self.sent_version:
            return
        self.sent_version = version
        try:
            await self.send(text_data=text)
        except OSError:  # the client went away meanwhile (uvicorn's ClientDisconnected): its disconnect follows
            pass

    async def player_state(self, event):
        if "version" not in event:  # sent by a process still running older code (a rolling deploy)
            return await self.send(text_data=event["text"])
        return await self.send_state(event["version"], event["text"])
