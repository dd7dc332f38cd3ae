"""Rights-aware catalog responses: `market`, `is_playable`, `restrictions`, `available_markets`,
relinking, and where the listener's country comes from."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Product
from apps.rights import services
from tests.conftest import api_client_for
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(email="rights@example.test", role="staff")


def only_in(staff, track, *codes, **extra):
    services.licence_create(actor=staff, track=track, territories=list(codes), **extra)


def test_a_user_token_decides_the_market_whatever_the_parameter(api, listener, staff):
    track = TrackFactory()
    only_in(staff, track, "DE")
    # The listener is in SE: asking for DE does not move them there (Spotify: the token wins).
    for market in ("DE", "from_token", "SE"):
        body = api.get(f"/v1/tracks/{track.public_id}?market={market}").json()
        assert body["is_playable"] is False and body["restrictions"] == {"reason": "market"}, market
        assert "available_markets" not in body


def test_without_a_market_tracks_and_albums_list_their_markets(api, staff):
    track = TrackFactory()
    only_in(staff, track, "DE", "AT")
    body = api.get(f"/v1/tracks/{track.public_id}").json()
    assert body["available_markets"] == ["AT", "DE"]
    assert body["album"]["available_markets"] == ["AT", "DE"]
    assert "is_playable" not in body


def test_premium_only_content_is_a_product_restriction_for_free_listeners(listener, staff):
    track = TrackFactory()
    only_in(staff, track, "*", premium_only=True)
    free = api_client_for(listener).get(f"/v1/tracks/{track.public_id}?market=from_token").json()
    assert free["is_playable"] is False and free["restrictions"] == {"reason": "product"}
    premium = api_client_for(UserFactory(product=Product.PREMIUM)).get(f"/v1/tracks/{track.public_id}?market=SE")
    assert premium.json()["is_playable"] is True and "restrictions" not in premium.json()


def test_a_blocked_track_is_relinked_to_another_release_of_the_same_recording(api, staff):
    artist = ArtistFactory()
    single = TrackFactory(album=AlbumFactory(artists=[artist]), isrc="SEAAA2600001")
    album_cut = TrackFactory(album=AlbumFactory(artists=[artist]), isrc="SEAAA2600001")
    only_in(staff, single, "DE")  # the single is not licensed in SE; the album version is

    body = api.get(f"/v1/tracks/{single.public_id}?market=from_token").json()

    assert body["id"] == album_cut.public_id and body["is_playable"] is True
    assert body["linked_from"]["id"] == single.public_id
    assert body["linked_from"]["uri"] == f"spotify:track:{single.public_id}"
    assert body["album"]["id"] == album_cut.album.public_id
    several = api.get(f"/v1/tracks?ids={single.public_id}&market=SE").json()["tracks"]
    assert several[0]["id"] == album_cut.public_id  # the list keeps the asked position


def test_a_takedown_is_never_relinked_around(api, staff):
    taken = TrackFactory(isrc="SEAAA2600002")
    TrackFactory(isrc="SEAAA2600002")
    services.takedown_create(actor=staff, track=taken, territories=["*"], reason="claim")
    body = api.get(f"/v1/tracks/{taken.public_id}?market=from_token").json()
    assert body["id"] == taken.public_id and body["restrictions"] == {"reason": "takedown"}
    assert "linked_from" not in body


def test_without_another_release_an_unplayable_track_says_why(api, staff):
    track = TrackFactory(isrc="SEAAA2600003")
    only_in(staff, track, "JP")
    body = api.get(f"/v1/albums/{track.album.public_id}/tracks?market=from_token").json()
    assert body["items"][0]["is_playable"] is False
    album = api.get(f"/v1/albums/{track.album.public_id}?market=from_token").json()
    assert album["is_playable"] is False and album["restrictions"] == {"reason": "market"}


def test_an_album_plays_wherever_any_of_its_tracks_does_whichever_track_is_shown(api, staff):
    local = TrackFactory()
    everywhere = TrackFactory(album=local.album)
    only_in(staff, local, "DE")
    only_in(staff, everywhere, "*")

    for market in ("", "&market=from_token"):  # the listener is in SE
        shown = {t.pk: api.get(f"/v1/tracks/{t.public_id}?{market}").json() for t in (local, everywhere)}
        for body in shown.values():
            if market:
                assert body["album"]["is_playable"] is True
            else:
                assert len(body["album"]["available_markets"]) > 200
        if market:
            assert shown[local.pk]["is_playable"] is False
        else:
            assert shown[local.pk]["available_markets"] == ["DE"]


def test_a_track_that_plays_everywhere_settles_its_album_without_reading_the_albums_tracks(api, staff):
    """Rendering reads an album's other tracks only when the shown one leaves its album's rights
    open (it does not play everywhere, or not here): one read fewer for most responses."""
    settled, open_ = TrackFactory(), TrackFactory()
    only_in(staff, settled, "*")
    only_in(staff, open_, "DE")
    for market in ("", "&market=from_token"):
        costs = {}
        for track in (settled, open_):
            with CaptureQueriesContext(connection) as queries:
                assert api.get(f"/v1/tracks/{track.public_id}?{market}").status_code == 200
            costs[track.pk] = len(queries)
        assert costs[settled.pk] < costs[open_.pk], market


def test_a_country_header_counts_only_from_a_trusted_proxy(listener, staff, settings):
    track = TrackFactory()
    only_in(staff, track, "DE")
    settings.COUNTRY_HEADER = "X-Country"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = api_client_for(listener)
    url = f"/v1/tracks/{track.public_id}?market=from_token"

    spoofed = client.get(url, HTTP_X_COUNTRY="DE", REMOTE_ADDR="203.0.113.9").json()
    assert spoofed["is_playable"] is False  # a client cannot move itself to Germany

    proxied = client.get(url, HTTP_X_COUNTRY="DE", REMOTE_ADDR="10.1.2.3").json()
    assert proxied["is_playable"] is True  # the fronting proxy located it there

    garbage = client.get(url, HTTP_X_COUNTRY="ZZ", REMOTE_ADDR="10.1.2.3").json()
    assert garbage["is_playable"] is False  # an unknown code falls back to the profile


def test_from_token_needs_a_user(anon):
    track = TrackFactory()
    response = anon.get(f"/v1/tracks/{track.public_id}?market=from_token")
    assert response.status_code in (400, 401)


def test_a_bad_market_is_a_400_naming_it(api):
    response = api.get(f"/v1/tracks/{TrackFactory().public_id}?market=XX")
    assert response.status_code == 400 and "market" in response.json()["error"]["message"]


def test_rights_cost_a_fixed_number_of_queries(api, django_assert_max_num_queries, staff):
    tracks = [TrackFactory(isrc=f"SEAAA26{n:05d}") for n in range(10, 30)]
    for track in tracks[:5]:
        only_in(staff, track, "JP")
    ids = ",".join(t.public_id for t in tracks)
    with django_assert_max_num_queries(12):
        assert api.get(f"/v1/tracks?ids={ids}&market=SE").status_code == 200
    with django_assert_max_num_queries(10):
        assert api.get(f"/v1/tracks?ids={ids}").status_code == 200
