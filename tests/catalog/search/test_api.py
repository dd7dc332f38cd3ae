"""`GET /v1/search` and `GET /v1/search/suggest`: Spotify's shapes and parameters, bad input named
in the error, only what the listener may see."""

from __future__ import annotations

import pytest

from apps.accounts.models import Product
from apps.catalog.models import IngestState
from apps.playlists.services import playlist_create, playlist_update_details
from apps.rights.services import licence_create, takedown_create
from tests.conftest import api_client_for
from tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def error(response) -> str:
    return response.json()["error"]["message"]


def test_it_answers_a_paging_object_per_type_in_the_order_asked(api, planted):
    response = api.get("/v1/search", {"q": "beatles", "type": "artist,track,album"})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["artists", "tracks", "albums"]
    for key in body:
        assert set(body[key]) == {"href", "items", "limit", "next", "offset", "previous", "total"}
    artist = body["artists"]["items"][0]
    assert artist["name"] == "The Beatles" and artist["type"] == "artist"
    assert artist["uri"].startswith("spotify:artist:")
    assert {"followers", "genres", "images", "popularity"} <= set(artist)
    track = body["tracks"]["items"][0]
    assert track["type"] == "track" and track["artists"][0]["name"] == "The Beatles" and "album" in track
    assert "available_markets" in track  # no market: Spotify lists them
    assert body["albums"]["items"][0]["album_type"] in ("album", "single", "compilation")


def test_paging_links_walk_the_results(api, planted):
    first = api.get("/v1/search", {"q": "beatles", "type": "track", "limit": 2}).json()["tracks"]
    assert first["total"] == 4 and len(first["items"]) == 2 and first["previous"] is None
    second = api.get(first["next"]).json()["tracks"]
    assert second["offset"] == 2 and [t["id"] for t in second["items"]] != [t["id"] for t in first["items"]]
    assert second["next"] is None and second["previous"]


def test_spotify_types_without_content_here_answer_empty_pages(api, planted):
    body = api.get("/v1/search", {"q": "beatles", "type": "track,show,episode,audiobook"}).json()
    assert body["shows"]["items"] == [] and body["episodes"]["total"] == 0 and body["audiobooks"]["items"] == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "track"}, "No search query"),
        ({"q": "   ", "type": "track"}, "No search query"),
        ({"q": "x"}, "Missing parameter type"),
        ({"q": "x", "type": "song"}, "Bad search type field"),
        ({"q": "x", "type": "track", "limit": "51"}, "limit: must be between 0 and 50"),
        ({"q": "x", "type": "track", "limit": "-1"}, "limit: must be between 0 and 50"),
        ({"q": "x", "type": "track", "limit": "ten"}, "limit: 'ten' is not an integer"),
        ({"q": "x", "type": "track", "offset": "1001"}, "offset: must be between 0 and 1000"),
        ({"q": "x", "type": "track", "market": "XX"}, "not an ISO 3166-1 alpha-2"),
        ({"q": "x", "type": "track", "unplayable": "maybe"}, "unplayable"),
        ({"q": "year:19x9", "type": "track"}, "Invalid year filter"),
        ({"q": "year:1990-1980", "type": "track"}, "Invalid year filter"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_problem(api, planted, params, message):
    response = api.get("/v1/search", params)
    assert response.status_code == 400
    assert message in error(response)


def test_a_very_long_query_is_cut_not_refused(api, planted):
    response = api.get("/v1/search", {"q": "beatles " + "x" * 10_000, "type": "track"})
    assert response.status_code == 200


def test_search_needs_a_token_like_every_catalog_call(anon, planted):
    assert anon.get("/v1/search", {"q": "beatles", "type": "track"}).status_code == 401


def test_with_a_market_tracks_say_whether_they_play_and_can_be_hidden(planted, listener):
    staff = UserFactory(role="staff")
    halo = planted["tracks"]["halo"]
    licence_create(actor=staff, track=halo, territories=["US"])  # not in SE, where the listener is
    client = api_client_for(listener)
    flagged = client.get("/v1/search", {"q": "halo", "type": "track", "market": "from_token"}).json()["tracks"]
    assert flagged["items"][0]["is_playable"] is False
    assert flagged["items"][0]["restrictions"] == {"reason": "market"}
    hidden = client.get("/v1/search", {"q": "halo", "type": "track", "market": "from_token", "unplayable": "hide"})
    assert [t["name"] for t in hidden.json()["tracks"]["items"]] == []


def test_premium_only_tracks_are_a_product_restriction_for_free_listeners(planted):
    staff = UserFactory(role="staff")
    licence_create(actor=staff, track=planted["tracks"]["dynamite"], territories=["*"], premium_only=True)
    free = api_client_for(UserFactory(product=Product.FREE))
    body = free.get("/v1/search", {"q": "dynamite", "type": "track", "market": "from_token"}).json()
    assert body["tracks"]["items"][0]["restrictions"] == {"reason": "product"}
    premium = api_client_for(UserFactory(product=Product.PREMIUM))
    body = premium.get("/v1/search", {"q": "dynamite", "type": "track", "market": "from_token"}).json()
    assert body["tracks"]["items"][0]["is_playable"] is True


def test_a_takedown_hides_the_track_at_once_with_or_without_a_market(api, planted, django_capture_on_commit_callbacks):
    staff = UserFactory(role="staff")
    assert api.get("/v1/search", {"q": "hyperballad", "type": "track"}).json()["tracks"]["total"] == 1  # cached now
    with django_capture_on_commit_callbacks(execute=True):  # its commit bumps the catalog version
        takedown_create(actor=staff, track=planted["tracks"]["hyperballad"], territories=["*"], reason="Court order")
    for params in ({}, {"market": "from_token"}, {"market": "DE"}):
        body = api.get("/v1/search", {"q": "hyperballad", "type": "track", **params}).json()
        assert body["tracks"]["items"] == [], params


def test_a_takedown_in_the_listeners_country_hides_it_there_only(planted, listener):
    staff = UserFactory(role="staff")
    takedown_create(actor=staff, track=planted["tracks"]["something"], territories=["SE"], reason="Dispute")
    here = api_client_for(listener).get("/v1/search", {"q": "something", "type": "track", "market": "from_token"})
    assert here.json()["tracks"]["items"] == []
    elsewhere = api_client_for(UserFactory(country="DE"))
    assert elsewhere.get("/v1/search", {"q": "something", "type": "track", "market": "from_token"}).json()["tracks"][
        "items"
    ]


def test_not_ready_tracks_never_appear(api, planted):
    TrackFactory(title="Unfinished Symphony", ingest_state=IngestState.PROCESSING, hls_prefix="")
    assert api.get("/v1/search", {"q": "unfinished", "type": "track"}).json()["tracks"]["items"] == []


def test_only_public_playlists_are_found_and_follow_their_details(api, planted, listener):
    owner = UserFactory(display_name="Mixmaster Flo")
    road = playlist_create(owner=owner, name="Road Trip Anthems", description="windows down")
    secret = playlist_create(owner=owner, name="Road Secrets", public=False)
    found = api.get("/v1/search", {"q": "road", "type": "playlist"}).json()["playlists"]
    assert [p["id"] for p in found["items"]] == [road.public_id]
    assert found["items"][0]["owner"]["display_name"] == "Mixmaster Flo"
    assert api.get("/v1/search", {"q": "mixmaster", "type": "playlist"}).json()["playlists"]["total"] == 1
    assert api.get("/v1/search", {"q": "windows", "type": "playlist"}).json()["playlists"]["total"] == 1

    playlist_update_details(actor=owner, playlist=road, fields={"public": False})
    playlist_update_details(actor=owner, playlist=secret, fields={"public": True, "name": "Night Drive"})
    assert api.get("/v1/search", {"q": "road", "type": "playlist"}).json()["playlists"]["items"] == []
    found = api.get("/v1/search", {"q": "night drive", "type": "playlist"}).json()["playlists"]["items"]
    assert [p["id"] for p in found] == [secret.public_id]


def test_suggest_mixes_the_best_matches_of_every_type(api, planted):
    body = api.get("/v1/search/suggest", {"q": "beatl"}).json()
    suggestions = body["suggestions"]
    assert suggestions[0]["type"] == "artist" and suggestions[0]["name"] == "The Beatles"
    assert {s["type"] for s in suggestions} >= {"artist", "track"}
    assert all(s["uri"].startswith(f"spotify:{s['type']}:") for s in suggestions)
    assert all(s["external_urls"]["spotify"].endswith(s["id"]) for s in suggestions)
    assert len([s for s in suggestions if s["type"] == "track"]) <= 4  # half of the default 8


@pytest.mark.parametrize(
    ("params", "status"),
    [({"q": ""}, 400), ({"q": "x", "limit": "0"}, 400), ({"q": "x", "limit": "21"}, 400), ({"q": "&|!()"}, 200)],
)
def test_suggest_validates_its_input(api, planted, params, status):
    assert api.get("/v1/search/suggest", params).status_code == status
