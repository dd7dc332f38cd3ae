"""Every state change reaches all of the user's devices, after commit, with its version.

A change is rendered once (not once per device) into the JSON text every socket sends as it is,
from the state row the command just committed; the current item comes from a cache keyed on the
catalog version, because re-rendering a full track object on every seek or pause is most of a
change's cost and almost never changes anything."""

from __future__ import annotations

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.catalog.availability import Listener
from apps.catalog.freshness import catalog_version

MESSAGE_TYPE = "player.state"  # the consumer's `player_state` handler


def player_group(user_public_id: str) -> str:
    return f"player.{user_public_id}"


def _cached_items(request, listener: Listener):
    """`state_object`'s item renderer for broadcasts: the full track object and its duration for
    this listener's market, reused for CATALOG_RENDER_CACHE_SECONDS under one catalog version.
    Broadcast URLs are the site's (SiteRequest), the same for every listener, so they may be shared."""
    from apps.playback.player.representations import render_item

    def item_for(track_pk: int) -> tuple[dict, int] | None:
        key = f"player:item:{catalog_version()}:{track_pk}:{listener.country}:{int(listener.premium)}"
        cached = cache.get(key)
        if cached is None:
            cached = render_item(request, track_pk, listener)
            if cached is not None:
                cache.set(key, cached, settings.CATALOG_RENDER_CACHE_SECONDS)
        return cached

    return item_for


def state_message(user, state=None) -> dict:
    """What devices receive: the rendered state and the devices. `state` is the row a command has
    just committed (saves reading it again); without it, the stored one."""
    from apps.common.site import SiteRequest
    from apps.playback.models import Device, PlayerState
    from apps.playback.player.representations import devices_object, state_object

    if state is None:
        state = PlayerState.objects.select_related("active_device").filter(user=user).first()
    devices = list(Device.objects.filter(user=user))
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


def broadcast_state(state) -> None:
    """After commit, the state `state` now holds to every socket of its user (`state.user` must be
    loaded: commands set it from the user they act for)."""
    user = state.user

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        text = message_text(state_message(user, state))
        async_to_sync(layer.group_send)(player_group(user.public_id), {"type": MESSAGE_TYPE, "text": text})

    # robust: a channel layer outage must not turn a committed command into an error; devices
    # catch up from the version on their next message or reconnect.
    transaction.on_commit(send, robust=True)
