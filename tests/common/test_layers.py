"""The embedded mode's channel layer (apps/common/layers.py): Channels' in-memory layer, with its
sweep throttled and a group's messages queued in place."""

from __future__ import annotations

import asyncio

import pytest

from apps.common.layers import InMemoryChannelLayer
from tests.asyncrun import run_async


def run(coroutine):
    return run_async(coroutine)


def test_a_group_send_queues_every_members_copy_without_giving_up_the_loop():
    async def scenario():
        layer = InMemoryChannelLayer()
        names = [await layer.new_channel() for _ in range(4)]
        for name in names:
            await layer.group_add("player.u1", name)
        await layer.group_add("player.u2", await layer.new_channel())
        other_ran = False

        async def other():
            nonlocal other_ran
            other_ran = True

        task = asyncio.create_task(other())
        await layer.group_send("player.u1", {"type": "player.state", "text": "v7"})
        assert not other_ran  # no turn of the loop happened inside group_send
        assert [layer.channels[name].qsize() for name in names] == [1, 1, 1, 1]
        assert sum(queue.qsize() for queue in layer.channels.values()) == 4  # never the other user
        received = [await layer.receive(name) for name in names]
        await task
        return received

    received = run(scenario())
    assert received == [{"type": "player.state", "text": "v7"}] * 4
    assert len({id(message) for message in received}) == 4  # each member its own copy


def test_a_full_member_is_skipped_and_the_others_still_hear():
    async def scenario():
        layer = InMemoryChannelLayer(capacity=1)
        first, second = await layer.new_channel(), await layer.new_channel()
        for name in (first, second):
            await layer.group_add("g", name)
        await layer.send(first, {"type": "older"})
        await layer.group_send("g", {"type": "state"})
        return [await layer.receive(first), await layer.receive(second)], layer.channels

    (first_got, second_got), channels = run(scenario())
    assert first_got == {"type": "older"} and second_got == {"type": "state"}
    assert channels == {}  # drained channels are forgotten


def test_a_channel_keeps_one_queue_until_it_is_drained():
    async def scenario():
        layer = InMemoryChannelLayer()
        name = await layer.new_channel()
        await layer.send(name, {"type": "a"})
        queue = layer.channels[name]
        await layer.send(name, {"type": "b"})
        assert layer.channels[name] is queue and queue.qsize() == 2
        return [await layer.receive(name), await layer.receive(name)], layer.channels

    messages, channels = run(scenario())
    assert [m["type"] for m in messages] == ["a", "b"] and channels == {}


def test_bad_input_is_refused_as_channels_refuses_it():
    from channels.exceptions import ChannelFull

    async def scenario():
        layer = InMemoryChannelLayer(capacity=1)
        with pytest.raises(TypeError):
            await layer.send("bad name with spaces", {"type": "x"})
        name = await layer.new_channel()
        await layer.send(name, {"type": "x"})
        with pytest.raises(ChannelFull):
            await layer.send(name, {"type": "y"})
        with pytest.raises(TypeError):
            await layer.group_send("bad group!", {"type": "x"})

    run(scenario())


def test_members_the_sender_has_already_handed_the_message_to_are_skipped():
    async def scenario():
        layer = InMemoryChannelLayer()
        names = [await layer.new_channel() for _ in range(3)]
        for name in names:
            await layer.group_add("player.u1", name)
        await layer.group_send("player.u1", {"type": "player.state", "text": "v7"}, skip={names[0], names[2]})
        return [layer.channels[name].qsize() if name in layer.channels else 0 for name in names]

    assert run(scenario()) == [0, 1, 0]
