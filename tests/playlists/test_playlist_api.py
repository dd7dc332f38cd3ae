"""The playlist API with the request shapes of spotipy 2.25 and 2.26, and its bad input."""

from __future__ import annotations

import pytest

from apps.playlists import history, services
from apps.playlists.models import Playlist, PlaylistChange, PlaylistEntry
from apps.playlists.ordering import validate
from tests.conftest import api_client_for
from tests.factories import AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracks():
    album = AlbumFactory(title="Northern Lights")
    return [TrackFactory(album=album, title=f"Song {n}") for n in range(1, 9)]


def uri(track) -> str:
    return f"spotify:track:{track.public_id}"


def titles(api, playlist_id: str) -> list[str]:
    page = api.get(f"/v1/playlists/{playlist_id}/items?limit=100").json()
    return [item["track"]["name"] for item in page["items"]]


@pytest.fixture
def owner():
    return UserFactory(email="owner@example.test", display_name="Olivia Owner")


@pytest.fixture
def api(owner):
    return api_client_for(owner)


@pytest.fixture
def playlist_id(api) -> str:
    response = api.post("/v1/me/playlists", {"name": "Road trip", "description": "Long drives"}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_create_then_read_in_the_spotify_shape(api, owner, tracks):
    created = api.post(
        f"/v1/users/{owner.public_id}/playlists", {"name": " Road trip ", "public": False}, format="json"
    ).json()
    assert created["name"] == "Road trip" and created["public"] is False and created["collaborative"] is False
    assert created["owner"]["id"] == owner.public_id and created["owner"]["display_name"] == "Olivia Owner"
    assert created["tracks"]["total"] == 0 and created["items"]["total"] == 0

    added = api.post(f"/v1/playlists/{created['id']}/tracks", [uri(t) for t in tracks[:3]], format="json")
    assert added.status_code == 201 and added.json()["snapshot_id"] != created["snapshot_id"]

    body = api.get(f"/v1/playlists/{created['id']}?market=from_token").json()
    assert body["snapshot_id"] == added.json()["snapshot_id"]
    assert body["followers"] == {"href": None, "total": 1}  # the owner follows what they make
    item = body["tracks"]["items"][0]
    assert item["track"] == item["item"] and item["track"]["name"] == "Song 1"
    assert item["track"]["is_playable"] is True
    assert item["added_by"]["id"] == owner.public_id and item["is_local"] is False
    assert body["tracks"]["href"].startswith(f"http://testserver/v1/playlists/{created['id']}/tracks?")
    mine = api.get("/v1/me/playlists").json()
    assert [p["id"] for p in mine["items"]] == [created["id"]] and mine["items"][0]["tracks"]["total"] == 3


def test_all_three_add_shapes_and_a_position(api, playlist_id, tracks):
    assert api.post(f"/v1/playlists/{playlist_id}/items", [uri(tracks[0])], format="json").status_code == 201
    body = {"uris": [uri(tracks[1]), uri(tracks[2])], "position": 0}
    assert api.post(f"/v1/playlists/{playlist_id}/tracks", body, format="json").status_code == 201
    query = f"/v1/playlists/{playlist_id}/tracks?uris={uri(tracks[3])},{uri(tracks[4])}&position=1"
    assert api.post(query, content_type="application/json").status_code == 201
    assert titles(api, playlist_id) == ["Song 2", "Song 4", "Song 5", "Song 3", "Song 1"]


def test_remove_by_uri_takes_every_occurrence_and_by_position_only_that_one(api, playlist_id, tracks):
    a, b, c = tracks[:3]
    api.post(f"/v1/playlists/{playlist_id}/items", [uri(a), uri(b), uri(a), uri(c), uri(a)], format="json")
    snapshot = api.get(f"/v1/playlists/{playlist_id}").json()["snapshot_id"]

    body = {"items": [{"uri": uri(a), "positions": [2]}], "snapshot_id": snapshot}  # spotipy 2.26
    assert api.delete(f"/v1/playlists/{playlist_id}/items", body, format="json").status_code == 200
    assert titles(api, playlist_id) == ["Song 1", "Song 2", "Song 3", "Song 1"]

    body = {"tracks": [{"uri": uri(a)}]}  # spotipy 2.25
    assert api.delete(f"/v1/playlists/{playlist_id}/tracks", body, format="json").status_code == 200
    assert titles(api, playlist_id) == ["Song 2", "Song 3"]


def test_a_position_that_does_not_hold_the_track_fails_the_whole_removal(api, playlist_id, tracks):
    a, b = tracks[:2]
    api.post(f"/v1/playlists/{playlist_id}/items", [uri(a), uri(b)], format="json")
    before = PlaylistChange.objects.count()

    body = {"items": [{"uri": uri(a), "positions": [0]}, {"uri": uri(a), "positions": [1]}]}
    response = api.delete(f"/v1/playlists/{playlist_id}/items", body, format="json")

    assert response.status_code == 400 and "position 1" in response.json()["error"]["message"]
    assert titles(api, playlist_id) == ["Song 1", "Song 2"] and PlaylistChange.objects.count() == before


def test_a_stale_snapshot_maps_positions_to_the_same_entries(api, playlist_id, tracks):
    a, b, c, d = tracks[:4]
    api.post(f"/v1/playlists/{playlist_id}/items", [uri(a), uri(b), uri(c)], format="json")
    stale = api.get(f"/v1/playlists/{playlist_id}").json()["snapshot_id"]
    # Someone else inserts at the top and moves things: position 2 (Song 3) is now elsewhere.
    api.post(f"/v1/playlists/{playlist_id}/items", {"uris": [uri(d)], "position": 0}, format="json")
    api.put(f"/v1/playlists/{playlist_id}/items", {"range_start": 3, "insert_before": 1}, format="json")
    assert titles(api, playlist_id) == ["Song 4", "Song 3", "Song 1", "Song 2"]

    body = {"items": [{"uri": uri(c), "positions": [2]}], "snapshot_id": stale}
    assert api.delete(f"/v1/playlists/{playlist_id}/items", body, format="json").status_code == 200
    assert titles(api, playlist_id) == ["Song 4", "Song 1", "Song 2"]

    # In that snapshot position 0 held Song 1, not Song 2: refused, nothing changes.
    body = {"items": [{"uri": uri(b), "positions": [0]}], "snapshot_id": stale}
    assert api.delete(f"/v1/playlists/{playlist_id}/items", body, format="json").status_code == 400
    assert titles(api, playlist_id) == ["Song 4", "Song 1", "Song 2"]


def test_reorder_counts_indices_before_the_move(api, playlist_id, tracks):
    api.post(f"/v1/playlists/{playlist_id}/items", [uri(t) for t in tracks[:5]], format="json")
    api.put(f"/v1/playlists/{playlist_id}/items", {"range_start": 0, "insert_before": 5}, format="json")
    assert titles(api, playlist_id) == ["Song 2", "Song 3", "Song 4", "Song 5", "Song 1"]
    api.put(
        f"/v1/playlists/{playlist_id}/tracks", {"range_start": 2, "range_length": 2, "insert_before": 0}, format="json"
    )
    assert titles(api, playlist_id) == ["Song 4", "Song 5", "Song 2", "Song 3", "Song 1"]


def test_replace_and_clear(api, playlist_id, tracks):
    api.post(f"/v1/playlists/{playlist_id}/items", [uri(t) for t in tracks[:3]], format="json")
    assert api.put(f"/v1/playlists/{playlist_id}/items", {"uris": [uri(tracks[7])]}, format="json").status_code == 200
    assert titles(api, playlist_id) == ["Song 8"]
    api.put(f"/v1/playlists/{playlist_id}/items", {"uris": []}, format="json")
    assert titles(api, playlist_id) == []


def test_history_names_who_did_what_and_restore_brings_a_version_back(api, owner, playlist_id, tracks):
    api.post(f"/v1/playlists/{playlist_id}/items", [uri(t) for t in tracks[:3]], format="json")
    kept = api.get(f"/v1/playlists/{playlist_id}/history").json()["items"][0]
    api.put(f"/v1/playlists/{playlist_id}/items", {"uris": [uri(tracks[7])]}, format="json")

    history = api.get(f"/v1/playlists/{playlist_id}/history").json()
    assert [c["operation"] for c in history["items"]] == ["replace", "add", "create"]
    assert history["items"][1]["actor"]["id"] == owner.public_id and history["items"][1]["items_changed"] == 3

    restored = api.post(f"/v1/playlists/{playlist_id}/restore", {"version": kept["version"]}, format="json")
    assert restored.status_code == 201
    assert titles(api, playlist_id) == ["Song 1", "Song 2", "Song 3"]
    assert {e.added_by_id for e in PlaylistEntry.objects.all()} == {owner.pk}


def test_details_change_only_the_fields_sent(api, playlist_id):
    assert api.put(f"/v1/playlists/{playlist_id}", {"description": "Summer"}, format="json").status_code == 200
    body = api.get(f"/v1/playlists/{playlist_id}").json()
    assert (body["name"], body["description"]) == ("Road trip", "Summer")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (["spotify:track:nope"], "Invalid track URI"),
        (["spotify:album:" + "A" * 22], "Invalid track URI"),
        ([f"spotify:track:{'A' * 22}"], "Unknown track(s): spotify:track:AAAA"),
        ({"uris": "spotify:track:x"}, "uris must be a list"),
        ({"position": 0}, "Missing uris"),
        ({"uris": [], "position": 0}, "No items given"),
        ("not json", "The body must be a JSON object"),
    ],
)
def test_bad_additions_are_refused_and_nothing_is_added(api, playlist_id, tracks, body, message):
    good = [uri(tracks[0])]
    payload = body if not isinstance(body, list) else good + body
    response = api.post(f"/v1/playlists/{playlist_id}/items", payload, format="json")
    assert response.status_code == 400 and message in response.json()["error"]["message"], response.json()
    assert PlaylistEntry.objects.count() == 0 and PlaylistChange.objects.count() == 1  # just its creation


def test_limits_and_positions_out_of_range(api, playlist_id, tracks, settings):
    too_many = [uri(tracks[0])] * (settings.PLAYLIST_MAX_ENTRIES + 1)
    response = api.post(f"/v1/playlists/{playlist_id}/items", too_many, format="json")
    assert response.status_code == 400 and "at most 10000" in response.json()["error"]["message"]
    response = api.post(f"/v1/playlists/{playlist_id}/items", {"uris": [uri(tracks[0])], "position": 5}, format="json")
    assert response.status_code == 400 and "position out of range" in response.json()["error"]["message"]
    api.post(f"/v1/playlists/{playlist_id}/items", [uri(tracks[0])], format="json")
    response = api.put(f"/v1/playlists/{playlist_id}/items", {"range_start": 3, "insert_before": 0}, format="json")
    assert response.status_code == 400 and "range_start" in response.json()["error"]["message"]
    assert api.get(f"/v1/playlists/{playlist_id}/items?limit=101").status_code == 400
    assert PlaylistEntry.objects.count() == 1


def test_a_playlist_never_grows_past_its_limit(api, playlist_id, tracks, settings):
    settings.PLAYLIST_MAX_ENTRIES = 3
    api.post(f"/v1/playlists/{playlist_id}/items", [uri(t) for t in tracks[:2]], format="json")
    response = api.post(f"/v1/playlists/{playlist_id}/items", [uri(t) for t in tracks[2:4]], format="json")
    assert response.status_code == 400 and "at most 3 items" in response.json()["error"]["message"]
    assert Playlist.objects.get(public_id=playlist_id).length == 2 == PlaylistEntry.objects.count()


@pytest.mark.parametrize(
    "body",
    [{"name": ""}, {"name": "x" * 101}, {"public": "yes"}, {"colour": "red"}, {"public": True, "collaborative": True}],
)
def test_bad_details_are_refused(api, playlist_id, body):
    response = api.put(f"/v1/playlists/{playlist_id}", body, format="json")
    assert response.status_code == 400
    assert Playlist.objects.get(public_id=playlist_id).name == "Road trip"


def test_invalid_snapshot_ids_are_refused(api, playlist_id, tracks):
    api.post(f"/v1/playlists/{playlist_id}/items", [uri(tracks[0])], format="json")
    other = api.post("/v1/me/playlists", {"name": "Other"}, format="json").json()["snapshot_id"]
    for snapshot in ("garbage!", other):
        body = {"items": [{"uri": uri(tracks[0]), "positions": [0]}], "snapshot_id": snapshot}
        response = api.delete(f"/v1/playlists/{playlist_id}/items", body, format="json")
        assert response.status_code == 400 and "snapshot_id" in response.json()["error"]["message"]
    assert PlaylistEntry.objects.count() == 1


def test_an_invite_link_dies_with_the_collaboration(api, playlist_id):
    token = api.post(f"/v1/playlists/{playlist_id}/invite").json()["token"]
    assert api.put(f"/v1/playlists/{playlist_id}", {"collaborative": False}, format="json").status_code == 200
    stranger = api_client_for(UserFactory(email="stranger@example.test"))
    response = stranger.post(f"/v1/playlists/{playlist_id}/collaborators", {"token": token}, format="json")
    assert response.status_code == 404
    assert stranger.get(f"/v1/playlists/{playlist_id}").status_code == 404  # still private, still unseen
    assert Playlist.objects.get(public_id=playlist_id).invite_token == ""


def test_an_outsider_is_refused_before_the_body_is_read(playlist_id):
    outsider = api_client_for(UserFactory(email="outsider@example.test"))
    unknown = [f"spotify:track:{'A' * 22}"]
    assert outsider.post(f"/v1/playlists/{playlist_id}/items", unknown, format="json").status_code == 403
    body = {"items": [{"uri": unknown[0]}]}
    assert outsider.delete(f"/v1/playlists/{playlist_id}/items", body, format="json").status_code == 403
    assert outsider.put(f"/v1/playlists/{playlist_id}/items", {"uris": unknown}, format="json").status_code == 403
    assert outsider.post(f"/v1/playlists/{playlist_id}/items", ["not a uri"], format="json").status_code == 403
    assert outsider.get(f"/v1/playlists/{playlist_id}/history").status_code == 403


def test_inserting_at_one_spot_for_long_rekeys_instead_of_outgrowing_the_keys(owner, playlist_id, tracks):
    playlist = Playlist.objects.get(public_id=playlist_id)
    services.items_add(actor=owner, playlist=playlist, track_ids=[tracks[0].public_id, tracks[1].public_id])
    for _ in range(400):  # each between the first entry and the one after it
        playlist.refresh_from_db()
        services.items_add(actor=owner, playlist=playlist, track_ids=[tracks[2].public_id], position=1)
    playlist.refresh_from_db()
    keys = list(PlaylistEntry.objects.filter(playlist=playlist).order_by("key").values_list("key", flat=True))
    assert max(len(key) for key in keys) <= 49 and len(keys) == 402
    for key in keys:
        validate(key)
    order = list(PlaylistEntry.objects.filter(playlist=playlist).order_by("key").values_list("track_id", flat=True))
    assert order[0] == tracks[0].pk and order[-1] == tracks[1].pk
    replayed = history.entries_at(playlist, playlist.version)
    assert [e.key for e in replayed] == keys  # the re-keying is in the log
    assert PlaylistChange.objects.filter(playlist=playlist, operation="move").exists()
