"""Heartbeats a process hears are stored together (apps/playback/player/sightings.py): one
write per PLAYER_HEARTBEAT_WRITE_MS for all of them, never another user's device, never a
device that has gone."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from apps.common.socketdb import close_socket_connections, socket_db
from apps.playback.models import Device
from apps.playback.player import services, sightings
from tests.asyncrun import run_async
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LONG_AGO = timezone.now() - timedelta(minutes=1)


def _device(user, device_id: str) -> Device:
    return Device.objects.create(user=user, device_id=device_id, name=device_id, last_seen_at=LONG_AGO)


@pytest.fixture
def listener():
    """A user with one device, last seen a minute ago."""
    user = UserFactory()
    _device(user, "tab")
    return user


def _seen(user, device_id: str) -> bool:
    return Device.objects.get(user=user, device_id=device_id).last_seen_at > LONG_AGO


def test_devices_seen_writes_each_users_named_devices_only():
    alice, bob = UserFactory(), UserFactory()
    for user in (alice, bob):
        _device(user, "tab-1")
        _device(user, "tab-2")

    services.devices_seen({alice.pk: {"tab-1", "tab-2"}, bob.pk: {"tab-2", "gone"}})

    assert _seen(alice, "tab-1") and _seen(alice, "tab-2") and _seen(bob, "tab-2")
    assert not _seen(bob, "tab-1")  # the same id, another user's device: untouched
    assert not Device.objects.filter(device_id="gone").exists()  # a heartbeat lists nothing anew


def test_heartbeats_heard_together_are_written_in_one_statement_after_the_delay(settings):
    settings.PLAYER_HEARTBEAT_WRITE_MS = 300
    users = [UserFactory() for _ in range(3)]
    for user in users:
        _device(user, "tab")

    async def scenario():
        for user in users:
            await sightings.device_heard(user.pk, "tab")
        await sightings.device_heard(users[0].pk, "tab")  # twice in the window: written once
        written_at_once = await socket_db(lambda: [_seen(user, "tab") for user in users])()
        await asyncio.sleep(0.6)  # past the 300 ms window: the loop's timer has fired and the write ran
        close_socket_connections()
        return written_at_once

    # Wrapped, not replaced: the real statement runs; the wrapper counts the writes.
    with mock.patch.object(services, "devices_seen", wraps=services.devices_seen) as write:
        written_at_once = run_async(scenario())

    assert written_at_once == [False, False, False]
    assert all(_seen(user, "tab") for user in users)
    assert write.call_count == 1
    assert write.call_args.args[0] == {user.pk: {"tab"} for user in users}


def test_without_a_delay_each_heartbeat_is_written_at_once(listener, settings):
    settings.PLAYER_HEARTBEAT_WRITE_MS = 0
    user = listener

    async def scenario():
        await sightings.device_heard(user.pk, "tab")
        close_socket_connections()

    run_async(scenario())
    assert _seen(user, "tab")


def test_a_failed_write_is_logged_not_raised_and_the_next_heartbeats_are_written(listener, settings, caplog):
    settings.PLAYER_HEARTBEAT_WRITE_MS = 0
    user = listener

    async def scenario():
        await sightings.write({"not a user": {"tab"}})  # the statement fails: nothing reaches the socket
        await sightings.device_heard(user.pk, "tab")
        close_socket_connections()

    run_async(scenario())
    assert "Could not store 1 devices' heartbeats" in caplog.text
    assert _seen(user, "tab")


def test_every_window_is_written_not_only_the_first(listener, settings):
    settings.PLAYER_HEARTBEAT_WRITE_MS = 100
    user = listener

    async def scenario():
        await sightings.device_heard(user.pk, "tab")
        await asyncio.sleep(0.3)  # past the 100 ms window
        first = await socket_db(lambda: Device.objects.get(user=user).last_seen_at)()
        await sightings.device_heard(user.pk, "tab")
        await asyncio.sleep(0.3)  # past the 100 ms window
        second = await socket_db(lambda: Device.objects.get(user=user).last_seen_at)()
        close_socket_connections()
        return first, second

    first, second = run_async(scenario())
    assert LONG_AGO < first < second


def test_a_large_batch_writes_every_device_heard_and_no_other():
    """As large as a busy process's second of heartbeats, and more."""
    users = [UserFactory() for _ in range(300)]
    Device.objects.bulk_create(
        Device(user=user, device_id=f"tab-{n}", name="tab", last_seen_at=LONG_AGO) for user in users for n in range(5)
    )
    heard = {user.pk: {f"tab-{n}" for n in range(4)} for user in users}  # tab-4 of everyone stays silent

    services.devices_seen(heard)

    seen = set(Device.objects.filter(last_seen_at__gt=LONG_AGO).values_list("user_id", "device_id"))
    assert seen == {(user_pk, device_id) for user_pk, ids in heard.items() for device_id in ids}


def test_an_empty_batch_writes_nothing():
    user = UserFactory()
    _device(user, "tab")
    services.devices_seen({user.pk: set()})
    assert not _seen(user, "tab")
