"""A playlist plays through the player like an album: its items in order, from an offset; a
private one is not found for anyone who may not see it."""

from __future__ import annotations

import pytest

from apps.playlists import services
from tests.conftest import api_client_for
from tests.factories import AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(email="owner@example.test")


@pytest.fixture
def tracks():
    album = AlbumFactory()
    return [TrackFactory(album=album, title=f"Song {n}", track_number=n) for n in range(1, 5)]


def playlist_of(owner, tracks, *, public=True):
    playlist = services.playlist_create(owner=owner, name="Mix", public=public)
    services.items_add(actor=owner, playlist=playlist, track_ids=[t.public_id for t in reversed(tracks)])
    return playlist


def player_for(user):
    client = api_client_for(user)
    assert client.post("/v1/me/player/devices", {"id": "tab", "name": "Tab"}, format="json").status_code == 204
    return client


def test_a_playlist_plays_in_its_order_from_an_offset(owner, tracks):
    playlist = playlist_of(owner, tracks)
    player = player_for(owner)
    context = f"spotify:playlist:{playlist.public_id}"

    assert (
        player.put(
            "/v1/me/player/play?device_id=tab", {"context_uri": context, "offset": {"position": 1}}, format="json"
        ).status_code
        == 204
    )
    state = player.get("/v1/me/player").json()
    assert state["item"]["name"] == "Song 3" and state["context"]["uri"] == context
    player.post("/v1/me/player/next")
    assert player.get("/v1/me/player").json()["item"]["name"] == "Song 2"
    queue = player.get("/v1/me/player/queue").json()
    assert [t["name"] for t in queue["queue"]][:1] == ["Song 1"]


def test_a_private_playlist_is_not_found_for_others_and_an_empty_one_cannot_start(owner, tracks):
    private = playlist_of(owner, tracks, public=False)
    outsider = player_for(UserFactory(email="outsider@example.test"))
    response = outsider.put(
        "/v1/me/player/play?device_id=tab", {"context_uri": f"spotify:playlist:{private.public_id}"}, format="json"
    )
    assert response.status_code == 404 and "Context not found" in response.json()["error"]["message"]
    assert outsider.get("/v1/me/player").status_code == 204  # nothing started

    empty = services.playlist_create(owner=owner, name="Empty")
    response = player_for(owner).put(
        "/v1/me/player/play?device_id=tab", {"context_uri": f"spotify:playlist:{empty.public_id}"}, format="json"
    )
    assert response.status_code == 404


def test_liked_songs_play_newest_first_and_only_for_their_owner(owner, tracks):
    api = api_client_for(owner)
    for track in tracks[:3]:  # one at a time: each liked after the last
        api.put(f"/v1/me/tracks?ids={track.public_id}", content_type="application/json")
    player = player_for(owner)
    context = f"spotify:user:{owner.public_id}:collection"

    assert player.put("/v1/me/player/play?device_id=tab", {"context_uri": context}, format="json").status_code == 204
    state = player.get("/v1/me/player").json()
    assert state["item"]["name"] == "Song 3"
    assert state["context"]["type"] == "collection" and state["context"]["uri"] == context

    outsider = player_for(UserFactory(email="outsider@example.test"))
    response = outsider.put("/v1/me/player/play?device_id=tab", {"context_uri": context}, format="json")
    assert response.status_code == 404
