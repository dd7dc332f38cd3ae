"""Every state change reaches all of the user's devices, after commit, with its version.

A change is rendered once (not once per device) into the JSON text every socket sends as it is,
from the state row the command just committed; the current item comes from a cache keyed on the
catalog version, because re-rendering a full track object on every seek or pause is most of a
change's cost and almost never changes anything."""

from __future__ import annotations

import asyncio
import json
import logging
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
        memo = _items.entries()
        identity = (track_pk, listener.country, listener.premium)
        if (found := memo.get(identity)) is not None:
            return found
        key = f"player:item:{catalog_version()}:{track_pk}:{listener.country}:{int(listener.premium)}"
        cached = cache.get(key)
        if cached is None:
            cached = render_item(request, track_pk, listener)
            if cached is not None:
                cache.set(key, cached, settings.CATALOG_RENDER_CACHE_SECONDS)
        if cached is not None:
            memo[identity] = cached
        return cached

    return item_for


def state_message(user, state=None) -> dict:
    """What devices receive: the rendered state and the devices. `state` is the row a command has
    just committed (saves reading it again); without it, the stored one."""
    from apps.common.site import SiteRequest
    from apps.playback.models import PlayerState
    from apps.playback.player.representations import devices_object, state_object
    from apps.playback.player.rows import user_devices

    if state is None:
        state = PlayerState.objects.select_related("active_device").filter(user=user).first()
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
# A process's collected broadcasts leave in the order their commands committed (see send_collected):
# one lock per event loop (a lock belongs to the loop it first waited in; tests run several).
_send_order: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


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


async def send_collected(pending: list[tuple[str, dict]]) -> None:
    """Send what `broadcasts_collected` kept. Commands commit one at a time on the database thread
    and their coroutines resume in that order; the lock (FIFO) keeps it while a layer's send awaits
    the network, so a user's devices hear states in version order. A layer outage is logged, not
    raised: the command has committed, and devices catch up on their next message or reconnect."""
    layer = get_channel_layer()
    if layer is None or not pending:
        return
    loop = asyncio.get_running_loop()
    order = _send_order.get(loop) or _send_order.setdefault(loop, asyncio.Lock())
    async with order:
        for group, message in pending:
            try:
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
        message = {"type": MESSAGE_TYPE, "text": message_text(state_message(user, state))}
        pending = _collected.get()
        if pending is not None:
            pending.append((group, message))
            return
        async_to_sync(layer.group_send)(group, message)

    # robust: a channel layer outage must not turn a committed command into an error; devices
    # catch up from the version on their next message or reconnect.
    transaction.on_commit(send, robust=True)
