"""The activity feed: what followed listeners played and the public playlists they made; nothing
from a private session, nothing from someone who does not share their activity."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from apps.playback.events.checks import ms_from_datetime
from apps.playback.models import PlayEvent
from apps.playlists import services
from tests.conftest import api_client_for
from tests.factories import AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

_ids = itertools.count()


@pytest.fixture
def me():
    return UserFactory(email="me@example.test")


@pytest.fixture
def friend():
    return UserFactory(email="friend@example.test", display_name="Frida")


@pytest.fixture
def tracks():
    album = AlbumFactory()
    return [TrackFactory(album=album, title=f"Song {n}", duration_ms=200_000) for n in range(1, 9)]


def play(user, track, *, ms_played=45_000):
    body = {
        "events": [
            {
                "id": f"evt-{next(_ids)}",
                "type": "play.end",
                "track": f"spotify:track:{track.public_id}",
                "ms_played": ms_played,
                "timestamp": ms_from_datetime(timezone.now()),
            }
        ]
    }
    response = api_client_for(user).post("/v1/me/player/events", body, format="json")
    assert response.status_code == 200 and response.json()["accepted"] == 1, response.json()


def follow(user, other):
    response = api_client_for(user).put(
        f"/v1/me/following?type=user&ids={other.public_id}", content_type="application/json"
    )
    assert response.status_code == 204


def feed(user) -> list[tuple]:
    items = api_client_for(user).get("/v1/me/feed").json()["items"]
    return [(i["type"], i["user"]["display_name"], (i.get("track") or i.get("playlist"))["name"]) for i in items]


def test_it_shows_what_followed_listeners_played_and_made_newest_first(me, friend, tracks):
    stranger = UserFactory(email="stranger@example.test")
    play(friend, tracks[0])
    play(friend, tracks[1], ms_played=5_000)  # a skip, not a stream: not activity
    play(stranger, tracks[2])
    services.playlist_create(owner=friend, name="Beach")
    services.playlist_create(owner=friend, name="Secret", public=False)
    assert feed(me) == []

    follow(me, friend)
    assert feed(me) == [("playlist", "Frida", "Beach"), ("played", "Frida", "Song 1")]


def test_a_busy_listener_shows_at_most_five_plays(me, friend, tracks):
    follow(me, friend)
    for track in tracks:
        play(friend, track)
    assert [name for _, _, name in feed(me)] == ["Song 8", "Song 7", "Song 6", "Song 5", "Song 4"]


def test_a_private_session_keeps_plays_out_and_ends_by_itself(me, friend, tracks, settings):
    follow(me, friend)
    privacy = api_client_for(friend)
    body = privacy.put("/v1/me/privacy", {"private_session": True}, format="json").json()
    assert body["private_session"] is True and body["private_session_until"].endswith("Z")
    play(friend, tracks[0])
    assert feed(me) == [] and PlayEvent.objects.get().private is True

    friend.refresh_from_db()
    friend.private_session_until = timezone.now()  # six hours later
    friend.save()
    play(friend, tracks[1])
    assert feed(me) == [("played", "Frida", "Song 2")]
    assert privacy.get("/v1/me/privacy").json()["private_session"] is False


def test_not_sharing_activity_hides_everything(me, friend, tracks):
    follow(me, friend)
    play(friend, tracks[0])
    services.playlist_create(owner=friend, name="Beach")
    assert api_client_for(friend).put("/v1/me/privacy", {"share_activity": False}, format="json").status_code == 200
    assert feed(me) == []


@pytest.mark.parametrize("body", [{}, {"private_session": "yes"}, {"share_activity": 1}, {"colour": True}, ["x"]])
def test_bad_privacy_settings_are_refused_and_nothing_changes(friend, body):
    response = api_client_for(friend).put("/v1/me/privacy", body, format="json")
    assert response.status_code == 400
    friend.refresh_from_db()
    assert friend.private_session_until is None and friend.share_activity is True


def test_anonymous_gets_401(anon):
    assert anon.get("/v1/me/feed").status_code == 401
    assert anon.put("/v1/me/privacy", {"share_activity": False}, format="json").status_code == 401
