"""Every state change reaches all of the user's devices, after commit, with its version."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone


def player_group(user_public_id: str) -> str:
    return f"player.{user_public_id}"


def state_message(user) -> dict:
    """What devices receive: the rendered state (rendered once for all of them) and the devices."""
    from apps.catalog.availability import Listener
    from apps.common.site import SiteRequest
    from apps.playback.models import Device, PlayerState
    from apps.playback.player.representations import devices_object, state_object

    state = PlayerState.objects.select_related("active_device").filter(user=user).first()
    devices = list(Device.objects.filter(user=user))
    listener = Listener(country=str(user.country), premium=user.is_premium)
    now = timezone.now()
    return {
        "type": "state",
        "version": state.version if state else 0,
        "state": state_object(SiteRequest(), state, listener=listener, now=now) if state else None,
        "devices": devices_object(state, devices),
    }


def broadcast_state(user_id: int) -> None:
    def send() -> None:
        from apps.accounts.models import User

        layer = get_channel_layer()
        user = User.objects.filter(pk=user_id).first()
        if layer is None or user is None:
            return
        async_to_sync(layer.group_send)(
            player_group(user.public_id), {"type": "player.state", "message": state_message(user)}
        )

    # robust: a channel layer outage must not turn a committed command into an error; devices
    # catch up from the version on their next message or reconnect.
    transaction.on_commit(send, robust=True)
