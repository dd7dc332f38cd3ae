"""Cold start at sign-up: "Pick a few artists you like" (apps.recommendations.welcome). Sign-up
leads there; it shows the artists of the most popular tracks that play here, with their pictures;
the picks are followed and the listener goes home; a bad pick writes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.models import Role
from apps.catalog.models import IngestState
from apps.common.ids import new_public_id
from apps.playlists.models import FollowedArtist
from apps.recommendations.welcome import MAX_PICKS
from apps.rights.services import licence_create
from tests.conftest import web_client_for
from tests.factories import PASSWORD, AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

WELCOME = reverse("social:welcome")
HOME = reverse("web:home")
PICTURE = [{"key": "images/artists/abc-300.jpg", "width": 300, "height": 300}]


def artist_with_a_hit(name: str, popularity: int, **track):
    artist = ArtistFactory(name=name, images=PICTURE)
    TrackFactory(album=AlbumFactory(artists=[artist]), popularity=popularity, **track)
    return artist


@pytest.fixture
def newcomer(client):
    user = UserFactory(country="SE")
    client.force_login(user)
    return user


def test_sign_up_leads_a_new_listener_to_the_picker(client):
    data = {"email": "new@example.test", "display_name": "New", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(reverse("accounts:signup"), {**data, "country": "SE", "birthdate": ""})
    assert response.status_code == 302 and response["Location"] == WELCOME
    page = client.get(WELCOME)
    assert page.status_code == 200 and "Pick a few artists you like" in page.content.decode()


def test_a_safe_next_page_still_wins_over_the_picker(client):
    """Signing up from a shared playlist's page goes back to it (`?next=`, as before)."""
    data = {"email": "new@example.test", "display_name": "New", "password1": PASSWORD, "password2": PASSWORD}
    next_page = reverse("web:search") + "?q=x"
    response = client.post(reverse("accounts:signup") + "?next=" + next_page, {**data, "country": "SE"})
    assert response.status_code == 302 and response["Location"] == next_page


def test_it_shows_the_artists_of_the_most_popular_tracks_that_play_here(client, newcomer):
    quiet = artist_with_a_hit("Quiet One", 5)
    loud = artist_with_a_hit("Loud One", 90)
    middle = artist_with_a_hit("Middle One", 40)
    blocked = artist_with_a_hit("Blocked Here", 99)
    licence_create(actor=UserFactory(role=Role.STAFF), track=blocked.tracks.get(), kind="block", territories=["SE"])
    artist_with_a_hit("Not Ready", 99, ingest_state=IngestState.PROCESSING, hls_prefix="")

    response = client.get(WELCOME)

    assert [a.name for a in response.context["artists"]] == ["Loud One", "Middle One", "Quiet One"]
    content = response.content.decode()
    for artist in (loud, middle, quiet):  # a card each: picture, name, a checkbox with the artist's id
        assert f'name="artist" value="{artist.public_id}"' in content
    assert 'src="/media/images/artists/abc-300.jpg"' in content
    assert "Blocked Here" not in content and "Not Ready" not in content
    assert f'href="{HOME}"' in content and "Skip" in content


def test_picking_follows_the_artists_and_goes_home(client, newcomer):
    picks = [artist_with_a_hit(f"Pick {n}", 50 + n) for n in range(3)]

    response = client.post(WELCOME, {"artist": [picks[0].public_id, picks[2].public_id, picks[0].public_id]})

    assert response.status_code == 302 and response["Location"] == HOME
    followed = set(FollowedArtist.objects.filter(user=newcomer).values_list("artist__name", flat=True))
    assert followed == {"Pick 0", "Pick 2"}


def test_nothing_picked_is_a_skip(client, newcomer):
    artist_with_a_hit("Someone", 50)
    response = client.post(WELCOME, {})
    assert response.status_code == 302 and response["Location"] == HOME
    assert not FollowedArtist.objects.exists()


@pytest.mark.parametrize("bad", [new_public_id(), "not-an-id", "x" * 500])
def test_an_unknown_pick_is_an_error_and_nothing_is_saved(client, newcomer, bad):
    good = artist_with_a_hit("Real", 50)

    response = client.post(WELCOME, {"artist": [good.public_id, bad]})

    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert f'value="{good.public_id}" id="pick-{good.public_id}" checked' in response.content.decode()  # kept ticked
    assert not FollowedArtist.objects.exists()


def test_more_than_the_limit_is_an_error_and_nothing_is_saved(client, newcomer):
    artists = [artist_with_a_hit(f"Artist {n}", n) for n in range(MAX_PICKS + 1)]

    response = client.post(WELCOME, {"artist": [a.public_id for a in artists]})

    assert response.status_code == 400
    assert f"Pick at most {MAX_PICKS} artists" in response.content.decode()
    assert not FollowedArtist.objects.exists()
    assert client.post(WELCOME, {"artist": [a.public_id for a in artists[:MAX_PICKS]]}).status_code == 302


def test_an_empty_catalog_has_nothing_to_pick_and_a_way_on(client, newcomer):
    content = client.get(WELCOME).content.decode()
    assert "There is no music to pick from yet." in content and f'href="{HOME}"' in content


def test_it_wants_a_signed_in_listener(client):
    artist = artist_with_a_hit("Someone", 50)
    for response in (client.get(WELCOME), client.post(WELCOME, {"artist": [artist.public_id]})):
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert not FollowedArtist.objects.exists()


def test_other_methods_are_refused(newcomer):
    assert web_client_for(newcomer).put(WELCOME).status_code == 405
