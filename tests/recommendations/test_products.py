"""The products: Discover Weekly, Daily Mixes, radio (an endless context through the real
player), playlist continuation and the charts; each a real playlist with the playlists' rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Product
from apps.playlists.models import Playlist
from apps.playlists.services import items_add, playlist_create
from apps.recommendations.products import charts, mixes
from apps.recommendations.products.radio import RADIO_START
from apps.recommendations.training import train_and_publish
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.recommendations.catalog import planted_catalog
from tests.recommendations.listening import absorbed, listen, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted():
    return planted_catalog(artists_per_genre=6, tracks_per_artist=5)


def public_ids(playlist) -> list[str]:
    return list(playlist.entries.order_by("key").values_list("track__public_id", flat=True))


def test_discover_weekly_is_thirty_tracks_never_played_and_private_to_its_listener(listener, planted):
    ambient = planted.tracks["ambient"]
    listen(listener, ambient[:6], times=3)
    report(listener, ambient[6], kind="skip", ms_played=3_000)
    absorbed()

    weekly = mixes.discover_weekly(listener)

    tracks = public_ids(weekly)
    assert weekly.name == "Discover Weekly" and weekly.made_for == listener and not weekly.public
    assert 0 < len(tracks) <= mixes.DISCOVER_SIZE and len(tracks) == len(set(tracks))
    assert not set(tracks) & {t.public_id for t in ambient[:7]}  # played or skipped: never rediscovered
    ambient_ids = {t.public_id for t in ambient}
    assert sum(t in ambient_ids for t in tracks[:10]) >= 7  # the listener's taste leads (exploration aside)
    assert mixes.discover_weekly(listener).pk == weekly.pk  # the same playlist, not remade within the week

    owner_view = api_client_for(listener).get(f"/v1/playlists/{weekly.public_id}")
    assert owner_view.status_code == 200 and owner_view.json()["owner"]["display_name"] == "Streamify"
    assert api_client_for(UserFactory()).get(f"/v1/playlists/{weekly.public_id}").status_code == 404
    edit = api_client_for(listener).post(f"/v1/playlists/{weekly.public_id}/tracks", [], format="json")
    assert edit.status_code in (400, 403)  # theirs to play, the platform's to edit


def test_discover_weekly_is_remade_on_a_new_week(listener, planted):
    listen(listener, planted.tracks["techno"][:5], times=2)
    absorbed()
    weekly = mixes.discover_weekly(listener)
    Playlist.objects.filter(pk=weekly.pk).update(updated_at=timezone.now() - timedelta(days=8))
    first = public_ids(weekly)
    listen(listener, [planted.tracks["techno"][k] for k in range(5, 10)], times=2, hours_ago=30)
    absorbed()
    again = mixes.discover_weekly(listener)
    assert again.pk == weekly.pk and again.updated_at >= mixes.week_start()
    assert public_ids(again) != first


def test_daily_mixes_split_the_history_into_taste_groups(listener, planted):
    listen(listener, planted.tracks["ambient"][:12], times=2)
    listen(listener, planted.tracks["techno"][:12], times=3)
    absorbed()

    made = mixes.daily_mixes(listener)

    assert [m.name for m in made] == [f"Daily Mix {n}" for n in range(1, len(made) + 1)]
    assert len(made) >= 2
    groups = {"ambient": {t.public_id for t in planted.tracks["ambient"]}, "techno": set()}
    groups["techno"] = {t.public_id for t in planted.tracks["techno"]}
    for mix in made:
        tracks = public_ids(mix)
        dominant = max(groups, key=lambda g: sum(t in groups[g] for t in tracks))
        assert sum(t in groups[dominant] for t in tracks) >= 0.8 * len(tracks)  # one taste per mix
        played = {t.public_id for t in planted.tracks[dominant][:12]}
        assert 0 < sum(t not in played for t in tracks) < len(tracks)  # mostly familiar, some new
    assert made[0].description.endswith("and more") or "," in made[0].description


def test_a_listener_without_history_has_no_mixes_but_a_discover_weekly_from_what_is_popular(listener, planted):
    assert mixes.daily_mixes(listener) == []
    weekly = mixes.discover_weekly(listener)
    assert weekly.entries.count() > 0


@pytest.fixture
def premium():
    return UserFactory(product=Product.PREMIUM, country="SE")


def test_radio_plays_through_the_player_and_extends_itself(premium, planted, settings):
    client = api_client_for(premium)
    seed = planted.tracks["techno"][0]
    response = client.post("/v1/me/radio", {"seed_uri": f"spotify:track:{seed.public_id}"}, format="json")
    assert response.status_code == 201, response.content
    station = response.json()
    assert station["name"] == f"{seed.title} Radio" and station["type"] == "playlist"
    first_length = station["tracks"]["total"]
    assert 1 < first_length <= RADIO_START + 1

    client.post("/v1/me/player/devices", {"id": "phone", "name": "Phone"}, format="json")
    play = client.put("/v1/me/player/play?device_id=phone", {"context_uri": station["uri"]}, format="json")
    assert play.status_code == 204, play.content
    assert client.get("/v1/me/player").json()["item"]["id"] == seed.public_id  # a track radio opens with it

    heard = {seed.public_id}
    for _ in range(first_length + 3):  # past the station's first end: it grows instead of stopping
        assert client.post("/v1/me/player/next").status_code == 204
        heard.add(client.get("/v1/me/player").json()["item"]["id"])
    grown = Playlist.objects.get(public_id=station["id"])
    assert grown.length > first_length
    assert len(heard) == first_length + 4  # nothing played twice

    again = client.post("/v1/me/radio", {"seed_uri": f"streamify:track:{seed.public_id}"}, format="json")
    assert again.json()["id"] == station["id"]  # one station per seed


def test_radio_from_an_artist_album_and_playlist_and_what_one_may_not_see(listener, planted):
    client = api_client_for(listener)
    artist, album = planted.artists["ambient"][0], planted.tracks["ambient"][0].album
    for uri in (f"spotify:artist:{artist.public_id}", f"spotify:album:{album.public_id}"):
        response = client.post("/v1/me/radio", {"seed_uri": uri}, format="json")
        assert response.status_code == 201, response.content
    private = playlist_create(owner=UserFactory(), name="Secret", public=False)
    items_add(actor=private.owner, playlist=private, track_ids=[planted.tracks["ambient"][0].public_id])
    hidden = client.post("/v1/me/radio", {"seed_uri": f"spotify:playlist:{private.public_id}"}, format="json")
    assert hidden.status_code == 404
    for body in ({}, {"seed_uri": "spotify:show:" + "0" * 22}, {"seed_uri": 5}):
        assert client.post("/v1/me/radio", body, format="json").status_code == 400
    assert client.post("/v1/me/radio", {"seed_uri": "spotify:track:" + "0" * 22}, format="json").status_code == 404
    assert Playlist.objects.filter(generator__startswith="radio:").count() == 2  # failures made nothing


def test_playlist_continuation_suggests_what_fits_and_is_not_in_it(listener, planted):
    mine = playlist_create(owner=listener, name="Calm")
    items_add(actor=listener, playlist=mine, track_ids=[t.public_id for t in planted.tracks["ambient"][:5]])
    client = api_client_for(listener)

    response = client.get(f"/v1/playlists/{mine.public_id}/recommendations", {"limit": 5})

    assert response.status_code == 200, response.content
    suggested = [t["id"] for t in response.json()["tracks"]]
    assert len(suggested) == 5
    assert not set(suggested) & {t.public_id for t in planted.tracks["ambient"][:5]}
    assert set(suggested) <= {t.public_id for t in planted.tracks["ambient"]}
    private = playlist_create(owner=UserFactory(), name="Not yours", public=False)
    assert client.get(f"/v1/playlists/{private.public_id}/recommendations").status_code == 404
    assert client.get(f"/v1/playlists/{mine.public_id}/recommendations", {"limit": 0}).status_code == 400


def test_charts_per_country_genre_and_world_time_decayed(planted):
    techno, ambient = planted.tracks["techno"], planted.tracks["ambient"]
    swedes = [UserFactory(country="SE") for _ in range(3)]
    french = [UserFactory(country="FR") for _ in range(2)]
    for n, track in enumerate(techno[:12]):
        for user in swedes[: 1 + n % 3]:
            report(user, track, hours_ago=2)
    for track in ambient[:12]:
        for user in french:
            report(user, track, hours_ago=2)
    for _ in range(6):  # many streams, but six days ago: they have decayed below today's
        report(swedes[0], ambient[12], hours_ago=24 * 6)

    made = {p.generator: p for p in charts.refresh_charts()}

    assert {"chart:global", "chart:country:SE", "chart:country:FR"} <= set(made)
    assert f"chart:genre:{planted.genres['techno'].pk}" in made
    sweden = public_ids(made["chart:country:SE"])
    assert made["chart:country:SE"].name == "Top 50 – Sweden" and made["chart:country:SE"].public
    assert set(sweden[:4]) <= {techno[n].public_id for n in range(12) if n % 3 == 2}  # three listeners each
    assert sweden.index(ambient[12].public_id) > 3
    assert not set(public_ids(made["chart:country:FR"])) & {t.public_id for t in techno}

    page = api_client_for(swedes[0]).get("/v1/browse/categories/toplists/playlists").json()["playlists"]
    assert page["items"][0]["name"] == "Top 50 – Sweden"
    assert page["total"] == len(made) - 1  # every chart but France's
    assert api_client_for(swedes[0]).get("/v1/browse/categories/moods/playlists").status_code == 404
    assert api_client_for(swedes[0]).get("/v1/browse/categories/toplists/playlists?country=ZZ").status_code == 400


def test_a_model_changes_what_comes_next_as_soon_as_the_listener_plays(listener, planted):
    """Fold-in: plays after training count without retraining."""
    for _ in range(5):
        listen(UserFactory(), planted.tracks["ambient"][:15], times=2)
        listen(UserFactory(), planted.tracks["techno"][:15], times=2)
    absorbed()
    train_and_publish(factors=8, iterations=10)
    listen(listener, planted.tracks["techno"][:4], times=3)
    absorbed()
    weekly = mixes.discover_weekly(listener, refresh=True)
    techno = {t.public_id for t in planted.tracks["techno"]}
    assert sum(t in techno for t in public_ids(weekly)[:10]) >= 8
