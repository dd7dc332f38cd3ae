"""The Spotify player API over the server-authoritative state: devices, commands, errors."""

from __future__ import annotations

import pytest

from apps.accounts.models import Product, Role
from apps.playback.models import Device, PlayerState
from apps.rights import services as rights
from tests.conftest import api_client_for
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def album():
    album = AlbumFactory(artists=[ArtistFactory()])
    for number in range(1, 6):
        TrackFactory(album=album, track_number=number, duration_ms=200_000)
    return album


def uri(kind, row):
    return f"spotify:{kind}:{row.public_id}"


def hello(client, device_id, name="Web Player"):
    response = client.post("/v1/me/player/devices", {"id": device_id, "name": name}, format="json")
    assert response.status_code == 204, response.content


def tracks_of(album):
    return list(album.tracks.order_by("track_number"))


@pytest.fixture
def player(listener):
    client = api_client_for(listener)
    hello(client, "tab-1", "Laptop")
    hello(client, "tab-2", "Phone")
    return client


def test_nothing_playing_is_204_and_devices_are_listed(player):
    assert player.get("/v1/me/player").status_code == 204
    devices = player.get("/v1/me/player/devices").json()["devices"]
    assert [(d["id"], d["name"], d["is_active"]) for d in devices] == [
        ("tab-1", "Laptop", False),
        ("tab-2", "Phone", False),
    ]


def test_play_an_album_from_an_offset_then_pause_next_previous_seek(player, album):
    tracks = tracks_of(album)
    response = player.put(
        "/v1/me/player/play?device_id=tab-1",
        {"context_uri": uri("album", album), "offset": {"position": 2}, "position_ms": 1000},
        format="json",
    )
    assert response.status_code == 204, response.content
    state = player.get("/v1/me/player").json()
    assert state["item"]["id"] == tracks[2].public_id and state["is_playing"] is True
    assert state["device"]["id"] == "tab-1" and state["context"]["uri"] == uri("album", album)
    assert 1000 <= state["progress_ms"] < 5000
    first_version = state["version"]

    assert player.put("/v1/me/player/pause").status_code == 204
    assert player.put("/v1/me/player/pause").json()["error"]["reason"] == "ALREADY_PAUSED"
    assert player.post("/v1/me/player/next").status_code == 204
    assert player.get("/v1/me/player/currently-playing").json()["item"]["id"] == tracks[3].public_id
    assert player.post("/v1/me/player/previous").status_code == 204
    assert player.get("/v1/me/player").json()["item"]["id"] == tracks[2].public_id
    assert player.put("/v1/me/player/seek?position_ms=120000").status_code == 204
    state = player.get("/v1/me/player").json()
    assert state["progress_ms"] == 120000 and state["is_playing"] is False
    assert state["version"] > first_version


def test_uris_with_an_offset_by_uri_and_the_queue_plays_first(player, album):
    tracks = tracks_of(album)
    uris = [uri("track", t) for t in tracks[:3]]
    assert (
        player.put(
            "/v1/me/player/play?device_id=tab-2", {"uris": uris, "offset": {"uri": uris[1]}}, format="json"
        ).status_code
        == 204
    )
    assert player.post(f"/v1/me/player/queue?uri={uri('track', tracks[4])}").status_code == 204
    queue = player.get("/v1/me/player/queue").json()
    assert queue["currently_playing"]["id"] == tracks[1].public_id
    assert [t["id"] for t in queue["queue"]] == [tracks[4].public_id, tracks[2].public_id]
    player.post("/v1/me/player/next")
    assert player.get("/v1/me/player").json()["item"]["id"] == tracks[4].public_id


def test_transfer_moves_playback_to_another_device(player, album):
    player.put("/v1/me/player/play?device_id=tab-1", {"context_uri": uri("album", album)}, format="json")
    assert player.put("/v1/me/player", {"device_ids": ["tab-2"], "play": True}, format="json").status_code == 204
    devices = {d["id"]: d["is_active"] for d in player.get("/v1/me/player/devices").json()["devices"]}
    assert devices == {"tab-1": False, "tab-2": True}
    assert player.put("/v1/me/player", {"device_ids": ["tab-1", "tab-2"]}, format="json").status_code == 400


def test_repeat_shuffle_and_volume(player, album):
    player.put("/v1/me/player/play?device_id=tab-1", {"context_uri": uri("album", album)}, format="json")
    assert player.put("/v1/me/player/repeat?state=context").status_code == 204
    assert player.put("/v1/me/player/shuffle?state=true").status_code == 204
    assert player.put("/v1/me/player/volume?volume_percent=40").status_code == 204
    state = player.get("/v1/me/player").json()
    assert (state["repeat_state"], state["shuffle_state"], state["device"]["volume_percent"]) == ("context", True, 40)
    for bad in (
        "/v1/me/player/repeat?state=sometimes",
        "/v1/me/player/shuffle?state=yes",
        "/v1/me/player/volume?volume_percent=101",
        "/v1/me/player/seek?position_ms=-1",
    ):
        response = player.put(bad)
        assert response.status_code == 400, bad
        assert "error" in response.json()


def test_nothing_to_command_without_an_active_device(player):
    response = player.put("/v1/me/player/pause")
    assert response.status_code == 404 and response.json()["error"]["reason"] == "NO_ACTIVE_DEVICE"


def test_another_users_device_is_not_found(player, album):
    stranger = api_client_for(UserFactory(email="stranger@example.test"))
    hello(stranger, "their-tab")
    response = player.put("/v1/me/player/play?device_id=their-tab", {"context_uri": uri("album", album)}, format="json")
    assert response.status_code == 404
    assert player.put("/v1/me/player", {"device_ids": ["their-tab"]}, format="json").status_code == 404
    assert stranger.get("/v1/me/player").status_code == 204  # untouched


def test_playing_what_the_market_forbids_is_403_with_the_reason(player, album):
    staff = UserFactory(email="staff@example.test", role=Role.STAFF)
    track = tracks_of(album)[0]
    rights.licence_create(actor=staff, track=track, territories=["JP"])
    response = player.put("/v1/me/player/play?device_id=tab-1", {"uris": [uri("track", track)]}, format="json")
    assert response.status_code == 403 and response.json()["error"]["reason"] == "MARKET"
    assert not PlayerState.objects.filter(version__gt=2).exists()  # nothing changed but the two hellos


def test_seek_beyond_the_track_is_400(player, album):
    player.put("/v1/me/player/play?device_id=tab-1", {"context_uri": uri("album", album)}, format="json")
    response = player.put("/v1/me/player/seek?position_ms=200001")
    assert response.status_code == 400 and "beyond" in response.json()["error"]["message"]


def test_free_listeners_skip_six_times_an_hour_premium_without_limit(album, listener):
    AlbumFactory()
    long_album = AlbumFactory(artists=[ArtistFactory()])
    for number in range(1, 12):
        TrackFactory(album=long_album, track_number=number)
    for user, allowed in ((listener, 6), (UserFactory(email="p@example.test", product=Product.PREMIUM), 10)):
        client = api_client_for(user)
        hello(client, "tab")
        client.put("/v1/me/player/play?device_id=tab", {"context_uri": uri("album", long_album)}, format="json")
        statuses = [client.post("/v1/me/player/next").status_code for _ in range(allowed)]
        assert statuses == [204] * allowed
        if not user.is_premium:
            refused = client.post("/v1/me/player/next")
            assert refused.status_code == 403 and refused.json()["error"]["reason"] == "PREMIUM_REQUIRED"
            assert "6 times an hour" in refused.json()["error"]["message"]


def test_a_silent_active_device_is_dropped_and_playback_pauses(player, album, settings):
    player.put("/v1/me/player/play?device_id=tab-1", {"context_uri": uri("album", album)}, format="json")
    Device.objects.filter(device_id="tab-1").update(last_seen_at="2020-01-01T00:00:00Z")
    hello(player, "tab-2")  # any command sweeps
    state = PlayerState.objects.get()
    assert state.active_device is None and state.is_playing is False
    assert not Device.objects.filter(device_id="tab-1").exists()


def test_anonymous_callers_are_401(anon):
    assert anon.get("/v1/me/player").status_code == 401
    assert anon.put("/v1/me/player/pause").status_code == 401
