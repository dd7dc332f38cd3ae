"""The embedded mode's channel layer: Channels' in-memory layer, with its expiry sweep throttled.

Channels' InMemoryChannelLayer sweeps every channel and every group membership for expired
entries on each `receive`, and every consumer calls `receive` after each message it gets, so one
state change to a user's four devices cost four sweeps over all sockets' channels: with 1,000
sockets open that sweep was the largest single cost in the fan-out benchmark
(tests/benchmarks/bench_player_fanout.py). Expiry is measured in tens of seconds (a message's
`expiry`, 60 s; a group membership's `group_expiry`, a day), so sweeping at most once a second
changes nothing anybody can observe.

It also sends a group's messages in place: Channels' `group_send` makes a task per member and
awaits them as they complete, though the in-memory `send` never waits for anything, so a state
change to four devices took three extra turns of the event loop (~0.3 ms, most of what the fan-out
spent after its command had committed). And a channel's queue is made only when it has none:
Channels builds a new `asyncio.Queue` as the default of every `setdefault`, used or not.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from copy import deepcopy

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer

SWEEP_INTERVAL_SECONDS = 1.0


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._swept_at = float("-inf")

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._swept_at < SWEEP_INTERVAL_SECONDS:
            return
        self._swept_at = now
        super()._clean_expired()

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    async def send(self, channel, message):
        # Channels' own contract checks, kept as its in-memory layer has them (asserts there too).
        assert isinstance(message, dict), "message is not a dict"  # noqa: S101
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message  # noqa: S101
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, deepcopy(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def receive(self, channel):
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        try:
            _, message = await queue.get()
        finally:
            if queue.empty():  # as Channels does: a drained channel is forgotten
                self.channels.pop(channel, None)
        return message

    process_local = True  # every channel of every group is in this process (see player.broadcast)

    async def group_send(self, group, message, skip: Collection[str] = ()):
        """Every member's copy is queued before this returns, in the order they joined; a full
        channel is skipped, as Channels does, and so are the channels in `skip` (members the
        sender has already handed the message to in this process)."""
        assert isinstance(message, dict), "Message is not a dict"  # noqa: S101 (as Channels checks it)
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            if channel in skip:
                continue
            try:
                await self.send(channel, message)
            except ChannelFull:
                pass
