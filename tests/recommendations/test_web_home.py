"""The web app's home page, built from the home view (apps.recommendations.home_page, given to the
catalog's page through apps.catalog.home): its shelves for a listener with history, an anonymous
visitor and a new listener who picked artists; rows greyed out and playable as elsewhere; and
nobody else's mixes, ever. "Popular now" before there are charts is tests/playback/test_popular_shelf.py."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.common.uris import build_uri
from apps.playlists import library
from apps.playlists.models import Playlist
from apps.recommendations.curator import generated_playlists
from apps.recommendations.products.charts import refresh_charts
from apps.recommendations.training import train_and_publish
from apps.rights.services import licence_create
from tests.conftest import web_client_for
from tests.factories import AlbumFactory, TrackFactory, UserFactory
from tests.recommendations.catalog import planted_catalog
from tests.recommendations.listening import absorbed, listen, report

pytestmark = pytest.mark.django_db

HOME = reverse("web:home")
EVERY_SHELF = ["made-for-you", "recently-played", "new-from-followed", "popular", "because-you-liked", "charts"]


@pytest.fixture
def planted():
    return planted_catalog(artists_per_genre=5, tracks_per_artist=4)


def shelves(response) -> dict:
    assert response.status_code == 200
    return {shelf.key: shelf for shelf in response.context["shelves"]}


def section(content: str, key: str) -> str:
    """The HTML of one shelf."""
    match = re.search(rf'<section class="shelf"[^>]*data-shelf="{key}">(.*?)</section>', content, re.S)
    assert match, f"no {key} shelf"
    return match.group(1)


def charted_in_sweden(tracks) -> None:
    """Three other Swedish listeners stream `tracks` today, and the charts are made."""
    for user in (UserFactory(country="SE") for _ in range(3)):
        for track in tracks:
            report(user, track, hours_ago=3)
    refresh_charts()


def test_a_listener_with_history_sees_every_shelf_in_order(listener, planted):
    techno = planted.tracks["techno"]
    listen(listener, techno[:10], times=2)
    library.save(user=listener, kind="artist", ids=[planted.artists["techno"][0].public_id])
    fresh = techno[0].album  # new from an artist they follow
    fresh.release_date = timezone.localdate() - timedelta(days=10)
    fresh.save(update_fields=["release_date"])
    charted_in_sweden(techno[:12])
    absorbed()
    train_and_publish(factors=8, iterations=5)

    response = web_client_for(listener).get(HOME)
    content = response.content.decode()

    assert list(shelves(response)) == EVERY_SHELF
    assert [m for m in re.findall(r'data-shelf="([a-z-]+)"', content)] == EVERY_SHELF
    made = shelves(response)["made-for-you"]
    assert made.title == f"Made for {listener.display_name}"
    assert [p.name for p in made.items][:2] == ["Discover Weekly", "Daily Mix 1"]
    for playlist in made.items:  # cards that open the playlist's page, and play it from the card
        assert reverse("playlists:playlist", args=[playlist.public_id]) in section(content, "made-for-you")
        assert f'data-context-uri="{build_uri("playlist", playlist.public_id)}"' in content
    assert [album.title for album in shelves(response)["new-from-followed"].items] == [fresh.title]
    assert reverse("web:album", args=[fresh.public_id]) in section(content, "new-from-followed")
    assert shelves(response)["popular"].title == "Popular in Sweden"
    assert shelves(response)["because-you-liked"].title.startswith("Because you liked ")
    charts = shelves(response)["charts"].items
    assert charts[0].name == "Top 50 – Sweden"
    assert reverse("playlists:playlist", args=[charts[0].public_id]) in section(content, "charts")


def test_shelf_rows_play_the_shelf_or_the_chart_behind_it(listener, planted):
    techno = planted.tracks["techno"]
    listen(listener, techno[:6])
    charted_in_sweden(techno[:12])
    absorbed()

    response = web_client_for(listener).get(HOME)
    content = response.content.decode()

    # Recently played plays its own tracks as a list, from the row clicked.
    recent = shelves(response)["recently-played"]
    rows = section(content, "recently-played")
    uris = [json.loads(raw.replace("&quot;", '"')) for raw in re.findall(r'data-uris="([^"]*)"', rows)]
    assert uris and all(u == [t.uri for t in recent.items] for u in uris)
    assert f'data-track-uri="{recent.items[0].uri}"' in rows
    # Popular is the top of the Swedish chart, and plays on through the whole chart.
    chart = Playlist.live.get(generator="chart:country:SE")
    popular = section(content, "popular")
    assert f'data-context-uri="{build_uri("playlist", chart.public_id)}"' in popular
    assert "data-uris" not in popular


def test_rows_are_greyed_out_with_the_reason_where_they_cannot_play(listener, planted):
    played = planted.tracks["ambient"][:3]
    listen(listener, played)
    absorbed()
    blocked = played[1]
    licence_create(actor=UserFactory(role=Role.STAFF), track=blocked, kind="block", territories=["SE"])

    response = web_client_for(listener).get(HOME)

    recent = {t.public_id: t for t in shelves(response)["recently-played"].items}
    assert recent[blocked.public_id].is_playable is False
    assert recent[blocked.public_id].unplayable_text == "Not available in your country"
    assert recent[played[0].public_id].duration_text == "3:00"
    rows = section(response.content.decode(), "recently-played")
    assert "Not available in your country" in rows and "track-row--unplayable" in rows
    assert f"Play {blocked.title}: Not available in your country" in rows  # its button says why, disabled
    assert blocked.public_id not in "".join(re.findall(r'data-uris="([^"]*)"', rows))  # and the list skips it


def test_an_anonymous_visitor_sees_popular_the_charts_and_the_latest_releases(client, planted, settings):
    settings.DEFAULT_COUNTRY = "SE"
    charted_in_sweden(planted.tracks["techno"][:12])

    response = client.get(HOME)
    content = response.content.decode()

    assert list(shelves(response)) == ["popular", "charts"]
    assert shelves(response)["popular"].title == "Popular in Sweden"
    assert "Latest releases" in content and "Techno 0" in content  # the catalog's own, as before
    assert "Sign up free" in content
    assert " data-play " not in content and "data-play>" not in content  # nothing to play without an account


def test_an_anonymous_visitor_of_an_empty_platform_sees_no_empty_shelves(client):
    response = client.get(HOME)
    assert shelves(response) == {}
    assert b"Nothing has been released yet." in response.content


def test_a_new_listener_who_picked_artists_gets_made_for_you_from_them(client, planted):
    newcomer = UserFactory(country="SE")
    client.force_login(newcomer)
    picks = planted.artists["ambient"][:2]

    response = client.post(reverse("social:welcome"), {"artist": [a.public_id for a in picks]})
    assert response.status_code == 302 and response["Location"] == HOME

    home = client.get(HOME)
    made = shelves(home)["made-for-you"]
    weekly = made.items[0]
    assert weekly.name == "Discover Weekly" and weekly.length > 0
    page = client.get(reverse("playlists:playlist", args=[weekly.public_id]))
    assert page.status_code == 200
    ambient = {t.public_id for t in planted.tracks["ambient"]}
    shown = re.findall(r'data-track-id="([0-9A-Za-z]{22})"', page.content.decode())
    assert sum(track in ambient for track in shown[:10]) >= 8


def test_another_listeners_mixes_never_show(planted):
    alice, bob = UserFactory(country="SE"), UserFactory(country="SE")
    listen(alice, planted.tracks["ambient"][:10], times=2)
    listen(bob, planted.tracks["techno"][:10], times=2)
    absorbed()

    alices_home = web_client_for(alice).get(HOME).content.decode()
    bob_client = web_client_for(bob)
    bobs_home = bob_client.get(HOME).content.decode()

    alices_mixes = generated_playlists(made_for=alice)
    bobs_mixes = generated_playlists(made_for=bob)
    assert alices_mixes and bobs_mixes
    for mix in bobs_mixes:
        assert mix.public_id not in alices_home
    for mix in alices_mixes:
        assert mix.public_id not in bobs_home
        assert bob_client.get(reverse("playlists:playlist", args=[mix.public_id])).status_code == 404


def test_a_catalog_of_one_track_still_serves_a_home(listener):
    TrackFactory(album=AlbumFactory(title="Lonely"), title="Only One")
    response = web_client_for(listener).get(HOME)
    assert response.status_code == 200
    assert "Lonely" in response.content.decode()
