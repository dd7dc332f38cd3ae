"""Every state change reaches all of the user's devices, after commit, with its version.

A change is rendered once (not once per device) into the JSON text every socket sends as it is,
from the state row the command just committed; the current item comes from a cache keyed on the
catalog version, because re-rendering a full track object on every seek or pause is most of a
change's cost and almost never changes anything."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from contextlib import contextmanager
from contextvars import ContextVar

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.catalog.availability import Listener
from apps.catalog.freshness import catalog_version
from apps.common.memo import VersionedMemo

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "player.state"  # the consumer's `player_state` handler


def player_group(user_public_id: str) -> str:
    return f"player.{user_public_id}"


# Rendered items this process has used lately, in front of the shared cache: a seek or a pause
# re-sends the item it sent a moment ago, and the shared cache cost a read (a Redis round trip in
# the services mode, an unpickling in the embedded one) on every change. The dicts are shared:
# they are only ever serialised, never changed.
MAX_MEMOISED_ITEMS = 5_000  # ~3 KB each
_items = VersionedMemo(
    version=catalog_version, lifetime=lambda: settings.CATALOG_RENDER_CACHE_SECONDS, max_entries=MAX_MEMOISED_ITEMS
)


def _cached_items(request, listener: Listener):
    """`state_object`'s item renderer for broadcasts: the full track object and its duration for
    this listener's market, reused for CATALOG_RENDER_CACHE_SECONDS under one catalog version.
    Broadcast URLs are the site's (SiteRequest), the same for every listener, so they may be shared."""
    from apps.playback.player.representations import render_item

    def item_for(track_pk: int) -> tuple[dict, int] | None:
        # Entries carry when they were rendered, so that an item taken from the shared cache into
        # this process's memo is not kept past the lifetime it began with there.
        lifetime = settings.CATALOG_RENDER_CACHE_SECONDS
        memo = _items.entries()
        identity = (track_pk, listener.country, listener.premium)
        entry = memo.get(identity)
        if entry is None or time.time() - entry[0] >= lifetime:
            key = f"player:rendered-item:{catalog_version()}:{track_pk}:{listener.country}:{int(listener.premium)}"
            entry = cache.get(key)
            if entry is None or time.time() - entry[0] >= lifetime:
                entry = (time.time(), render_item(request, track_pk, listener))
                if entry[1] is not None:
                    cache.set(key, entry, lifetime)
            if entry[1] is not None:
                memo[identity] = entry
        return entry[1]

    return item_for


def state_message(user, state=None) -> dict:
    """What devices receive: the rendered state and the devices. `state` is the row a command has
    just committed, with its devices (saves reading them again); without it, the stored ones."""
    from apps.common.site import SiteRequest
    from apps.playback.models import PlayerState
    from apps.playback.player.representations import devices_object, state_object
    from apps.playback.player.rows import user_devices

    if state is None:
        state = PlayerState.objects.select_related("active_device").filter(user=user).first()
    # A command's state carries the devices it listed under its lock (rows.list_devices).
    devices = getattr(state, "listed_devices", None)
    if devices is None:
        devices = user_devices(user.pk)
    listener = Listener(country=str(user.country), premium=user.is_premium)
    request = SiteRequest()
    rendered = None
    if state is not None:
        rendered = state_object(
            request, state, listener=listener, now=timezone.now(), item_for=_cached_items(request, listener)
        )
    return {
        "type": "state",
        "version": state.version if state else 0,
        "state": rendered,
        "devices": devices_object(state, devices),
    }


def message_text(message: dict) -> str:
    return json.dumps(message, separators=(",", ":"))


# Broadcasts kept for the caller to send, while `broadcasts_collected` is open (None: send them).
_collected: ContextVar[list[tuple[str, dict]] | None] = ContextVar("player_broadcasts", default=None)
# The collected states of one user leave in the order their commands committed (send_collected):
# a lock per group, per event loop (a lock belongs to the loop it first waited in; tests run
# several). Weakly held: a group's lock lives while a send holds or awaits it.
_send_order: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, weakref.WeakValueDictionary[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


@contextmanager
def broadcasts_collected():
    """Within it, the states of commands that commit are rendered but not sent: they are kept in
    the list it yields, for a websocket consumer to send from its event loop with `send_collected`.
    Sending from the database thread meant a hop to the loop and back while that thread, which
    every socket's commands and heartbeats share, waited (~0.9 ms a change, bench_player_fanout)."""
    pending: list[tuple[str, dict]] = []
    token = _collected.set(pending)
    try:
        yield pending
    finally:
        _collected.reset(token)


class LocalSockets:
    """The player sockets of one event loop, by group: `send_collected` hands them a state itself,
    without the channel layer. Through the layer a state reached a device through a queue, a turn
    of its consumer's `asyncio.wait` and a task per message: ~0.6 ms of a change's ~3.4 ms
    fan-out, with 1,000 sockets open (bench_player_fanout); in the services mode it is also a
    round trip to Redis. The layer still carries every state to other processes' sockets, to any
    channel in the group that is not a player socket here and, with Redis, back to these sockets,
    which drop it (`PlayerConsumer.send_state` sends a version only if it has sent neither it nor
    a newer one). Sockets are held weakly: one that ends without leaving is forgotten with its
    consumer, and its group's entry with the last of them."""

    def __init__(self):
        self._groups: dict[str, weakref.WeakSet] = {}

    def join(self, group: str, socket) -> None:
        self._groups.setdefault(group, weakref.WeakSet()).add(socket)

    def leave(self, group: str, socket) -> None:
        members = self._groups.get(group)
        if members is not None:
            members.discard(socket)
            if not members:  # the user's last socket here: forget the group, not keep it empty
                del self._groups[group]

    def members(self, group: str) -> list:
        found = list(self._groups.get(group, ()))
        if not found:
            self._groups.pop(group, None)  # emptied by leaving or by consumers collected
        return found


_local_sockets: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalSockets] = weakref.WeakKeyDictionary()


def local_sockets() -> LocalSockets:
    """This event loop's player sockets (one per process under uvicorn; tests run several loops)."""
    loop = asyncio.get_running_loop()
    sockets = _local_sockets.get(loop)
    if sockets is None:
        sockets = _local_sockets[loop] = LocalSockets()
    return sockets


class Outbox:
    """What one socket has yet to send of the states handed to it: the newest only, written by at
    most one task. A device applies only the newest version, so a state a slower send has not
    reached yet is replaced, not queued: a client that stops reading (its connection paused, its
    buffer full) costs one pending state and one waiting task, however many changes follow, and
    the others' sends never wait for it. `socket.send_state(version, text)` does the sending."""

    def __init__(self, socket):
        self._socket = weakref.ref(socket)  # the socket owns its outbox, not the other way round
        self._pending: tuple[int, str] | None = None
        self._writer: asyncio.Task | None = None

    def put(self, version: int, text: str) -> None:
        if self._pending is not None and self._pending[0] >= version:
            return
        self._pending = (version, text)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        while self._pending is not None:
            (version, text), self._pending = self._pending, None
            socket = self._socket()
            if socket is None:
                return
            try:
                await socket.send_state(version, text)
            except Exception:
                # A connection closing under us (uvicorn refuses sends after its close): the
                # consumer's disconnect follows, and nothing else here is worth a crash.
                logger.debug("Could not hand a player state to %s", socket, exc_info=True)
                return


def _hand_to(sockets: list, message: dict) -> set[str]:
    """Puts the state in each socket's `Outbox`; returns their channels."""
    for socket in sockets:
        socket.outbox.put(message["version"], message["text"])
    return {socket.channel_name for socket in sockets}


async def send_collected(pending: list[tuple[str, dict]]) -> None:
    """Send what `broadcasts_collected` kept: to this loop's sockets of the group directly
    (`LocalSockets`), and through the channel layer to the rest. A process's sockets run their
    commands one at a time on the database thread and their coroutines resume in that order; the
    group's lock (FIFO) keeps it while a layer's send awaits the network, so one user's devices
    hear the states collected in this process in version order, and a slow send holds up only that
    user. States sent otherwise (the HTTP API, another process) may cross them: devices apply only
    a newer version (README). A layer outage is logged, not raised: the command has committed, and
    devices catch up on their next message or reconnect."""
    layer = get_channel_layer()
    if layer is None or not pending:
        return
    loop = asyncio.get_running_loop()
    locks = _send_order.get(loop)
    if locks is None:
        locks = _send_order[loop] = weakref.WeakValueDictionary()
    sockets = local_sockets()
    for group, message in pending:
        lock = locks.get(group)
        if lock is None:
            lock = locks[group] = asyncio.Lock()
        async with lock:
            handed = _hand_to(sockets.members(group), message)
            try:
                if getattr(layer, "process_local", False):
                    # Every member is in this process: the layer sends only to those not handed it.
                    await layer.group_send(group, message, skip=handed)
                else:
                    await layer.group_send(group, message)
            except Exception:
                logger.exception("Could not broadcast a player state to %s", group)


def broadcast_state(state) -> None:
    """After commit, the state `state` now holds to every socket of its user (`state.user` must be
    loaded: commands set it from the user they act for)."""
    user = state.user

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        group = player_group(user.public_id)
        message = {"type": MESSAGE_TYPE, "version": state.version, "text": message_text(state_message(user, state))}
        pending = _collected.get()
        if pending is not None:
            pending.append((group, message))
            return
        async_to_sync(layer.group_send)(group, message)

    # robust: a channel layer outage must not turn a committed command into an error; devices
    # catch up from the version on their next message or reconnect.
    transaction.on_commit(send, robust=True)
