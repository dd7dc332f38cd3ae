"""The player's hand-written statements (apps/playback/player/rows.py) read and write what the ORM
would, and the broadcasts a websocket consumer collects leave from its event loop in order."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.playback.models import Device, PlayerState
from apps.playback.player import broadcast, rows, services
from apps.playback.player.timeline import Timeline
from tests.asyncrun import run_async
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


@pytest.fixture
def playing():
    """A listener playing an album's second track on the first of two devices."""
    album = AlbumFactory(artists=[ArtistFactory()])
    tracks = [TrackFactory(album=album, track_number=n, duration_ms=180_000) for n in (1, 2, 3)]
    user = UserFactory(country="SE")
    now = timezone.now()
    laptop = Device.objects.create(user=user, device_id="tab-1", name="Laptop", last_seen_at=now)
    Device.objects.create(user=user, device_id="tab-2", name="Phone", last_seen_at=now, volume_percent=40)
    timeline = Timeline.start([t.pk for t in tracks], at=1, shuffle=False, repeat="off", seed=7)
    PlayerState.objects.create(
        user=user,
        active_device=laptop,
        context_uri=f"spotify:album:{album.public_id}",
        timeline=timeline.to_json(),
        position_ms=1234,
        position_at=now,
        is_playing=True,
        recent_skips=[now.isoformat()],
        version=5,
    )
    return user, tracks


def test_the_locked_state_is_the_row_the_orm_reads_with_its_devices_listed(playing):
    user, _ = playing
    expected = PlayerState.objects.select_related("active_device").get(user=user)
    state = rows.locked_state(user.pk)
    assert fields(state) == fields(expected)
    assert state.timeline == expected.timeline and state.recent_skips == expected.recent_skips
    assert state.position_at == expected.position_at and state.position_at.tzinfo is not None
    with CaptureQueriesContext(connection) as queries:
        assert fields(state.active_device) == fields(expected.active_device)
    assert len(queries) == 0  # loaded with the state, as select_related does
    assert [fields(d) for d in state.listed_devices] == [fields(d) for d in Device.objects.filter(user=user)]
    assert state.active_device is state.listed_devices[0]  # one instance: a change to it shows in both
    assert not state._state.adding and state._state.db == "default"
    assert rows.locked_state(UserFactory().pk) is None


def test_a_state_without_an_active_device_reads_none_without_a_query(playing):
    user, _ = playing
    PlayerState.objects.filter(user=user).update(active_device=None)
    state = rows.locked_state(user.pk)
    with CaptureQueriesContext(connection) as queries:
        assert state.active_device is None
    assert len(queries) == 0


def test_an_active_device_missing_from_the_list_is_read_when_needed(playing):
    """Not reachable under the state's lock (deleting a device clears the state's reference); were
    it reached, the state must not claim a device it has not got: it is read on first use, as the
    ORM does."""
    user, _ = playing
    state = rows.locked_state(user.pk)
    state._state.fields_cache.pop("active_device")  # as if the list had not held it
    rows.list_devices(state, [])
    with CaptureQueriesContext(connection) as queries:
        device = state.active_device
    assert len(queries) == 1 and device.device_id == "tab-1" and device.pk == state.active_device_id


def test_saving_the_state_writes_every_field_and_touches_updated_at(playing):
    user, tracks = playing
    state = rows.locked_state(user.pk)
    before = state.updated_at
    state.timeline = Timeline.start([tracks[0].pk], at=0, shuffle=False, repeat="track", seed=1).to_json()
    state.recent_skips = []
    state.position_ms, state.is_playing, state.version = 99, False, 6
    state.active_device = Device.objects.get(user=user, device_id="tab-2")
    rows.save_state(state)
    stored = PlayerState.objects.get(user=user)
    assert fields(stored) == {**fields(state), "updated_at": stored.updated_at}
    assert stored.updated_at > before and stored.timeline["repeat"] == "track"


def test_saving_a_row_that_is_gone_writes_nothing(playing):
    from apps.common.model_rows import save_row

    user, _ = playing
    state = rows.locked_state(user.pk)
    PlayerState.objects.filter(user=user).delete()
    assert save_row(state) == 0
    assert not PlayerState.objects.filter(user=user).exists()


def test_devices_are_the_users_own(playing):
    user, _ = playing
    stranger = UserFactory()
    Device.objects.create(user=stranger, device_id="tab-1", name="Theirs", last_seen_at=timezone.now())
    assert [d.name for d in rows.user_devices(user.pk)] == ["Laptop", "Phone"]
    assert [fields(d) for d in rows.user_devices(user.pk)] == [fields(d) for d in Device.objects.filter(user=user)]
    assert rows.user_devices(UserFactory().pk) == []


def test_a_command_drops_the_devices_silent_past_the_timeout(playing):
    """Decided from the listed devices: one silent for two minutes goes (from the table and from
    the state the broadcast renders), the one seen now stays."""
    user, _ = playing
    Device.objects.filter(user=user, device_id="tab-2").update(last_seen_at=timezone.now() - timedelta(minutes=2))
    with broadcast.broadcasts_collected() as sent:
        services.seek(user=user, position_ms=1000)
    assert list(Device.objects.filter(user=user).values_list("device_id", flat=True)) == ["tab-1"]
    devices = broadcast.json.loads(sent[0][1]["text"])["devices"]
    assert [d["id"] for d in devices] == ["tab-1"] and devices[0]["is_active"] is True


def test_the_broadcast_renders_the_devices_as_the_command_left_them(playing):
    """A volume change on the active device shows in the state's device and in the device list,
    with no devices read after commit."""
    user, _ = playing
    with broadcast.broadcasts_collected() as sent, CaptureQueriesContext(connection) as queries:
        services.set_volume(user=user, volume_percent=30)
    statements = [q["sql"] for q in queries]
    after_commit = statements[statements.index("COMMIT") + 1 :]  # the item's first rendering only
    assert after_commit and not any("playback_device" in sql for sql in after_commit)
    message = broadcast.json.loads(sent[0][1]["text"])
    assert message["state"]["device"]["volume_percent"] == 30
    assert [(d["id"], d["volume_percent"]) for d in message["devices"]] == [("tab-1", 30), ("tab-2", 40)]


def test_a_volume_change_writes_that_column_only(playing):
    """A heartbeat may write the row's last_seen_at meanwhile: it is kept."""
    user, _ = playing
    device = rows.user_devices(user.pk)[1]
    later = timezone.now() + timedelta(seconds=30)
    Device.objects.filter(pk=device.pk).update(last_seen_at=later, name="Renamed")
    rows.set_device_volume(device, 75)
    stored = Device.objects.get(pk=device.pk)
    assert (stored.volume_percent, stored.last_seen_at, stored.name) == (75, later, "Renamed")
    assert device.volume_percent == 75


def test_track_facts(playing):
    _, tracks = playing
    facts = rows.track_facts(tracks[2].pk)
    assert (facts.pk, facts.public_id, facts.duration_ms) == (tracks[2].pk, tracks[2].public_id, 180_000)
    assert rows.track_facts(tracks[2].pk + 1000) is None


def test_commands_read_and_write_through_the_statements(playing):
    """A seek, the common command: its statements are the hand-written ones, and no more."""
    user, tracks = playing
    with CaptureQueriesContext(connection) as queries:
        state = services.seek(user=user, position_ms=5000)
    assert state.version == 6
    stored = PlayerState.objects.get(user=user)
    assert (stored.position_ms, stored.version, stored.is_playing) == (5000, 6, True)
    assert Timeline.from_json(stored.timeline).current == tracks[1].pk
    statements = [q["sql"] for q in queries]
    commit = statements.index("COMMIT")
    # BEGIN, (PostgreSQL: no waiting for the flush), the locked state, its devices, the track's
    # length, the update, COMMIT; then the broadcast's item, rendered once, then reused.
    relaxed = 1 if connection.vendor == "postgresql" else 0
    assert len(statements[: commit + 1]) == 6 + relaxed and statements[commit + 1].startswith("SELECT ")
    with CaptureQueriesContext(connection) as queries:
        services.seek(user=user, position_ms=6000)
    assert len(queries) == 6 + relaxed


def test_collected_broadcasts_are_not_sent_from_the_thread_and_leave_in_order(playing):
    """Inside broadcasts_collected a command's state is rendered after commit but kept; the
    consumer sends it from its loop (send_collected), one command's states after another's."""
    user, _ = playing
    sent: list[tuple[str, dict]] = []

    class Layer:
        async def group_send(self, group, message):
            # A network layer waits here; the first state waits longest, so without the group's
            # lock the second would overtake it.
            await asyncio.sleep(0.05 if broadcast.json.loads(message["text"])["version"] == 6 else 0)
            sent.append((group, message))

    with broadcast.broadcasts_collected() as first:
        services.seek(user=user, position_ms=1000)
    with broadcast.broadcasts_collected() as second:
        services.pause(user=user)
    assert sent == [] and len(first) == len(second) == 1
    group, message = first[0]
    assert group == broadcast.player_group(user.public_id) and message["type"] == broadcast.MESSAGE_TYPE

    async def both():
        await asyncio.gather(broadcast.send_collected(first), broadcast.send_collected(second))

    # The layer is replaced only to observe the order of sends; the real layers are exercised by
    # the websocket tests (test_player_websocket.py) in both modes.
    with mock.patch.object(broadcast, "get_channel_layer", return_value=Layer()):
        run_async(both())
    versions = [broadcast.json.loads(m["text"])["version"] for _, m in sent]
    assert versions == [6, 7]


def test_a_layer_outage_after_commit_is_logged_not_raised(playing, caplog):
    user, _ = playing

    class Down:
        async def group_send(self, group, message):
            raise ConnectionError("redis is down")

    with broadcast.broadcasts_collected() as pending:
        services.seek(user=user, position_ms=1000)

    # A layer that fails, which a real one does only when its server is down.
    with mock.patch.object(broadcast, "get_channel_layer", return_value=Down()):
        run_async(broadcast.send_collected(pending))
    assert "Could not broadcast" in caplog.text
    assert PlayerState.objects.get(user=user).version == 6  # the command stays committed


class _Socket:
    """Stands in for a PlayerConsumer in LocalSockets: the hand-off is what is tested here; the
    real consumers are exercised end to end by test_player_websocket.py in both modes."""

    def __init__(self, channel_name: str, *, stuck: bool = False):
        self.channel_name, self.heard = channel_name, []
        self.outbox = broadcast.Outbox(self)
        self.release = asyncio.Event()
        if not stuck:
            self.release.set()

    async def send_state(self, version: int, text: str) -> None:
        await self.release.wait()  # a congested connection waits here for its buffer to drain
        self.heard.append((version, text))


def test_local_sockets_are_handed_states_directly_and_a_congested_one_holds_up_nobody():
    from apps.common.layers import InMemoryChannelLayer

    async def scenario():
        layer = InMemoryChannelLayer()  # the embedded mode's real layer, made here to look inside it
        group = "player.u1"
        fast, stuck = _Socket(await layer.new_channel()), _Socket(await layer.new_channel(), stuck=True)
        elsewhere = await layer.new_channel()  # a member that is no player socket of this loop
        for name in (fast.channel_name, stuck.channel_name, elsewhere):
            await layer.group_add(group, name)
        sockets = broadcast.local_sockets()
        sockets.join(group, fast)
        sockets.join(group, stuck)
        message = {"type": broadcast.MESSAGE_TYPE, "version": 3, "text": "s3"}
        # Patched to choose this layer (a real one), not to fake one.
        with mock.patch.object(broadcast, "get_channel_layer", return_value=layer):
            await asyncio.wait_for(broadcast.send_collected([(group, message)]), 1)  # not held up by `stuck`
        await asyncio.sleep(0.01)  # a few turns of the loop: the writer tasks run
        heard_while_stuck = (list(fast.heard), list(stuck.heard))
        queued = {name: name in layer.channels for name in (fast.channel_name, stuck.channel_name)}
        from_layer = await asyncio.wait_for(layer.receive(elsewhere), 1)
        stuck.release.set()
        await asyncio.sleep(0.01)  # the released writer finishes
        sockets.leave(group, fast)
        sockets.leave(group, stuck)
        return heard_while_stuck, stuck.heard, queued, from_layer, sockets.members(group)

    (fast_heard, stuck_heard_before), stuck_heard, queued, from_layer, left = run_async(scenario())
    assert fast_heard == [(3, "s3")] and stuck_heard_before == []
    assert stuck_heard == [(3, "s3")]  # delivered once its connection drained
    assert queued == {name: False for name in queued}  # the layer did not queue a second copy for them
    assert from_layer == {"type": broadcast.MESSAGE_TYPE, "version": 3, "text": "s3"}
    assert left == []


def test_a_socket_sends_each_state_once_and_never_an_older_one_after_a_newer():
    from apps.playback.player.consumers import PlayerConsumer

    consumer = PlayerConsumer()
    consumer.sent_version = 4
    sent: list[str] = []

    async def record(text_data=None, bytes_data=None, close=False):
        sent.append(text_data)

    consumer.send = record  # the websocket's send, recorded instead of written to a socket

    async def scenario():
        await consumer.send_state(5, "s5")  # handed in this process
        await consumer.player_state({"type": broadcast.MESSAGE_TYPE, "version": 5, "text": "s5"})  # the layer's copy
        await consumer.player_state({"type": broadcast.MESSAGE_TYPE, "version": 7, "text": "s7"})  # another process
        await consumer.send_state(6, "s6")  # crossed by 7: devices would ignore it anyway
        await consumer.player_state({"type": broadcast.MESSAGE_TYPE, "text": "old"})  # no version: older code's

    run_async(scenario())
    assert sent == ["s5", "s7", "old"]


def test_an_outbox_keeps_only_the_newest_state_while_its_socket_is_stuck():
    async def scenario():
        socket = _Socket("stuck", stuck=True)
        before = len(asyncio.all_tasks())
        for version in range(1, 51):  # fifty changes while the connection is paused
            socket.outbox.put(version, f"s{version}")
            await asyncio.sleep(0)  # one turn: the writer reaches the stuck send
        writers = len(asyncio.all_tasks()) - before
        socket.outbox.put(30, "s30")  # older than the pending one: dropped
        socket.release.set()
        await asyncio.sleep(0.01)  # the released writer sends the newest
        return writers, socket.heard

    writers, heard = run_async(scenario())
    assert writers == 1  # one task waiting, not fifty
    assert heard == [(1, "s1"), (50, "s50")]  # the one in flight, then the newest


def test_an_outbox_survives_a_send_that_fails():
    class Closing(_Socket):
        async def send_state(self, version: int, text: str) -> None:
            if version == 1:
                raise RuntimeError("Unexpected ASGI message 'websocket.send', after sending 'websocket.close'")
            self.heard.append((version, text))

    async def scenario():
        socket = Closing("closing")
        socket.outbox.put(1, "s1")
        await asyncio.sleep(0.01)  # the first writer fails and ends
        socket.outbox.put(2, "s2")  # a later state gets a new writer
        await asyncio.sleep(0.01)  # the second writer sends
        return socket.heard

    assert run_async(scenario()) == [(2, "s2")]


def test_local_sockets_forget_a_group_when_its_last_socket_leaves_or_is_collected():
    sockets = broadcast.LocalSockets()
    first, second = _Socket("a"), _Socket("b")
    sockets.join("player.u1", first)
    sockets.join("player.u1", second)
    sockets.leave("player.u1", first)
    assert sockets.members("player.u1") == [second]
    sockets.leave("player.u1", second)
    assert "player.u1" not in sockets._groups  # left: no empty entry per user who ever connected

    sockets.join("player.u2", _Socket("c"))  # held by nothing else: collected at once
    assert sockets.members("player.u2") == []
    assert "player.u2" not in sockets._groups
