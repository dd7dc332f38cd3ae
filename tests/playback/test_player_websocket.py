"""The player websocket with real clients (the `websockets` library) against the real ASGI app
under uvicorn, through the configured channel layer (in-memory in the embedded mode, Redis in
the services mode)."""

from __future__ import annotations

import json
import threading
import time
from contextlib import ExitStack
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.sync.client import connect

from apps.accounts.models import Product, Role
from apps.playback.models import Device as PlayerDevice
from apps.playback.models import PlayerState
from apps.rights import services as rights
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def token_for(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


class Device:
    def __init__(self, port: int, user, device_id: str, *, version: int = 0):
        self.stack = ExitStack()
        self.ws = self.stack.enter_context(connect(f"ws://127.0.0.1:{port}/ws/player/", open_timeout=10))
        self.states: list[dict] = []
        self.send(
            {
                "type": "hello",
                "token": token_for(user),
                "device": {"id": device_id, "name": device_id},
                "version": version,
            }
        )
        self.first = self.read_until(lambda m: m["type"] == "state")

    def send(self, message) -> None:
        self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def read(self, timeout: float = 5.0) -> dict:
        message = json.loads(self.ws.recv(timeout=timeout))
        if message["type"] == "state":
            self.states.append(message)
        return message

    def read_until(self, predicate, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            message = self.read(timeout=max(0.05, deadline - time.monotonic()))
            if predicate(message):
                return message

    def state(self, version: int, timeout: float = 5.0) -> dict:
        """The state of that version, heard already or still to come: a state may reach the device
        that sent its command before the command's ack (with Redis, the server hands it to its
        local sockets while the layer's send is on the network)."""
        for state in self.states:
            if state["version"] == version:
                return state
        return self.read_until(lambda m: m["type"] == "state" and m["version"] == version, timeout)

    def command(self, command_id: str, name: str, **args) -> dict:
        self.send({"type": "command", "id": command_id, "command": name, "args": args})
        return self.read_until(lambda m: m.get("id") == command_id and m["type"] in ("ack", "error"))

    def close(self) -> None:
        self.stack.close()


@pytest.fixture
def album():
    album = AlbumFactory(artists=[ArtistFactory()])
    for number in range(1, 4):
        TrackFactory(album=album, track_number=number)
    return album


@pytest.fixture(autouse=True)
def _settled_server(transactional_db, django_server):
    """Set up before every other fixture here and so torn down after them (the sockets closed) but
    before the database is flushed: the server settles first (see Server.settle)."""
    yield
    django_server.settle()


@pytest.fixture
def devices(django_server):
    opened: list[Device] = []

    def open_device(user, device_id, **kwargs) -> Device:
        device = Device(django_server.port, user, device_id, **kwargs)
        opened.append(device)
        return device

    yield open_device
    for device in opened:
        device.close()


def test_a_command_reaches_the_users_other_devices_with_its_version_and_never_another_user(devices, album):
    alice, bob = UserFactory(email="alice@example.test"), UserFactory(email="bob@example.test")
    laptop, phone, speaker = (devices(alice, name) for name in ("laptop", "phone", "speaker"))
    stranger = devices(bob, "bobs-tab")

    ack = laptop.command("c1", "play", context_uri=f"spotify:album:{album.public_id}")

    assert ack["type"] == "ack", ack
    for device in (laptop, phone, speaker):
        state = device.state(ack["version"])
        assert state["state"]["is_playing"] is True
        assert state["state"]["device"]["id"] == "laptop"
        assert {d["id"] for d in state["devices"]} == {"laptop", "phone", "speaker"}
    # Nothing of Alice's reaches Bob: only his own device's state (his hello's broadcast).
    seen = []
    with pytest.raises(TimeoutError):
        while True:
            seen.append(stranger.read(timeout=0.5))
    assert all({d["id"] for d in m["devices"]} == {"bobs-tab"} for m in seen if m["type"] == "state")
    assert stranger.command("c2", "pause", device_id="laptop")["error"]["status"] == 404  # nor his commands hers


def test_a_device_hears_each_state_once_whichever_way_it_came(devices, album):
    """Handed over in the server's process and also sent through the channel layer (which, with
    Redis, brings it back to this process's sockets): the device hears it once."""
    user = UserFactory()
    laptop, phone = devices(user, "laptop"), devices(user, "phone")
    version = laptop.command("c1", "play", context_uri=f"spotify:album:{album.public_id}")["version"]
    phone.state(version)
    later = []
    with pytest.raises(TimeoutError):
        while True:
            later.append(phone.read(timeout=0.5))
    assert later == []
    for device in (laptop, phone):
        versions = [m["version"] for m in device.states]
        assert versions == sorted(set(versions))  # each once, in order


def test_a_socket_is_handed_states_in_its_process_while_it_is_open(devices, album):
    """The consumer joins this process's LocalSockets with its group and leaves when it closes
    (read from the server's event loop registry; the server runs in a thread of this process)."""
    from apps.playback.player import broadcast

    def members(group: str) -> int:
        return sum(len(sockets.members(group)) for sockets in list(broadcast._local_sockets.values()))

    user = UserFactory()
    group = broadcast.player_group(user.public_id)
    laptop, phone = devices(user, "laptop"), devices(user, "phone")
    assert members(group) == 2
    laptop.close()
    phone.close()
    deadline = time.monotonic() + 5
    while members(group) and time.monotonic() < deadline:
        time.sleep(0.02)  # polled: the server thread runs the disconnect handlers
    assert members(group) == 0


def test_a_reconnecting_device_gets_the_current_state_whatever_version_it_had(devices, album):
    user = UserFactory()
    first = devices(user, "tab")
    version = first.command("c1", "play", context_uri=f"spotify:album:{album.public_id}")["version"]
    first.command("c2", "pause")
    first.close()
    again = devices(user, "tab", version=version)  # it missed the pause while away
    assert again.first["version"] == PlayerState.objects.get(user=user).version
    assert again.first["state"]["is_playing"] is False


def test_bad_frames_get_errors_and_the_connection_stays_healthy(devices, album):
    device = devices(UserFactory(), "tab")
    for frame, reason in (
        ("not json", "INVALID_MESSAGE"),
        ("[1, 2]", "INVALID_MESSAGE"),
        (json.dumps({"type": "dance"}), "UNKNOWN_TYPE"),
        (json.dumps({"type": "command", "id": "x", "command": "explode", "args": {}}), "UNKNOWN_COMMAND"),
        (json.dumps({"type": "command", "id": "y", "command": "seek", "args": {"position_ms": "soon"}}), ""),
    ):
        device.send(frame)
        error = device.read_until(lambda m: m["type"] == "error")
        if reason:
            assert error["error"]["reason"] == reason, frame
        else:
            assert error["error"]["status"] in (400, 403, 404)
    assert device.command("ok", "play", context_uri=f"spotify:album:{album.public_id}")["type"] == "ack"


def test_a_flood_is_rate_limited_per_connection_and_the_connection_survives(devices, album):
    device = devices(UserFactory(), "tab")
    for number in range(80):
        device.send({"type": "heartbeat", "id": f"h{number}"})
    limited = device.read_until(lambda m: m["type"] == "error" and m["error"]["reason"] == "RATE_LIMITED")
    assert limited["error"]["status"] == 429
    time.sleep(1.5)  # the bucket refills
    assert device.command("after", "play", context_uri=f"spotify:album:{album.public_id}")["type"] == "ack"


def test_without_a_session_or_token_the_socket_is_refused(django_server):
    with connect(f"ws://127.0.0.1:{django_server.port}/ws/player/") as ws:
        ws.send(json.dumps({"type": "hello", "device": {"id": "x", "name": "x"}}))
        assert json.loads(ws.recv(timeout=5))["error"]["reason"] == "NOT_AUTHENTICATED"
        with pytest.raises(Exception):  # noqa: B017 (closed with 4401)
            ws.recv(timeout=5)


def test_two_devices_commanding_at_once_end_on_the_same_version(devices, album):
    user = UserFactory()
    left, right = devices(user, "left"), devices(user, "right")
    left.command("start", "play", context_uri=f"spotify:album:{album.public_id}")

    def hammer(device: Device, prefix: str) -> None:
        for number in range(6):
            device.send(
                {
                    "type": "command",
                    "id": f"{prefix}{number}",
                    "command": "volume",
                    "args": {"volume_percent": number * 10},
                }
            )

    threads = [threading.Thread(target=hammer, args=(d, d_name)) for d, d_name in ((left, "l"), (right, "r"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = None
    for device in (left, right):
        acks = 0
        while acks < 6:
            if device.read()["type"] in ("ack", "error"):
                acks += 1
    final = PlayerState.objects.get(user=user).version
    for device in (left, right):
        device.state(final)
        versions = [s["version"] for s in device.states]
        assert versions == sorted(set(versions))  # each once, in order


def test_a_device_idle_past_the_redis_socket_timeout_still_hears_every_change(devices, album):
    """redis-py gives pooled connections a 5 s socket timeout; channels_redis blocks on BZPOPMIN
    for up to 5 s, so without `socket_timeout: None` an idle socket's receive loop died and its
    device stopped hearing states (channels_redis#422). Runs on Redis in the services mode."""
    user = UserFactory()
    speaker, phone = devices(user, "speaker"), devices(user, "phone")
    time.sleep(6.5)  # both sockets idle past the timeout
    ack = phone.command("late", "play", context_uri=f"spotify:album:{album.public_id}")
    assert ack["type"] == "ack", ack
    state = speaker.state(ack["version"])
    assert state["state"]["is_playing"] is True


def test_a_takedown_shows_in_the_very_next_state_although_the_item_is_cached(devices, album):
    """Broadcasts reuse the rendered current item under the catalog version; a takedown bumps it."""
    staff = UserFactory(role=Role.STAFF)
    user = UserFactory(country="SE")
    laptop, phone = devices(user, "laptop"), devices(user, "phone")
    version = laptop.command("c1", "play", context_uri=f"spotify:album:{album.public_id}")["version"]
    first = phone.state(version)
    assert first["state"]["item"]["is_playable"] is True
    version = laptop.command("c2", "seek", position_ms=1000)["version"]  # served from the cache
    assert phone.state(version)["state"]["item"] == first["state"]["item"]

    track = album.tracks.order_by("track_number").first()
    rights.takedown_create(actor=staff, track=track, territories=["SE"], reason="Legal request")
    version = laptop.command("c3", "seek", position_ms=2000)["version"]

    item = phone.state(version)["state"]["item"]
    assert item["id"] == track.public_id
    assert item["is_playable"] is False
    assert item["restrictions"] == {"reason": "takedown"}


def test_heartbeats_renew_the_group_membership_so_a_long_open_tab_keeps_hearing(devices, album, settings):
    """Channel layers expire group memberships (a day by default); a tab open for days must not go
    deaf. Here they expire after 2 s, and the listening device heartbeats past that."""
    layer = settings.CHANNEL_LAYERS["default"]
    settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer.get("CONFIG", {}), "group_expiry": 2}}}
    user = UserFactory()
    speaker, phone = devices(user, "speaker"), devices(user, "phone")
    for _ in range(4):
        time.sleep(1)
        speaker.send({"type": "heartbeat"})
    ack = phone.command("later", "play", context_uri=f"spotify:album:{album.public_id}")
    state = speaker.state(ack["version"])
    assert state["state"]["is_playing"] is True


def test_ended_moves_on_without_a_skip_and_a_late_report_changes_nothing(devices, album):
    user = UserFactory(product=Product.FREE)
    first, second, third = album.tracks.order_by("track_number")
    tab = devices(user, "tab")
    tab.command("c1", "play", context_uri=f"spotify:album:{album.public_id}")

    ack = tab.command("c2", "ended", track=first.public_id)
    state = tab.state(ack["version"])
    assert state["state"]["item"]["id"] == second.public_id and state["state"]["is_playing"] is True
    assert PlayerState.objects.get(user=user).recent_skips == []  # the end of a track is no skip

    # The same report again (a second tab, a retry) arrives after the state moved: nothing changes.
    late = tab.command("c3", "ended", track=first.public_id)
    assert late == {"type": "ack", "id": "c3", "version": ack["version"]}
    assert tab.command("c4", "ended", track=7)["error"]["reason"] == "INVALID_MESSAGE"

    tab.command("c5", "ended", track=second.public_id)
    last = tab.command("c6", "ended", track=third.public_id)  # the album's end: playback stops there
    state = tab.state(last["version"])
    assert state["state"]["item"]["id"] == third.public_id and state["state"]["is_playing"] is False


def test_commands_use_the_country_a_trusted_proxy_puts_on_the_handshake(django_server, album, settings):
    settings.COUNTRY_HEADER = "X-Country"
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    user = UserFactory(country="SE")
    track = album.tracks.order_by("track_number").first()
    staff = UserFactory(role=Role.STAFF)
    rights.licence_create(actor=staff, track=track, kind="grant", territories=["*"])  # everywhere...
    rights.licence_create(actor=staff, track=track, kind="block", territories=["DE"])  # ...but Germany

    def play_from(headers: dict) -> dict:
        url = f"ws://127.0.0.1:{django_server.port}/ws/player/"
        with connect(url, additional_headers=headers, open_timeout=10) as ws:
            hello = {"type": "hello", "token": token_for(user), "device": {"id": "tab", "name": "tab"}, "version": 0}
            ws.send(json.dumps(hello))
            command = {"command": "play", "args": {"uris": [f"spotify:track:{track.public_id}"]}}
            ws.send(json.dumps({"type": "command", "id": "p", **command}))
            while True:
                message = json.loads(ws.recv(timeout=5))
                if message.get("id") == "p":
                    return message

    in_germany = play_from({"X-Country": "DE"})
    assert in_germany["type"] == "error" and in_germany["error"]["reason"] == "MARKET"
    sweden = play_from({})
    assert sweden["type"] == "ack", sweden  # the profile's Sweden
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]  # the same header from an untrusted peer: ignored
    assert play_from({"X-Country": "DE"})["type"] == "ack"


def test_a_heartbeat_frame_keeps_the_device_seen(devices, settings):
    settings.PLAYER_HEARTBEAT_WRITE_MS = 100
    user = UserFactory()
    tab = devices(user, "tab")
    long_ago = timezone.now() - timedelta(minutes=1)
    PlayerDevice.objects.filter(user=user, device_id="tab").update(last_seen_at=long_ago)
    tab.send({"type": "heartbeat"})
    # Stored by the server's batch within PLAYER_HEARTBEAT_WRITE_MS: polled, with a deadline.
    deadline = time.monotonic() + 5
    while PlayerDevice.objects.get(user=user, device_id="tab").last_seen_at == long_ago:
        assert time.monotonic() < deadline, "the heartbeat was never stored"
        time.sleep(0.05)


def test_a_device_saying_bye_leaves_the_others_lists_and_pauses_playback_it_held(devices, album):
    user = UserFactory()
    laptop, phone = devices(user, "laptop"), devices(user, "phone")
    laptop.command("c1", "play", context_uri=f"spotify:album:{album.public_id}")
    laptop.send({"type": "bye"})
    state = phone.read_until(lambda m: m["type"] == "state" and {d["id"] for d in m["devices"]} == {"phone"})
    assert state["state"]["is_playing"] is False and state["state"]["device"] is None
    assert list(PlayerDevice.objects.filter(user=user).values_list("device_id", flat=True)) == ["phone"]
