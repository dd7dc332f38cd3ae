"""The library: liked songs, saved albums, followed artists and listeners, with spotipy 2.25's
`/me/tracks` and `/me/following` and 2.26's `/me/library?uris=`."""

from __future__ import annotations

import pytest

from apps.catalog.models import IngestState
from apps.playlists.models import FollowedArtist, FollowedUser, PlaylistFollow, SavedAlbum, SavedTrack
from tests.conftest import api_client_for
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

MISSING = "A" * 22


@pytest.fixture
def user():
    return UserFactory(email="me@example.test")


@pytest.fixture
def api(user):
    return api_client_for(user)


@pytest.fixture
def tracks():
    album = AlbumFactory(title="Northern Lights")
    return [TrackFactory(album=album, title=f"Song {n}") for n in range(1, 5)]


def test_liked_songs_newest_first_idempotent_and_removable(api, tracks):
    first, second = tracks[:2]
    assert api.put(f"/v1/me/tracks/?ids={first.public_id}", content_type="application/json").status_code == 200
    assert api.put("/v1/me/tracks", {"ids": [second.public_id, first.public_id]}, format="json").status_code == 200

    page = api.get("/v1/me/tracks?market=from_token").json()
    assert [item["track"]["name"] for item in page["items"]] == ["Song 2", "Song 1"]
    assert page["total"] == 2 and page["items"][0]["track"]["is_playable"] is True
    assert page["items"][0]["added_at"].endswith("Z")
    contains = api.get(f"/v1/me/tracks/contains?ids={first.public_id},{tracks[2].public_id}").json()
    assert contains == [True, False]

    assert api.delete(f"/v1/me/tracks?ids={first.public_id}", content_type="application/json").status_code == 200
    assert list(SavedTrack.objects.values_list("track__title", flat=True)) == ["Song 2"]


def test_an_unknown_id_saves_nothing_and_is_named(api, tracks):
    response = api.put(f"/v1/me/tracks?ids={tracks[0].public_id},{MISSING}", content_type="application/json")
    assert response.status_code == 400 and f"spotify:track:{MISSING}" in response.json()["error"]["message"]
    assert SavedTrack.objects.count() == 0
    for query in ("ids=not-base62", "ids=" + ",".join([tracks[0].public_id] * 51), ""):
        assert api.put(f"/v1/me/tracks?{query}", content_type="application/json").status_code == 400
    assert SavedTrack.objects.count() == 0


def test_a_track_that_is_not_ready_cannot_be_saved(api):
    pending = TrackFactory(ingest_state=IngestState.PROCESSING)
    assert api.put(f"/v1/me/tracks?ids={pending.public_id}", content_type="application/json").status_code == 400


def test_saved_albums(api, tracks):
    album = tracks[0].album
    assert api.put(f"/v1/me/albums?ids={album.public_id}", content_type="application/json").status_code == 200
    page = api.get("/v1/me/albums").json()
    assert page["items"][0]["album"]["name"] == "Northern Lights" and page["items"][0]["album"]["total_tracks"] == 4
    assert api.get(f"/v1/me/albums/contains?ids={album.public_id}").json() == [True]
    for track in tracks:  # an album with nothing left to play is neither listed nor counted
        track.ingest_state = IngestState.FAILED
        track.hls_prefix = ""
        track.save()
    assert api.get("/v1/me/albums").json()["total"] == 0
    api.delete(f"/v1/me/albums?ids={album.public_id}", content_type="application/json")
    assert SavedAlbum.objects.count() == 0


def test_followed_artists_page_by_cursor(api):
    artists = [ArtistFactory(name=f"Artist {n}") for n in range(5)]
    for artist in artists:  # one at a time: each a later follow than the last
        api.put(f"/v1/me/following?type=artist&ids={artist.public_id}", content_type="application/json")

    first = api.get("/v1/me/following?type=artist&limit=2").json()["artists"]
    assert [a["name"] for a in first["items"]] == ["Artist 4", "Artist 3"] and first["total"] == 5
    second = api.get(first["next"]).json()["artists"]
    assert [a["name"] for a in second["items"]] == ["Artist 2", "Artist 1"]
    last = api.get(second["next"]).json()["artists"]
    assert [a["name"] for a in last["items"]] == ["Artist 0"] and last["next"] is None
    assert last["cursors"]["after"] is None

    query = f"type=artist&ids={artists[0].public_id},{ArtistFactory().public_id}"
    assert api.get(f"/v1/me/following/contains?{query}").json() == [True, False]
    assert api.delete(f"/v1/me/following?{query}", content_type="application/json").status_code == 204
    assert FollowedArtist.objects.count() == 4


def test_following_listeners_but_not_yourself(api, user):
    friend = UserFactory(email="friend@example.test")
    assert (
        api.put(f"/v1/me/following?type=user&ids={friend.public_id}", content_type="application/json").status_code
        == 204
    )
    response = api.put(f"/v1/me/following?type=user&ids={user.public_id}", content_type="application/json")
    assert response.status_code == 400 and "yourself" in response.json()["error"]["message"]
    assert list(FollowedUser.objects.values_list("followee__email", flat=True)) == ["friend@example.test"]
    assert (
        api.put(f"/v1/me/following?type=album&ids={friend.public_id}", content_type="application/json").status_code
        == 400
    )


def test_the_library_endpoint_takes_any_mix_and_is_all_or_nothing(api, user, tracks):
    artist = ArtistFactory()
    other = UserFactory(email="curator@example.test")
    playlist = api_client_for(other).post("/v1/me/playlists", {"name": "Mix"}, format="json").json()
    uris = [f"spotify:track:{tracks[0].public_id}", f"spotify:artist:{artist.public_id}", playlist["uri"]]

    assert api.put(f"/v1/me/library?uris={','.join(uris)}", content_type="application/json").status_code == 200
    assert SavedTrack.objects.filter(user=user).count() == 1
    assert FollowedArtist.objects.filter(user=user).count() == 1
    assert PlaylistFollow.objects.filter(user=user).count() == 1
    asked = [*uris, f"spotify:album:{tracks[0].album.public_id}"]
    assert api.get(f"/v1/me/library/contains?uris={','.join(asked)}").json() == [True, True, True, False]

    bad = [f"spotify:album:{tracks[0].album.public_id}", f"spotify:track:{MISSING}"]
    response = api.put(f"/v1/me/library?uris={','.join(bad)}", content_type="application/json")
    assert response.status_code == 400 and SavedAlbum.objects.count() == 0  # the album was not saved either

    assert api.delete(f"/v1/me/library?uris={','.join(uris)}", content_type="application/json").status_code == 200
    assert SavedTrack.objects.count() == FollowedArtist.objects.count() == 0
    assert not PlaylistFollow.objects.filter(user=user).exists()


def test_a_private_playlist_cannot_be_followed_through_the_library(api):
    owner = UserFactory(email="owner@example.test")
    private = api_client_for(owner).post("/v1/me/playlists", {"name": "Secret", "public": False}, format="json").json()
    response = api.put(f"/v1/me/library?uris={private['uri']}", content_type="application/json")
    assert response.status_code == 404
    assert PlaylistFollow.objects.count() == 1  # the owner's own


def test_anonymous_gets_401(anon, tracks):
    assert anon.get("/v1/me/tracks").status_code == 401
    assert anon.put(f"/v1/me/tracks?ids={tracks[0].public_id}").status_code == 401
    assert anon.put(f"/v1/me/library?uris=spotify:track:{tracks[0].public_id}").status_code == 401
    assert SavedTrack.objects.count() == 0
