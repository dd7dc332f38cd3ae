"""`GET /v1/views/home` (extension): the home screen's shelves, for a listener with history, a new
listener who picked artists (cold start) and one with nothing at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.playlists import library
from apps.recommendations.products.charts import refresh_charts
from apps.recommendations.training import train_and_publish
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.recommendations.catalog import planted_catalog
from tests.recommendations.listening import absorbed, listen, report

pytestmark = pytest.mark.django_db

URL = "/v1/views/home"


@pytest.fixture
def planted():
    return planted_catalog(artists_per_genre=5, tracks_per_artist=4)


def sections(client) -> dict[str, dict]:
    response = client.get(URL)
    assert response.status_code == 200, response.content
    return {section["id"]: section for section in response.json()["sections"]}


def test_a_listener_with_history_gets_every_shelf(listener, planted):
    techno = planted.tracks["techno"]
    listen(listener, techno[:10], times=2)
    library.save(user=listener, kind="artist", ids=[planted.artists["techno"][0].public_id])
    fresh = techno[0].album
    fresh.release_date = timezone.localdate() - timedelta(days=10)
    fresh.save(update_fields=["release_date"])
    for user in (UserFactory(country="SE") for _ in range(3)):
        for track in techno[:12]:
            report(user, track, hours_ago=3)
    absorbed()
    train_and_publish(factors=8, iterations=5)
    refresh_charts()

    home = sections(api_client_for(listener))

    assert list(home) == [
        "made-for-you",
        "recently-played",
        "new-from-followed",
        "popular",
        "because-you-liked",
        "charts",
    ]
    made = [p["name"] for p in home["made-for-you"]["items"]]
    assert made[0] == "Discover Weekly" and "Daily Mix 1" in made
    assert home["made-for-you"]["title"] == f"Made for {listener.display_name}"
    assert {t["id"] for t in home["recently-played"]["items"]} <= {t.public_id for t in techno[:10]}
    assert [a["id"] for a in home["new-from-followed"]["items"]] == [fresh.public_id]
    assert home["popular"]["title"] == "Popular in Sweden" and home["popular"]["type"] == "tracks"
    assert home["because-you-liked"]["title"].startswith("Because you liked ")
    assert all(t["is_playable"] for t in home["because-you-liked"]["items"])
    assert home["charts"]["items"][0]["name"] == "Top 50 – Sweden"


def test_a_new_listener_who_picked_artists_gets_a_home_from_them_at_once(planted):
    newcomer = UserFactory()
    picks = planted.artists["ambient"][:2]
    library.save(user=newcomer, kind="artist", ids=[a.public_id for a in picks])

    home = sections(api_client_for(newcomer))

    weekly = home["made-for-you"]["items"][0]
    assert weekly["name"] == "Discover Weekly" and weekly["tracks"]["total"] > 0
    tracks = api_client_for(newcomer).get(f"/v1/playlists/{weekly['id']}/tracks").json()["items"]
    ambient = {t.public_id for t in planted.tracks["ambient"]}
    assert sum(item["track"]["id"] in ambient for item in tracks[:10]) >= 8


def test_a_listener_with_nothing_gets_what_is_popular(planted):
    newcomer = UserFactory(country="SE")
    for user in (UserFactory(country="SE") for _ in range(2)):
        for track in planted.tracks["techno"][:12]:
            report(user, track, hours_ago=3)
    refresh_charts()
    home = sections(api_client_for(newcomer))
    assert "popular" in home and "charts" in home
    assert "recently-played" not in home and "because-you-liked" not in home  # empty shelves are left out
    assert "made-for-you" not in home  # nothing of theirs to go on yet


def test_anonymous_is_401_and_a_bad_market_400(anon, api, planted):
    assert anon.get(URL).status_code == 401
    assert api.get(URL, {"market": "XX"}).status_code == 400


def test_no_model_file_still_serves_a_home(listener, planted, caplog):
    listen(listener, planted.tracks["ambient"][:8])
    absorbed()
    model = train_and_publish(factors=4, iterations=2)
    default_storage.delete(model.storage_key)
    home = sections(api_client_for(listener))
    assert home["made-for-you"]["items"]
    assert "could not be loaded" in caplog.text
