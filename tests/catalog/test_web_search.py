"""The web app's search page, which the header's box loads as one types (static/js/search.js): the
search service's ranked matches, a section per kind, only what a listener may see, any text taken
as text. The factories' ready tracks are searchable at once: signal receivers index them in the
writing transaction (apps.catalog.search.receivers)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.catalog.models import IngestState
from apps.playlists import services as playlist_services
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


def names(response, section: str) -> list[str]:
    return [getattr(row, "title", None) or row.name for row in response.context[section]]


def headings(response) -> list[str]:
    return re.findall(r"<h2 id=\"\w+-heading\">([^<]+)</h2>", response.content.decode())


def test_it_finds_tracks_by_title_artist_and_album_with_what_a_listener_may_see(client, catalog):
    response = client.get(SEARCH, {"q": "  LIGHT  "})

    assert response.status_code == 200
    # Title, album title ("Northern Lights") and artist name ("Sahara Lights") all match; the track
    # still processing and the release that comes out in three days do not show.
    assert sorted(rows(response)) == ["Dune", "First Light", "Polar Night"]
    assert rows(response)[0] == "First Light"  # its own title matches, the others through their album or artist
    assert names(response, "artists") == ["Sahara Lights"]
    assert "Light Years" not in names(response, "albums")
    assert names(response, "albums")[0] == "Northern Lights"  # by its title, before an album by its artist
    assert response.context["query"] == "LIGHT"
    assert b'value="LIGHT"' in response.content  # the box keeps what was typed


def test_each_kind_has_its_section_only_when_it_has_results(client, catalog):
    response = client.get(SEARCH, {"q": "light"})
    assert headings(response) == ["Songs", "Artists", "Albums"]  # no playlist matches

    only_songs = client.get(SEARCH, {"q": "dune"})
    assert headings(only_songs) == ["Songs"]
    assert rows(only_songs) == ["Dune"]


def test_an_exact_title_comes_before_titles_it_only_begins(client):
    album = AlbumFactory(title="Assorted", artists=[ArtistFactory(name="Various")])
    # The partial matches are far more popular: popularity boosts, it does not outrank the exact match.
    TrackFactory(album=album, title="Lovesick Blues", popularity=95)
    TrackFactory(album=album, title="Love Me Tender", popularity=90)
    TrackFactory(album=album, title="Love", popularity=5)

    response = client.get(SEARCH, {"q": "love"})

    assert rows(response)[0] == "Love"
    assert sorted(rows(response)) == ["Love", "Love Me Tender", "Lovesick Blues"]


def test_a_typo_still_finds_the_song(client):
    album = AlbumFactory(title="Assorted", artists=[ArtistFactory(name="Various")])
    TrackFactory(album=album, title="Love", popularity=40)
    TrackFactory(album=album, title="Hate", popularity=40)

    response = client.get(SEARCH, {"q": "lvoe"})  # two letters swapped

    assert rows(response) == ["Love"]


def test_a_name_typed_without_its_accents_is_found(client):
    artist = ArtistFactory(name="Beyoncé")
    TrackFactory(album=AlbumFactory(title="Lemonade", artists=[artist]), title="Formation")

    response = client.get(SEARCH, {"q": "beyonce"})

    assert names(response, "artists") == ["Beyoncé"]
    assert rows(response) == ["Formation"]
    assert "Beyoncé" in response.content.decode()


def test_the_playlists_section_shows_public_playlists_only(client, catalog):
    owner = UserFactory(display_name="Olga Owner")
    playlist_services.playlist_create(owner=owner, name="Light Morning", public=True)
    playlist_services.playlist_create(owner=owner, name="Light Secrets", public=False)
    hidden_later = playlist_services.playlist_create(owner=owner, name="Light Lately", public=True)
    playlist_services.playlist_update_details(actor=owner, playlist=hidden_later, fields={"public": False})

    response = client.get(SEARCH, {"q": "light"})

    assert names(response, "playlists") == ["Light Morning"]
    assert headings(response) == ["Songs", "Artists", "Albums", "Playlists"]
    playlist = response.context["playlists"][0]
    assert f'href="{reverse("playlists:playlist", args=[playlist.public_id])}"' in response.content.decode()


def test_each_song_plays_on_through_its_own_album(client, catalog):
    client.force_login(UserFactory())
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


def test_a_track_blocked_elsewhere_plays_here(client, catalog):
    staff = UserFactory(role=Role.STAFF)
    licence_create(actor=staff, track=catalog["second"], kind="grant", territories=["*"])
    licence_create(actor=staff, track=catalog["second"], kind="block", territories=["SE"])
    client.force_login(UserFactory(country="NO"))

    response = client.get(SEARCH, {"q": "polar"})

    assert rows(response) == ["Polar Night"]
    assert b"track-row--unplayable" not in response.content


def test_a_listener_who_is_not_signed_in_finds_everything_but_plays_nothing(client, catalog):
    response = client.get(SEARCH, {"q": "northern"})

    assert response.status_code == 200
    assert names(response, "albums") == ["Northern Lights"]
    assert sorted(rows(response)) == ["First Light", "Polar Night"]
    assert not re.search(r"data-play[\s>]", response.content.decode())  # playing needs an account


def test_without_a_query_it_invites_one_and_with_no_match_says_so(client, catalog):
    empty = client.get(SEARCH)
    assert empty.status_code == 200 and b"start typing" in empty.content

    blank = client.get(SEARCH, {"q": "   \t "})
    assert blank.status_code == 200 and b"start typing" in blank.content

    none = client.get(SEARCH, {"q": "zzzz"})
    assert none.status_code == 200 and rows(none) == []
    assert b"Nothing matches" in none.content
    assert headings(none) == []


@pytest.mark.parametrize(
    "query",
    [
        "&|!():*\"'\\",
        "%",
        "_",
        "light' OR 1=1 --",
        'a & b | !c:*"\\',
        "🎵",
        "نور",
        "ライト",
        "artist:",
        'album:"',
    ],
)
def test_any_text_is_text_never_an_error(client, catalog, query):
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert "Dune" not in rows(response)  # nothing here is the desert song, nor a way to list everything


def test_operator_characters_around_words_do_not_stop_them_matching(client, catalog):
    response = client.get(SEARCH, {"q": '"polar" & (night)!'})
    assert response.status_code == 200
    assert rows(response) == ["Polar Night"]


def test_a_malformed_filter_is_said_on_the_page_not_raised(client, catalog):
    response = client.get(SEARCH, {"q": "year:abc"})
    assert response.status_code == 200
    assert b"Invalid year filter" in response.content
    assert rows(response) == []


def test_control_characters_are_dropped_before_the_search_sees_them(client, catalog):
    response = client.get(SEARCH, {"q": "\x00pol\x07ar\x1b"})
    assert response.status_code == 200
    assert rows(response) == ["Polar Night"]


def test_a_very_long_query_is_cut_not_refused(client, catalog):
    response = client.get(SEARCH, {"q": "light " * 2_000})
    assert response.status_code == 200
    assert len(response.context["query"]) == 200

    one_word = client.get(SEARCH, {"q": "x" * 10_000})
    assert one_word.status_code == 200
    assert b"Nothing matches" in one_word.content


def test_a_track_is_searchable_as_soon_as_it_becomes_ready_and_gone_when_it_is_not(
    client, catalog, django_capture_on_commit_callbacks
):
    track = TrackFactory(album=catalog["album"], title="Aurora Borealis", ingest_state=IngestState.PROCESSING)
    assert rows(client.get(SEARCH, {"q": "borealis"})) == []

    # The commit moves the search version on, so the empty answer cached a moment ago is not reused.
    with django_capture_on_commit_callbacks(execute=True):
        track.ingest_state = IngestState.READY
        track.save(update_fields=["ingest_state"])
    assert rows(client.get(SEARCH, {"q": "borealis"})) == ["Aurora Borealis"]

    with django_capture_on_commit_callbacks(execute=True):
        track.delete()
    assert rows(client.get(SEARCH, {"q": "borealis"})) == []
