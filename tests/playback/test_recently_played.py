"""`GET /v1/me/player/recently-played`: a listener's streams, newest first, per the Spotify Web API
(shared/SPOTIFY_API.md), paged by millisecond cursors."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import spotipy
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Product
from apps.playback.events.checks import ms_from_datetime
from apps.playback.events.services import play_events_ingest
from tests.conftest import api_client_for
from tests.factories import PASSWORD, AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/v1/me/player/recently-played"
ISO_MS_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
_ids = itertools.count()


def play(user, track, *, minutes_ago: float, kind: str = "play.end", ms_played: int = 60_000, context_uri=None):
    """Report one event through the real ingest path; returns its timestamp in epoch ms."""
    at = ms_from_datetime(timezone.now() - timedelta(minutes=minutes_ago))
    event = {
        "id": f"e{next(_ids)}",
        "type": kind,
        "track": track.public_id,
        "ms_played": ms_played,
        "timestamp": at,
        "context_uri": context_uri,
    }
    result = play_events_ingest(user=user, country="SE", product=Product.FREE, events=[event])
    assert result["accepted"] == 1, result
    return at


@pytest.fixture
def tracks():
    album = AlbumFactory(title="Night Drive")
    return [TrackFactory(album=album, title=f"Song {n}") for n in range(7)]


@pytest.fixture
def history(listener, tracks):
    """Seven streams, a minute apart, the newest first: (track, epoch ms)."""
    return [(track, play(listener, track, minutes_ago=n + 1)) for n, track in enumerate(tracks)]


def test_it_answers_the_spotify_shape(api, listener, tracks):
    album_uri = f"streamify:album:{tracks[0].album.public_id}"
    at = play(listener, tracks[0], minutes_ago=3, context_uri=album_uri)

    body = api.get(URL).json()

    assert set(body) == {"href", "items", "limit", "next", "cursors"}
    assert body["href"] == "http://testserver/v1/me/player/recently-played"
    assert body["limit"] == 20 and body["next"] is None
    assert body["cursors"] == {"after": str(at), "before": str(at)}
    [item] = body["items"]
    assert set(item) == {"track", "played_at", "context"}
    assert ISO_MS_UTC.match(item["played_at"])
    assert ms_from_datetime(datetime.fromisoformat(item["played_at"])) == at
    assert item["track"]["id"] == tracks[0].public_id
    assert item["track"]["album"]["name"] == "Night Drive"  # the full track object
    assert item["context"] == {
        "type": "album",
        "uri": f"spotify:album:{tracks[0].album.public_id}",  # in the scheme we emit
        "href": f"http://testserver/v1/albums/{tracks[0].album.public_id}",
        "external_urls": {"spotify": f"http://testserver/album/{tracks[0].album.public_id}"},
    }


def test_it_renders_a_saved_tracks_context_and_no_context(api, listener, tracks):
    play(listener, tracks[0], minutes_ago=2, context_uri=f"spotify:user:{listener.public_id}:collection")
    play(listener, tracks[1], minutes_ago=1)

    newest, oldest = api.get(URL).json()["items"]

    assert newest["context"] is None
    assert oldest["context"]["type"] == "collection"
    assert oldest["context"]["uri"] == f"spotify:user:{listener.public_id}:collection"
    assert oldest["context"]["href"] == "http://testserver/v1/me/tracks"


def test_it_lists_streams_only_newest_first(api, listener, tracks):
    play(listener, tracks[0], minutes_ago=5)
    play(listener, tracks[1], minutes_ago=4, kind="play.progress", ms_played=90_000)
    play(listener, tracks[2], minutes_ago=3, kind="play.start", ms_played=0)
    play(listener, tracks[3], minutes_ago=2, ms_played=29_999)
    play(listener, tracks[4], minutes_ago=1, kind="skip", ms_played=31_000)

    items = api.get(URL).json()["items"]

    assert [item["track"]["id"] for item in items] == [tracks[4].public_id, tracks[0].public_id]


def test_it_shows_each_listener_only_their_own_plays(listener, tracks):
    other = UserFactory()
    play(listener, tracks[0], minutes_ago=2)
    play(other, tracks[1], minutes_ago=1)

    mine = api_client_for(listener).get(URL).json()["items"]
    theirs = api_client_for(other).get(URL).json()["items"]
    newcomer = api_client_for(UserFactory()).get(URL).json()

    assert [i["track"]["id"] for i in mine] == [tracks[0].public_id]
    assert [i["track"]["id"] for i in theirs] == [tracks[1].public_id]
    assert newcomer["items"] == [] and newcomer["next"] is None
    assert newcomer["cursors"] == {"after": None, "before": None}


def test_it_refuses_anonymous_clients(anon):
    response = anon.get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401


def test_it_pages_back_through_next_links(api, history):
    seen, pages = [], []
    page = api.get(URL + "?limit=3").json()
    while True:
        pages.append(len(page["items"]))
        seen += [item["track"]["id"] for item in page["items"]]
        if not page["next"]:
            break
        assert page["next"].startswith("http://testserver/v1/me/player/recently-played?")
        assert parse_qs(urlsplit(page["next"]).query) == {"before": [page["cursors"]["before"]], "limit": ["3"]}
        page = api.get(page["next"]).json()

    assert pages == [3, 3, 1]
    assert seen == [track.public_id for track, _ in history]


def test_before_is_exclusive(api, history):
    _, third = history[2]

    body = api.get(f"{URL}?before={third}&limit=2").json()

    assert [i["track"]["id"] for i in body["items"]] == [history[3][0].public_id, history[4][0].public_id]
    assert body["cursors"] == {"after": str(history[3][1]), "before": str(history[4][1])}


def test_after_gives_the_plays_right_after_the_cursor_newest_first(api, history):
    """A client polling with its newest cursor must miss nothing even when more than `limit` plays
    came since: the page holds the oldest of the newer plays, shown newest first."""
    _, fifth = history[4]

    body = api.get(f"{URL}?after={fifth}&limit=2").json()

    assert [i["track"]["id"] for i in body["items"]] == [history[2][0].public_id, history[3][0].public_id]
    assert body["cursors"] == {"after": str(history[2][1]), "before": str(history[3][1])}
    assert parse_qs(urlsplit(body["next"]).query)["before"] == [str(history[3][1])]
    following = api.get(f"{URL}?after={body['cursors']['after']}&limit=2").json()
    assert [i["track"]["id"] for i in following["items"]] == [history[0][0].public_id, history[1][0].public_id]
    nothing_newer = api.get(f"{URL}?after={history[0][1]}").json()
    assert nothing_newer["items"] == [] and nothing_newer["next"] is None


def test_next_is_null_on_the_oldest_page(api, history):
    body = api.get(f"{URL}?after=0&limit=3").json()

    assert [i["track"]["id"] for i in body["items"]] == [t.public_id for t, _ in history[4:]]
    assert body["next"] is None


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("limit=0", "between 1 and 50"),
        ("limit=51", "between 1 and 50"),
        ("limit=x", "not an integer"),
        ("after=1&before=2", "not both"),
        ("after=yesterday", "Unix timestamp in milliseconds"),
        ("before=-5", "Unix timestamp in milliseconds"),
        ("before=1.5", "Unix timestamp in milliseconds"),
        ("before=١٢٣", "Unix timestamp in milliseconds"),  # digits, but not ASCII ones
        ("after=99999999999999999999", "between 0 and 253402300799999"),
    ],
)
def test_it_answers_400_naming_the_bad_parameter(api, query, fragment):
    response = api.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


def test_it_takes_the_limit_up_to_50(api, listener):
    track = TrackFactory()
    for n in range(55):
        play(listener, track, minutes_ago=n + 1)

    assert len(api.get(URL).json()["items"]) == 20
    assert len(api.get(URL + "/?limit=50").json()["items"]) == 50


def test_a_page_costs_the_same_queries_whatever_its_size(api, listener, django_assert_max_num_queries):
    albums = [AlbumFactory() for _ in range(5)]
    for n in range(50):
        play(listener, TrackFactory(album=albums[n % 5]), minutes_ago=n + 1)

    with CaptureQueriesContext(connection) as small:
        assert len(api.get(URL + "?limit=2").json()["items"]) == 2
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(api.get(URL + "?limit=50").json()["items"]) == 50
    with django_assert_max_num_queries(len(small.captured_queries) + 1):  # after: one more, for `next`
        assert len(api.get(URL + "?limit=50&after=0").json()["items"]) == 50


@pytest.mark.django_db(transaction=True)
def test_a_spotify_client_reads_and_pages_the_history(live_server):
    """spotipy, unmodified but for its prefix, against a live server."""
    user = UserFactory(email="history@example.test")
    album = AlbumFactory()
    played = [TrackFactory(album=album) for _ in range(5)]
    for n, track in enumerate(played):
        play(user, track, minutes_ago=n + 1)
    tokens = api_client_for().post("/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json")
    sp = spotipy.Spotify(auth=tokens.json()["access"], retries=0, status_retries=0, requests_timeout=10)
    sp.prefix = f"{live_server.url}/v1/"

    page = sp.current_user_recently_played(limit=2)
    seen = [item["track"]["id"] for item in page["items"]]
    while page["next"]:
        page = sp.next(page)
        seen += [item["track"]["id"] for item in page["items"]]
    newest = sp.current_user_recently_played(limit=1)
    older = sp.current_user_recently_played(limit=50, before=int(newest["cursors"]["before"]))

    assert seen == [t.public_id for t in played]
    assert [i["track"]["id"] for i in older["items"]] == [t.public_id for t in played[1:]]
