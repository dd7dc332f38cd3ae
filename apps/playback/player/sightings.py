"""Heartbeats stored together: a process's sockets note the devices they heard from, and one
write a second stores them all (rows.mark_devices_seen).

Every open tab heartbeats every 30 s. A thousand sockets made that 33 transactions a second on
the one database thread a process's sockets share, ~1.2 ms each under load, and a command that
arrived during one waited for it: most of the fan-out's slowest changes had overlapped a
heartbeat (bench_player_fanout, traced inside the server). `last_seen_at` only decides whether a
device has been silent past PLAYER_DEVICE_TIMEOUT_SECONDS (90 s), so writing it a second late
changes nothing a listener sees. Sightings still pending when the process stops are lost: those
devices look older by one heartbeat (30 s), still well inside the timeout.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from django.conf import settings

from apps.common.socketdb import socket_db
from apps.playback.player import services

logger = logging.getLogger(__name__)


class Sightings:
    """The devices heard from on one event loop since its last write, by user. It holds no
    reference to its loop (a loop's entry must not keep the loop alive)."""

    def __init__(self):
        self.pending: dict[int, set[str]] = {}
        self.scheduled = False
        self.writing: set[asyncio.Task] = set()  # held, as the loop keeps only weak references

    def note(self, user_pk: int, device_id: str, delay: float) -> None:
        self.pending.setdefault(user_pk, set()).add(device_id)
        if not self.scheduled:
            self.scheduled = True
            asyncio.get_running_loop().call_later(delay, self._write_pending)

    def _write_pending(self) -> None:
        self.scheduled = False
        batch, self.pending = self.pending, {}
        task = asyncio.get_running_loop().create_task(write(batch))
        self.writing.add(task)
        task.add_done_callback(self.writing.discard)


async def write(batch: dict[int, set[str]]) -> None:
    try:
        await socket_db(services.devices_seen)(batch)
    except Exception:
        # A database outage: the next heartbeats (30 s) try again, well inside the timeout.
        logger.exception("Could not store %d devices' heartbeats", sum(map(len, batch.values())))


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Sightings] = weakref.WeakKeyDictionary()


async def device_heard(user_pk: int, device_id: str) -> None:
    """A device's heartbeat, stored within PLAYER_HEARTBEAT_WRITE_MS with the others heard on this
    event loop meanwhile (at once when that is 0)."""
    delay = settings.PLAYER_HEARTBEAT_WRITE_MS / 1000
    if delay <= 0:
        return await write({user_pk: {device_id}})
    loop = asyncio.get_running_loop()
    sightings = _by_loop.get(loop)
    if sightings is None:
        sightings = _by_loop[loop] = Sightings()
    sightings.note(user_pk, device_id, delay)
    return None
