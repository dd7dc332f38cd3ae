"""`GET /v1/me/top/{tracks,artists}`: a listener's most streamed tracks and artists over Spotify's
three time ranges, from their own play events only, as Spotify paging objects
(shared/SPOTIFY_API.md)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import spotipy
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Product
from apps.accounts.services import user_update_privacy
from apps.catalog.models import ArtistRole, IngestState, TrackArtist
from apps.playback.events.checks import ms_from_datetime
from apps.playback.events.services import play_events_ingest
from apps.playback.models import PlayEvent
from apps.rights import services as rights
from tests.conftest import api_client_for
from tests.factories import PASSWORD, AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

TRACKS_URL = "/v1/me/top/tracks"
ARTISTS_URL = "/v1/me/top/artists"
PAGING_KEYS = {"href", "items", "limit", "next", "offset", "previous", "total"}
_ids = itertools.count()


@pytest.fixture(autouse=True)
def _year_old_plays_accepted(settings):
    """Ingest refuses plays older than 30 days, but a year of history is what long_term reads: it
    was ingested back then. Widening the window lets these tests write that history through the
    real ingest path."""
    settings.PLAY_EVENT_MAX_AGE_DAYS = 400


@pytest.fixture
def staff():
    return UserFactory(email="rights@example.test", role="staff")


def play(user, track, *, days_ago: float = 1, times: int = 1, ms_played: int = 60_000, kind: str = "play.end"):
    """Report `times` plays of `track` through the real ingest path, a minute apart, ending
    `days_ago` days ago."""
    end = timezone.now() - timedelta(days=days_ago)
    events = [
        {
            "id": f"e{next(_ids)}",
            "type": kind,
            "track": track.public_id,
            "ms_played": ms_played,
            "timestamp": ms_from_datetime(end - timedelta(minutes=n)),
        }
        for n in range(times)
    ]
    result = play_events_ingest(user=user, country="SE", product=Product.FREE, events=events)
    assert result["accepted"] == times, result


def ids(body) -> list[str]:
    return [item["id"] for item in body["items"]]


def top_ids(client, url=TRACKS_URL, **params) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return ids(response.json())


# --- Tracks ---------------------------------------------------------------------------------


def test_it_answers_a_paging_object_of_full_track_objects(api, listener):
    track = TrackFactory(album=AlbumFactory(title="Night Drive"))
    play(listener, track, times=2)

    body = api.get(TRACKS_URL).json()

    assert set(body) == PAGING_KEYS
    assert body["href"] == "http://testserver/v1/me/top/tracks?limit=20&offset=0"
    assert (body["limit"], body["offset"], body["total"]) == (20, 0, 1)
    assert body["next"] is None and body["previous"] is None
    [item] = body["items"]
    assert item["id"] == track.public_id and item["type"] == "track"
    assert item["album"]["name"] == "Night Drive"  # full, not simplified
    assert item["is_playable"] is True  # rendered in the listener's own market
    assert "available_markets" not in item


def test_it_ranks_by_streams_then_listening_time_then_the_latest_play(api, listener):
    most, longest, recent, earlier = (TrackFactory(duration_ms=200_000) for _ in range(4))
    play(listener, most, times=3, ms_played=40_000)
    play(listener, longest, times=2, ms_played=190_000, days_ago=9)
    play(listener, earlier, times=2, ms_played=60_000, days_ago=5)
    play(listener, recent, times=2, ms_played=60_000, days_ago=2)

    assert top_ids(api) == [t.public_id for t in (most, longest, recent, earlier)]


def test_only_plays_that_counted_as_streams_rank(api, listener):
    streamed, skipped = TrackFactory(), TrackFactory()
    play(listener, streamed)
    play(listener, skipped, times=5, kind="skip", ms_played=10_000)  # under 30 s: not streams
    play(listener, skipped, times=5, kind="play.progress", ms_played=90_000)  # not the end of a play

    assert top_ids(api) == [streamed.public_id]


@pytest.mark.parametrize(
    "time_range, expected",
    [
        ("short_term", ["last_week"]),
        ("medium_term", ["last_week", "two_months_ago"]),
        (None, ["last_week", "two_months_ago"]),  # medium_term is the default
        ("long_term", ["last_week", "two_months_ago", "ten_months_ago"]),
    ],
)
def test_each_time_range_reads_its_own_window(api, listener, time_range, expected):
    tracks = {name: TrackFactory(title=name) for name in ("last_week", "two_months_ago", "ten_months_ago", "ancient")}
    play(listener, tracks["last_week"], days_ago=7)
    play(listener, tracks["two_months_ago"], days_ago=60, times=2)  # outside 4 weeks, inside 6 months
    play(listener, tracks["ten_months_ago"], days_ago=300, times=3)  # outside 6 months, inside a year
    play(listener, tracks["ancient"], days_ago=390, times=4)  # outside every range

    params = {"time_range": time_range} if time_range else {}
    names = [item["name"] for item in api.get(TRACKS_URL, params).json()["items"]]

    assert sorted(names) == sorted(expected)


def test_a_window_counts_only_the_plays_inside_it(api, listener):
    steady, old_favourite = TrackFactory(), TrackFactory()
    play(listener, steady, days_ago=3, times=2)
    play(listener, old_favourite, days_ago=3)
    play(listener, old_favourite, days_ago=100, times=5)

    assert top_ids(api, time_range="short_term") == [steady.public_id, old_favourite.public_id]
    assert top_ids(api, time_range="medium_term") == [old_favourite.public_id, steady.public_id]


def test_another_listeners_plays_never_count(listener):
    mine, theirs = TrackFactory(), TrackFactory()
    other = UserFactory()
    play(listener, mine, times=2)
    play(listener, theirs)
    play(other, theirs, times=10)  # would lift `theirs` to the top if it counted

    body = api_client_for(listener).get(TRACKS_URL).json()

    assert ids(body) == [mine.public_id, theirs.public_id] and body["total"] == 2
    assert top_ids(api_client_for(other)) == [theirs.public_id]


def test_plays_of_a_private_session_count_for_the_listeners_own_top(api, listener):
    """A private session hides listening from followers (the feed), not from the listener."""
    public, private = TrackFactory(), TrackFactory()
    play(listener, public)
    user_update_privacy(user=listener, private_session=True)
    play(listener, private, times=2)

    assert PlayEvent.objects.filter(track=private, private=True).count() == 2
    assert top_ids(api) == [private.public_id, public.public_id]


def test_a_track_taken_down_where_the_listener_is_disappears(api, listener, staff):
    kept, worldwide, here, elsewhere = (TrackFactory() for _ in range(4))
    for track in (kept, worldwide, here, elsewhere):
        play(listener, track)
    rights.takedown_create(actor=staff, track=worldwide, territories=["*"], reason="claim")
    rights.takedown_create(actor=staff, track=here, territories=["SE"], reason="claim")  # the listener is in SE
    rights.takedown_create(actor=staff, track=elsewhere, territories=["DE"], reason="claim")

    body = api.get(TRACKS_URL).json()

    assert set(ids(body)) == {kept.public_id, elsewhere.public_id}
    assert body["total"] == 2  # the paging counts what is shown


def test_a_track_that_is_no_longer_ready_disappears(api, listener):
    kept, reingesting = TrackFactory(), TrackFactory()
    play(listener, kept)
    play(listener, reingesting, times=3)
    reingesting.ingest_state = IngestState.FAILED
    reingesting.save(update_fields=["ingest_state"])

    assert top_ids(api) == [kept.public_id]


def test_a_track_blocked_in_the_listeners_market_stays_and_says_so(api, listener, staff):
    track = TrackFactory()
    play(listener, track)
    rights.licence_create(actor=staff, track=track, territories=["DE"])  # no longer licensed in SE

    [item] = api.get(TRACKS_URL).json()["items"]

    assert item["id"] == track.public_id
    assert item["is_playable"] is False and item["restrictions"] == {"reason": "market"}


def test_it_pages_with_absolute_next_and_previous_links(api, listener):
    tracks = [TrackFactory() for _ in range(5)]
    for rank, track in enumerate(tracks):
        play(listener, track, times=5 - rank)

    first = api.get(TRACKS_URL, {"limit": 2, "time_range": "short_term"}).json()
    assert ids(first) == [t.public_id for t in tracks[:2]]
    assert first["total"] == 5 and first["previous"] is None
    assert first["next"].startswith("http://testserver/v1/me/top/tracks?")
    assert parse_qs(urlsplit(first["next"]).query) == {"limit": ["2"], "offset": ["2"], "time_range": ["short_term"]}

    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert ids(second) == [t.public_id for t in tracks[2:4]]
    assert ids(third) == [tracks[4].public_id] and third["next"] is None
    assert parse_qs(urlsplit(third["previous"]).query)["offset"] == ["2"]
    assert ids(api.get(third["previous"]).json()) == ids(second)
    beyond = api.get(TRACKS_URL, {"offset": 10}).json()
    assert beyond["items"] == [] and beyond["total"] == 5 and beyond["next"] is None


def test_a_listener_without_plays_gets_an_empty_page(api):
    for url in (TRACKS_URL, ARTISTS_URL):
        body = api.get(url).json()
        assert body["items"] == [] and body["total"] == 0
        assert body["next"] is None and body["previous"] is None


def test_it_takes_a_trailing_slash(api, listener):
    track = TrackFactory()
    play(listener, track)
    assert top_ids(api, TRACKS_URL + "/") == [track.public_id]


# --- Artists --------------------------------------------------------------------------------


def test_artists_rank_by_the_streams_of_their_tracks(api, listener):
    loud, quiet = ArtistFactory(name="Loud"), ArtistFactory(name="Quiet")
    for track in (TrackFactory(album=AlbumFactory(artists=[loud])) for _ in range(2)):
        play(listener, track, times=2)
    play(listener, TrackFactory(album=AlbumFactory(artists=[quiet])), times=3)

    body = api.get(ARTISTS_URL).json()

    assert set(body) == PAGING_KEYS and body["total"] == 2
    assert [item["name"] for item in body["items"]] == ["Loud", "Quiet"]
    item = body["items"][0]
    assert item["type"] == "artist" and item["id"] == loud.public_id
    assert {"images", "genres", "followers", "popularity"} <= set(item)  # full artist objects


def test_every_main_artist_of_a_track_is_credited_and_featured_ones_are_not(api, listener):
    first, second, guest, solo = (ArtistFactory(name=name) for name in ("First", "Second", "Guest", "Solo"))
    duet = TrackFactory(album=AlbumFactory(artists=[first]), artists=[first, second, guest])
    TrackArtist.objects.filter(track=duet, artist=second).update(role=ArtistRole.PRIMARY)
    assert TrackArtist.objects.get(track=duet, artist=guest).role == ArtistRole.FEATURED
    play(listener, duet, times=3)
    play(listener, TrackFactory(album=AlbumFactory(artists=[solo])), times=2)

    body = api.get(ARTISTS_URL).json()

    names = [item["name"] for item in body["items"]]
    assert sorted(names[:2]) == ["First", "Second"]  # each with the duet's 3 streams, not 6
    assert names[2:] == ["Solo"] and body["total"] == 3


def test_artists_ignore_other_listeners_and_taken_down_tracks(api, listener, staff):
    mine, theirs, claimed = ArtistFactory(name="Mine"), ArtistFactory(name="Theirs"), ArtistFactory(name="Claimed")
    play(listener, TrackFactory(album=AlbumFactory(artists=[mine])))
    play(UserFactory(), TrackFactory(album=AlbumFactory(artists=[theirs])), times=4)
    taken = TrackFactory(album=AlbumFactory(artists=[claimed]))
    play(listener, taken, times=3)
    rights.takedown_create(actor=staff, track=taken, territories=["*"], reason="claim")

    assert [item["name"] for item in api.get(ARTISTS_URL).json()["items"]] == ["Mine"]


def test_artists_read_the_time_range(api, listener):
    recent, old = ArtistFactory(name="Recent"), ArtistFactory(name="Old")
    play(listener, TrackFactory(album=AlbumFactory(artists=[recent])), days_ago=3)
    play(listener, TrackFactory(album=AlbumFactory(artists=[old])), days_ago=200, times=3)

    assert [i["name"] for i in api.get(ARTISTS_URL, {"time_range": "short_term"}).json()["items"]] == ["Recent"]
    assert [i["name"] for i in api.get(ARTISTS_URL, {"time_range": "long_term"}).json()["items"]] == ["Old", "Recent"]


# --- Refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"time_range": "forever"}, "time_range"),
        ({"time_range": "SHORT_TERM"}, "time_range"),
        ({"limit": "0"}, "limit"),
        ({"limit": "51"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "x"}, "offset"),
    ],
)
@pytest.mark.parametrize("url", [TRACKS_URL, ARTISTS_URL])
def test_bad_parameters_are_a_400_naming_them(api, url, params, fragment):
    response = api.get(url, params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and fragment in error["message"]


@pytest.mark.parametrize("kind", ["albums", "playlists", "Tracks", "track"])
def test_an_unknown_type_is_a_404_in_the_api_error_shape(api, kind):
    response = api.get(f"/v1/me/top/{kind}")

    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404
    assert kind in response.json()["error"]["message"]


@pytest.mark.parametrize("url", [TRACKS_URL, ARTISTS_URL, "/v1/me/top/albums"])
def test_it_refuses_anonymous_clients(anon, url):
    response = anon.get(url)

    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401


# --- Cost -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [TRACKS_URL, ARTISTS_URL])
def test_a_page_costs_the_same_queries_whatever_its_size(api, listener, url, django_assert_max_num_queries):
    albums = [AlbumFactory() for _ in range(5)]
    for n in range(50):
        track = TrackFactory(album=albums[n % 5], artists=[ArtistFactory(), ArtistFactory()])
        play(listener, track, times=1 + n % 3)

    with CaptureQueriesContext(connection) as small:
        assert len(api.get(url, {"limit": 1, "time_range": "long_term"}).json()["items"]) == 1
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(api.get(url, {"limit": 50, "time_range": "long_term"}).json()["items"]) == 50


# --- A real client --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_spotify_client_reads_and_pages_its_top_tracks_and_artists(live_server):
    """spotipy, unmodified but for its prefix, against a live server."""
    user = UserFactory(email="top@example.test")
    artist = ArtistFactory(name="Favourite")
    tracks = [TrackFactory(album=AlbumFactory(artists=[artist])) for _ in range(3)]
    for rank, track in enumerate(tracks):
        play(user, track, times=3 - rank, days_ago=2)
    tokens = api_client_for().post("/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json")
    sp = spotipy.Spotify(auth=tokens.json()["access"], retries=0, status_retries=0, requests_timeout=10)
    sp.prefix = f"{live_server.url}/v1/"

    page = sp.current_user_top_tracks(limit=2, time_range="short_term")
    seen = ids(page)
    while page["next"]:
        page = sp.next(page)
        seen += ids(page)
    artists = sp.current_user_top_artists(time_range="long_term")

    assert seen == [t.public_id for t in tracks]
    assert [a["name"] for a in artists["items"]] == ["Favourite"]
    with pytest.raises(spotipy.SpotifyException) as refused:
        sp.current_user_top_tracks(time_range="all_time")
    assert refused.value.http_status == 400
