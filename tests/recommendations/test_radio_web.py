"""Radio from the web pages (apps.recommendations.radio_views): "Go to radio" on a track, an
artist, an album and a playlist starts the listener's station and opens its page; what one may not
see is a 404 and a malformed request a 400, neither making a station."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.common.ids import new_public_id
from apps.common.uris import build_uri
from apps.playlists.models import Playlist
from apps.playlists.services import items_add, playlist_create
from apps.recommendations.curator import generated_playlists
from tests.conftest import web_client_for
from tests.factories import UserFactory
from tests.recommendations.catalog import planted_catalog

pytestmark = pytest.mark.django_db

RADIO = reverse("social:radio")


@pytest.fixture
def planted():
    return planted_catalog(artists_per_genre=3, tracks_per_artist=4)


def stations(user) -> list[Playlist]:
    return generated_playlists(made_for=user, generator_prefix="radio:")


def a_playlist(owner, tracks, *, public: bool) -> Playlist:
    playlist = playlist_create(owner=owner, name="Mine", public=public)
    items_add(actor=owner, playlist=playlist, track_ids=[t.public_id for t in tracks])
    return playlist


def test_go_to_radio_from_a_track_opens_the_station(listener, planted):
    seed = planted.tracks["ambient"][0]
    client = web_client_for(listener)

    response = client.post(RADIO, {"seed_uri": build_uri("track", seed.public_id)})

    [station] = stations(listener)
    assert response.status_code == 302
    assert response["Location"] == reverse("playlists:playlist", args=[station.public_id])
    page = client.get(response["Location"]).content.decode()
    assert f"{seed.title} Radio" in page
    assert f'data-track-id="{seed.public_id}"' in page  # a track's radio opens with the track
    ambient = {t.pk for t in planted.tracks["ambient"]}
    played = list(station.entries.order_by("key").values_list("track_id", flat=True))
    assert played[0] == seed.pk and sum(t in ambient for t in played[:8]) >= 6  # music like it


def test_every_kind_of_page_offers_radio_from_itself(listener, planted):
    track = planted.tracks["techno"][0]
    playlist = a_playlist(listener, planted.tracks["techno"][:3], public=False)
    client = web_client_for(listener)
    pages = {
        reverse("web:track", args=[track.public_id]): build_uri("track", track.public_id),
        reverse("web:album", args=[track.album.public_id]): build_uri("album", track.album.public_id),
        reverse("web:artist", args=[planted.artists["techno"][0].public_id]): build_uri(
            "artist", planted.artists["techno"][0].public_id
        ),
        reverse("playlists:playlist", args=[playlist.public_id]): build_uri("playlist", playlist.public_id),
    }
    for url, seed_uri in pages.items():
        content = client.get(url).content.decode()
        assert f'action="{RADIO}"' in content and f'name="seed_uri" value="{seed_uri}"' in content, url
        assert "Go to radio" in content

        response = client.post(RADIO, {"seed_uri": seed_uri})
        assert response.status_code == 302, (url, response.content)
    assert len(stations(listener)) == 4


def test_starting_the_same_radio_again_picks_up_the_same_station(listener, planted):
    seed = build_uri("artist", planted.artists["ambient"][1].public_id)
    client = web_client_for(listener)
    first, again = client.post(RADIO, {"seed_uri": seed}), client.post(RADIO, {"seed_uri": seed})
    assert first["Location"] == again["Location"] and len(stations(listener)) == 1


def test_anonymous_visitors_get_no_radio_button_and_no_station(client, planted):
    track = planted.tracks["techno"][0]
    assert "Go to radio" not in client.get(reverse("web:track", args=[track.public_id])).content.decode()
    response = client.post(RADIO, {"seed_uri": build_uri("track", track.public_id)})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert not Playlist.live.exclude(generator="").exists()


def test_what_one_may_not_see_is_a_404_and_makes_no_station(listener, planted):
    someone_elses = a_playlist(UserFactory(), planted.tracks["ambient"][:3], public=False)
    client = web_client_for(listener)
    for seed_uri in (
        build_uri("track", new_public_id()),
        build_uri("album", new_public_id()),
        build_uri("artist", new_public_id()),
        build_uri("playlist", someone_elses.public_id),
    ):
        assert client.post(RADIO, {"seed_uri": seed_uri}).status_code == 404, seed_uri
    assert stations(listener) == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"seed_uri": ""},
        {"seed_uri": "not a uri"},
        {"seed_uri": "spotify:user:" + "a" * 22},
        {"seed_uri": "x" * 5000},
    ],
)
def test_a_malformed_request_is_a_400_and_makes_no_station(listener, planted, body):
    assert web_client_for(listener).post(RADIO, body).status_code == 400
    assert stations(listener) == []


def test_radio_is_started_with_a_post_only(listener):
    assert web_client_for(listener).get(RADIO).status_code == 405
