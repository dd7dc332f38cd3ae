"""Bugs a review found, each kept from coming back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.playlists import services
from apps.playlists.models import PlaylistEntry
from tests.conftest import api_client_for
from tests.factories import AlbumFactory, TrackFactory, UserFactory
from tests.recommendations.test_feed import follow, play

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(email="owner@example.test", display_name="Olga")


@pytest.fixture
def songs():
    album = AlbumFactory()
    return [TrackFactory(album=album, title=f"Song {n}", duration_ms=200_000) for n in range(1, 4)]


def test_a_playlist_made_public_later_shows_on_its_owners_profile(owner, client):
    playlist = services.playlist_create(owner=owner, name="Late bloomer", public=False)
    services.playlist_update_details(actor=owner, playlist=playlist, fields={"public": True})
    other = api_client_for(UserFactory(email="other@example.test"))
    listed = other.get(f"/v1/users/{owner.public_id}/playlists").json()["items"]
    assert [p["name"] for p in listed] == ["Late bloomer"]
    assert "Late bloomer" in client.get(reverse("social:profile", args=[owner.public_id])).content.decode()


def test_a_private_follow_is_told_only_to_the_follower(owner):
    playlist = services.playlist_create(owner=owner, name="Shared")
    shy = UserFactory(email="shy@example.test")
    api_client_for(shy).put(f"/v1/playlists/{playlist.public_id}/followers", {"public": False}, format="json")
    url = f"/v1/playlists/{playlist.public_id}/followers/contains?ids={shy.public_id}"
    assert api_client_for(UserFactory(email="nosy@example.test")).get(url).json() == [False]
    assert api_client_for(shy).get(url).json() == [True]


def test_a_busy_friend_does_not_crowd_out_the_others(songs):
    me = UserFactory(email="me@example.test")
    busy, quiet = UserFactory(email="busy@example.test"), UserFactory(email="quiet@example.test")
    follow(me, busy)
    follow(me, quiet)
    play(quiet, songs[0])
    for _ in range(12):
        play(busy, songs[1])
    people = [i["user"]["id"] for i in api_client_for(me).get("/v1/me/feed").json()["items"]]
    assert people.count(busy.public_id) == 5 and people.count(quiet.public_id) == 1


def test_plays_made_while_not_sharing_stay_hidden_after_sharing_again(songs):
    me, friend = UserFactory(email="me@example.test"), UserFactory(email="friend@example.test")
    follow(me, friend)
    friend_api = api_client_for(friend)
    friend_api.put("/v1/me/privacy", {"share_activity": False}, format="json")
    play(friend, songs[0])
    friend_api.put("/v1/me/privacy", {"share_activity": True}, format="json")
    assert api_client_for(me).get("/v1/me/feed").json()["items"] == []


def test_a_friends_private_playlist_is_not_named_in_the_feed(songs):
    me, friend = UserFactory(email="me@example.test"), UserFactory(email="friend@example.test")
    follow(me, friend)
    secret = services.playlist_create(owner=friend, name="Secret", public=False)
    friend_api = api_client_for(friend)
    body = {
        "events": [
            {
                "id": "e-private-context",
                "type": "play.end",
                "track": songs[0].public_id,
                "ms_played": 45_000,
                "timestamp": int(secret.created_at.timestamp() * 1000),
                "context_uri": f"spotify:playlist:{secret.public_id}",
            }
        ]
    }
    assert friend_api.post("/v1/me/player/events", body, format="json").json()["accepted"] == 1
    items = api_client_for(me).get("/v1/me/feed").json()["items"]
    assert items[0]["type"] == "played" and items[0]["context"] is None
    assert secret.public_id not in str(items)


def test_a_restore_survives_a_deleted_contributor(owner, songs):
    collaborator = UserFactory(email="collab@example.test")
    playlist = services.playlist_create(owner=owner, name="Mix", public=False, collaborative=True)
    services.collaborators_add(actor=owner, playlist=playlist, users=[collaborator])
    playlist.refresh_from_db()
    services.items_add(actor=collaborator, playlist=playlist, track_ids=[songs[0].public_id])
    playlist.refresh_from_db()
    services.items_replace(actor=owner, playlist=playlist, track_ids=[])
    playlist.refresh_from_db()
    restored = playlist.version + 1
    services.playlist_restore(actor=owner, playlist=playlist, version=2)  # right after the collaborator added it
    playlist.refresh_from_db()
    services.items_replace(actor=owner, playlist=playlist, track_ids=[])
    collaborator.delete()
    playlist.refresh_from_db()
    services.playlist_restore(actor=owner, playlist=playlist, version=restored)
    entry = PlaylistEntry.objects.get(playlist=playlist)
    assert entry.track_id == songs[0].pk and entry.added_by_id is None


def test_embedded_item_pages_link_to_the_items_endpoint(owner, songs):
    api = api_client_for(owner)
    created = api.post("/v1/me/playlists", {"name": "Long"}, format="json").json()
    assert created["tracks"]["href"].startswith(f"http://testserver/v1/playlists/{created['id']}/tracks?")
    api.post(f"/v1/playlists/{created['id']}/items", [f"spotify:track:{songs[0].public_id}"] * 120, format="json")
    embedded = api.get(f"/v1/playlists/{created['id']}/").json()["tracks"]
    assert embedded["next"].startswith(f"http://testserver/v1/playlists/{created['id']}/tracks?")
    assert len(api.get(embedded["next"]).json()["items"]) == 20


def test_a_non_ascii_digit_offset_is_not_a_server_error(owner, client):
    playlist = services.playlist_create(owner=owner, name="Mix")
    response = client.get(reverse("playlists:rows", args=[playlist.public_id]) + "?offset=²")
    assert response.status_code == 400
