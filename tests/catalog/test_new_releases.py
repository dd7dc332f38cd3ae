"""`GET /v1/browse/new-releases`: the newest albums with something to play where the listener is,
as `{"albums": <paging of simplified albums>}` (Spotify Web API, shared/SPOTIFY_API.md)."""

from __future__ import annotations

import datetime
import warnings
from urllib.parse import parse_qs, urlsplit

import pytest
import spotipy
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Product
from apps.catalog.models import IngestState
from apps.rights import services as rights
from tests.conftest import api_client_for
from tests.factories import PASSWORD, AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/v1/browse/new-releases"
PAGING_KEYS = {"href", "items", "limit", "next", "offset", "previous", "total"}
SIMPLIFIED_ALBUM_KEYS = {
    "id", "uri", "href", "type", "album_type", "name", "total_tracks", "release_date",
    "release_date_precision", "images", "artists", "external_urls",
}  # fmt: skip


@pytest.fixture
def staff():
    return UserFactory(email="rights@example.test", role="staff")


def released(title: str, *, days_ago: int = 10, tracks: int = 1, **track_fields):
    album = AlbumFactory(title=title, release_date=timezone.localdate() - datetime.timedelta(days=days_ago))
    for _ in range(tracks):
        TrackFactory(album=album, **track_fields)
    return album


def names(body) -> list[str]:
    return [album["name"] for album in body["albums"]["items"]]


def listed(client, **params) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.json()
    return names(response.json())


def test_it_answers_albums_as_a_paging_object_of_simplified_albums(api):
    album = released("Fresh", tracks=3)

    body = api.get(URL).json()

    assert set(body) == {"albums"}
    page = body["albums"]
    assert set(page) == PAGING_KEYS
    assert page["href"] == "http://testserver/v1/browse/new-releases?limit=20&offset=0"
    assert (page["limit"], page["offset"], page["total"]) == (20, 0, 1)
    [item] = page["items"]
    assert SIMPLIFIED_ALBUM_KEYS <= set(item)
    assert item["id"] == album.public_id and item["type"] == "album" and item["total_tracks"] == 3
    assert "tracks" not in item  # simplified
    assert "SE" in item["available_markets"]  # no country asked: the album lists its markets


def test_the_newest_release_comes_first_and_ties_go_to_the_album_added_last(api):
    released("Last year", days_ago=365)
    released("Yesterday A", days_ago=1)
    released("Yesterday B", days_ago=1)
    released("Last month", days_ago=30)

    assert listed(api) == ["Yesterday B", "Yesterday A", "Last month", "Last year"]


def test_only_albums_with_a_ready_track_are_listed(api):
    released("Ready")
    released("Still encoding", ingest_state=IngestState.PROCESSING, hls_prefix="")
    released("Failed", ingest_state=IngestState.FAILED, hls_prefix="")
    AlbumFactory(title="Empty", release_date=timezone.localdate())
    partly = released("Partly ready")
    TrackFactory(album=partly, ingest_state=IngestState.FAILED, hls_prefix="")

    body = api.get(URL).json()

    assert names(body) == ["Partly ready", "Ready"]
    assert {a["name"]: a["total_tracks"] for a in body["albums"]["items"]}["Partly ready"] == 1


def test_a_scheduled_release_appears_on_its_date_not_before(api):
    released("Out now", days_ago=0)
    released("Next week", days_ago=-7)

    assert listed(api) == ["Out now"]


def test_taken_down_albums_are_not_listed(api, staff):
    gone = released("Gone")
    partly = released("Partly gone", tracks=2)
    here = released("Gone here")
    rights.takedown_create(actor=staff, track=gone.tracks.get(), territories=["*"], reason="claim")
    rights.takedown_create(actor=staff, track=partly.tracks.first(), territories=["*"], reason="claim")
    rights.takedown_create(actor=staff, track=here.tracks.get(), territories=["SE"], reason="claim")

    assert listed(api) == ["Partly gone"]  # the listener is in SE
    assert listed(api_client_for(UserFactory(country="DE"))) == ["Gone here", "Partly gone"]


def test_the_listeners_country_decides_with_or_without_the_parameter(listener, staff):
    worldwide = released("Everywhere", days_ago=2)
    german = released("German only", days_ago=1)
    rights.licence_create(actor=staff, track=german.tracks.get(), territories=["DE"])
    swede = api_client_for(listener)  # the listener is in SE
    berliner = api_client_for(UserFactory(country="DE"))

    assert listed(swede) == [worldwide.title]
    assert listed(berliner) == [german.title, worldwide.title]
    # As with `market`, a user token's country wins over the parameter (shared/SPOTIFY_API.md):
    # a client cannot list another market's releases for its user.
    assert listed(swede, country="DE") == [worldwide.title]
    assert listed(berliner, country="SE") == [german.title, worldwide.title]


def test_with_a_country_albums_say_whether_they_play_there(listener, staff):
    released("Everyone", days_ago=2)
    premium_only = released("Premium only", days_ago=1)
    rights.licence_create(actor=staff, track=premium_only.tracks.get(), territories=["*"], premium_only=True)

    free = api_client_for(listener).get(URL, {"country": "SE"}).json()["albums"]["items"]
    premium = api_client_for(UserFactory(product=Product.PREMIUM)).get(URL, {"country": "se"}).json()

    # A premium-only release is news to a free listener too; it says why it does not play.
    assert [(a["name"], a["is_playable"], a.get("restrictions")) for a in free] == [
        ("Premium only", False, {"reason": "product"}),
        ("Everyone", True, None),
    ]
    assert all("available_markets" not in a for a in free)
    assert [a["is_playable"] for a in premium["albums"]["items"]] == [True, True]


def test_it_pages_with_absolute_next_and_previous_links(api):
    for n in range(5):
        released(f"Album {n}", days_ago=n + 1)

    first = api.get(URL, {"limit": 2, "country": "SE"}).json()["albums"]
    assert [a["name"] for a in first["items"]] == ["Album 0", "Album 1"]
    assert first["total"] == 5 and first["previous"] is None
    assert first["next"].startswith("http://testserver/v1/browse/new-releases?")
    assert parse_qs(urlsplit(first["next"]).query) == {"country": ["SE"], "limit": ["2"], "offset": ["2"]}

    second = api.get(first["next"]).json()["albums"]
    third = api.get(second["next"]).json()["albums"]
    assert [a["name"] for a in second["items"]] == ["Album 2", "Album 3"]
    assert [a["name"] for a in third["items"]] == ["Album 4"] and third["next"] is None
    assert [a["name"] for a in api.get(third["previous"]).json()["albums"]["items"]] == ["Album 2", "Album 3"]


def test_nothing_to_list_is_an_empty_page_not_an_error(listener, staff):
    german = released("German only")
    rights.licence_create(actor=staff, track=german.tracks.get(), territories=["DE"])

    for client in (api_client_for(listener), api_client_for(UserFactory(country="JP"))):
        response = client.get(URL, {"country": "JP"})
        assert response.status_code == 200
        page = response.json()["albums"]
        assert page["items"] == [] and page["total"] == 0 and page["next"] is None


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"country": "XX"}, "country"),
        ({"country": "Sweden"}, "country"),
        ({"limit": "0"}, "limit"),
        ({"limit": "51"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "soon"}, "offset"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api, params, fragment):
    response = api.get(URL, params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and fragment in error["message"]


def test_it_refuses_anonymous_clients(anon):
    response = anon.get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401


def test_it_takes_a_trailing_slash(api):
    released("Slash")
    assert names(api.get(URL + "/").json()) == ["Slash"]


@pytest.mark.parametrize("country", [None, "SE"])
def test_a_page_costs_the_same_queries_whatever_its_size(api, country, django_assert_max_num_queries):
    for n in range(50):
        released(f"Album {n}", days_ago=n % 7, tracks=2)
    params = {"country": country} if country else {}

    with CaptureQueriesContext(connection) as small:
        assert len(api.get(URL, {**params, "limit": 1}).json()["albums"]["items"]) == 1
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(api.get(URL, {**params, "limit": 50}).json()["albums"]["items"]) == 50


@pytest.mark.django_db(transaction=True)
def test_a_spotify_client_pages_the_new_releases(live_server):
    """spotipy, unmodified but for its prefix, against a live server."""
    user = UserFactory(email="browse@example.test")
    for n in range(3):
        released(f"Album {n}", days_ago=n + 1)
    tokens = api_client_for().post("/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json")
    sp = spotipy.Spotify(auth=tokens.json()["access"], retries=0, status_retries=0, requests_timeout=10)
    sp.prefix = f"{live_server.url}/v1/"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # spotipy: Spotify marks the call deprecated
        page = sp.new_releases(country="SE", limit=2)["albums"]
        seen = [album["name"] for album in page["items"]]
        while page["next"]:
            page = sp.next(page)["albums"]
            seen += [album["name"] for album in page["items"]]

    assert seen == ["Album 0", "Album 1", "Album 2"]
