"""The web app's search page, which the header's box loads as one types (static/js/search.js):
a substring match on titles and names, only what a listener may see, any text taken literally."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.catalog.models import IngestState
from apps.rights.services import licence_create
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("web:search")


@pytest.fixture
def catalog():
    aurora = ArtistFactory(name="Aurora Fields")
    album = AlbumFactory(title="Northern Lights", artists=[aurora])
    first = TrackFactory(album=album, title="First Light", track_number=1)
    second = TrackFactory(album=album, title="Polar Night", track_number=2)
    TrackFactory(album=album, title="Lighthouse Demo", ingest_state=IngestState.PROCESSING, hls_prefix="")
    upcoming = AlbumFactory(
        title="Light Years", artists=[aurora], release_date=timezone.localdate() + timedelta(days=3)
    )
    TrackFactory(album=upcoming, title="Lightspeed")
    other = AlbumFactory(title="Desert Songs", artists=[ArtistFactory(name="Sahara Lights")])
    third = TrackFactory(album=other, title="Dune")
    return {"aurora": aurora, "album": album, "first": first, "second": second, "third": third}


def rows(response) -> list[str]:
    return [track.title for track in response.context["tracks"]]


def test_it_finds_tracks_by_title_artist_and_album_with_what_a_listener_may_see(client, catalog):
    response = client.get(SEARCH, {"q": "  LIGHT  "})

    assert response.status_code == 200
    # Title, album title ("Northern Lights") and artist name ("Sahara Lights") all match; the track
    # still processing and the release that comes out in three days do not show.
    assert sorted(rows(response)) == ["Dune", "First Light", "Polar Night"]
    assert [artist.name for artist in response.context["artists"]] == ["Sahara Lights"]  # by name only
    assert [album.title for album in response.context["albums"]] == ["Northern Lights"]
    assert response.context["query"] == "LIGHT"
    assert b'value="LIGHT"' in response.content  # the box keeps what was typed


def test_each_song_plays_on_through_its_own_album(client, catalog):
    user = UserFactory()
    client.force_login(user)
    response = client.get(SEARCH, {"q": "light"})
    html = response.content.decode()
    first, third = catalog["first"], catalog["third"]
    assert (
        f'data-context-uri="spotify:album:{first.album.public_id}" data-track-uri="spotify:track:{first.public_id}"'
        in html
    )
    assert (
        f'data-context-uri="spotify:album:{third.album.public_id}" data-track-uri="spotify:track:{third.public_id}"'
        in html
    )


def test_a_track_that_cannot_play_here_is_found_greyed_out_with_the_reason(client, catalog):
    licence_create(actor=UserFactory(role=Role.STAFF), track=catalog["second"], kind="block", territories=["SE"])
    client.force_login(UserFactory(country="SE"))

    response = client.get(SEARCH, {"q": "polar"})

    assert rows(response) == ["Polar Night"]
    assert b"track-row--unplayable" in response.content
    assert b"Not available in your country" in response.content


def test_without_a_query_it_invites_one_and_with_no_match_says_so(client, catalog):
    empty = client.get(SEARCH)
    assert empty.status_code == 200 and b"start typing" in empty.content

    none = client.get(SEARCH, {"q": "zzzz"})
    assert none.status_code == 200 and rows(none) == []
    assert b"Nothing matches" in none.content


@pytest.mark.parametrize(
    "query",
    ["%", "_", "light' OR 1=1 --", 'a & b | !c:*"\\', "(light)", "🎵", "نور", "ライト"],
)
def test_any_text_is_a_literal_never_an_error(client, catalog, query):
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert rows(response) == []  # nothing here contains these literally


def test_control_characters_are_dropped_before_the_database_sees_them(client, catalog):
    # PostgreSQL refuses a NUL in a string (a 500), SQLite ends the pattern there (matching all).
    response = client.get(SEARCH, {"q": "\x00pol\x07ar\x1b"})
    assert response.status_code == 200
    assert rows(response) == ["Polar Night"]


def test_a_very_long_query_is_cut_not_refused(client, catalog):
    response = client.get(SEARCH, {"q": "light " * 2_000})
    assert response.status_code == 200
    assert len(response.context["query"]) == 200
