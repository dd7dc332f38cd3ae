"""spotipy 2.26, unmodified, drives playlists and the library against a live server. (The 2.25
paths — `/tracks`, `me/tracks`, `me/following`, removal under "tracks" — are covered request by
request in test_playlist_api.py and test_library_api.py.)"""

from __future__ import annotations

import pytest
import spotipy

from tests.conftest import api_client_for
from tests.factories import PASSWORD, AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(live_server, user) -> spotipy.Spotify:
    tokens = api_client_for().post("/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json")
    client = spotipy.Spotify(auth=tokens.json()["access"], retries=0, status_retries=0, requests_timeout=10)
    client.prefix = f"{live_server.url}/v1/"
    return client


@pytest.fixture
def catalog():
    artist = ArtistFactory(name="Marina Alencar")
    album = AlbumFactory(artists=[artist], title="Maré Cheia")
    return artist, album, [TrackFactory(album=album, title=f"Onda {n}", track_number=n) for n in range(1, 7)]


def names(sp, playlist_id) -> list[str]:
    return [item["track"]["name"] for item in sp.playlist_items(playlist_id)["items"]]


@pytest.mark.filterwarnings("ignore:You're using `user_playlist_create")  # spotipy's note on Spotify's API
def test_a_playlist_from_creation_to_deletion(live_server, catalog):
    _, _, tracks = catalog
    user = UserFactory(email="curator@example.test")
    sp = client_for(live_server, user)
    ids = [t.public_id for t in tracks]

    created = sp.user_playlist_create(user.public_id, "Maré", public=True, description="Beach")
    pid = created["id"]
    sp.playlist_add_items(pid, ids[:4])
    sp.playlist_add_items(pid, [ids[4]], position=0)
    assert names(sp, pid) == ["Onda 5", "Onda 1", "Onda 2", "Onda 3", "Onda 4"]

    snapshot = sp.playlist(pid)["snapshot_id"]
    sp.playlist_reorder_items(pid, range_start=0, insert_before=5, snapshot_id=snapshot)
    assert names(sp, pid) == ["Onda 1", "Onda 2", "Onda 3", "Onda 4", "Onda 5"]

    snapshot = sp.playlist(pid)["snapshot_id"]
    sp.playlist_remove_specific_occurrences_of_items(pid, [{"uri": ids[1], "positions": [1]}], snapshot_id=snapshot)
    sp.playlist_remove_all_occurrences_of_items(pid, [ids[0]])
    assert names(sp, pid) == ["Onda 3", "Onda 4", "Onda 5"]

    sp.playlist_replace_items(pid, [ids[5], ids[5]])
    assert names(sp, pid) == ["Onda 6", "Onda 6"]

    sp.playlist_change_details(pid, name="Maré alta", description="Tide")
    playlist = sp.playlist(pid)
    assert (playlist["name"], playlist["description"], playlist["tracks"]["total"]) == ("Maré alta", "Tide", 2)
    assert [p["id"] for p in sp.current_user_playlists()["items"]] == [pid]

    listener = UserFactory(email="fan@example.test")
    fan = client_for(live_server, listener)
    fan.current_user_follow_playlist(pid)
    # spotipy 2.26's playlist_is_following raises a TypeError of its own (its deprecation warning
    # passes a string as the warning category), so its request is sent through the client's _get.
    contains = sp._get(f"playlists/{pid}/followers/contains?ids={listener.public_id},{user.public_id}")
    assert contains == [True, True]
    assert [p["id"] for p in fan.current_user_playlists()["items"]] == [pid]
    with pytest.raises(spotipy.SpotifyException) as refused:
        fan.playlist_add_items(pid, [ids[0]])
    assert refused.value.http_status == 403

    sp.current_user_unfollow_playlist(pid)  # the owner's unfollow deletes it
    with pytest.raises(spotipy.SpotifyException) as gone:
        fan.playlist(pid)
    assert gone.value.http_status == 404


def test_the_library(live_server, catalog):
    artist, album, tracks = catalog
    user = UserFactory(email="saver@example.test")
    friend = UserFactory(email="friend@example.test")
    sp = client_for(live_server, user)

    sp.current_user_saved_tracks_add([tracks[0].public_id, tracks[1].public_id])
    assert sp.current_user_saved_tracks_contains([tracks[1].public_id, tracks[2].public_id]) == [True, False]
    assert {i["track"]["id"] for i in sp.current_user_saved_tracks()["items"]} == {t.public_id for t in tracks[:2]}
    sp.current_user_saved_tracks_delete([tracks[0].public_id])
    assert [i["track"]["id"] for i in sp.current_user_saved_tracks()["items"]] == [tracks[1].public_id]

    sp.current_user_saved_albums_add([album.public_id])
    assert sp.current_user_saved_albums()["items"][0]["album"]["id"] == album.public_id
    assert sp.current_user_saved_albums_contains([album.public_id]) == [True]

    sp.user_follow_artists([artist.public_id])
    followed = sp.current_user_followed_artists(limit=10)["artists"]
    assert [a["id"] for a in followed["items"]] == [artist.public_id]
    assert sp.current_user_following_artists([artist.public_id]) == [True]
    sp.user_unfollow_artists([artist.public_id])
    assert sp.current_user_following_artists([artist.public_id]) == [False]

    sp.user_follow_users([friend.public_id])
    assert sp.current_user_following_users([friend.public_id]) == [True]
    sp.user_unfollow_users([friend.public_id])
    assert sp.current_user_following_users([friend.public_id]) == [False]
