"""The embedded mode's channel layer: Channels' in-memory layer, with its expiry sweep throttled.

Channels' InMemoryChannelLayer sweeps every channel and every group membership for expired
entries on each `receive`, and every consumer calls `receive` after each message it gets, so one
state change to a user's four devices cost four sweeps over all sockets' channels: with 1,000
sockets open that sweep was the largest single cost in the fan-out benchmark
(tests/benchmarks/bench_player_fanout.py). Expiry is measured in tens of seconds (a message's
`expiry`, 60 s; a group membership's `group_expiry`, a day), so sweeping at most once a second
changes nothing anybody can observe.
"""

from __future__ import annotations

import time

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
