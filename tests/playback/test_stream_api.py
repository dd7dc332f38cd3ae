"""`GET /v1/tracks/{id}/stream`: a rights check, then a signed URL for the tier's ladder."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest

from apps.accounts.models import Product, Role
from apps.catalog.models import IngestState
from apps.playback.streaming import signing
from apps.rights import services
from tests.conftest import api_client_for
from tests.factories import AlbumFactory, ArtistFactory, RenditionFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL_RE = re.compile(r"^http://testserver/stream/(?P<sig>[^/]+)/(?P<exp>\d+)/(?P<asset>[^/]+)/master\.m3u8$")


@pytest.fixture
def staff(db):
    return UserFactory(email="rights@example.test", role=Role.STAFF)


def playable_track(**fields):
    track = TrackFactory(loudness_lufs=-9.5, true_peak_dbtp=-0.8, **fields)
    for kbps in (96, 160, 320):
        RenditionFactory(track=track, bitrate_kbps=kbps)
    return track


def stream(client, track):
    return client.get(f"/v1/tracks/{track.public_id}/stream")


def test_a_free_listener_gets_a_signed_url_for_the_ladder_up_to_160(api):
    track = playable_track()
    before = int(time.time())

    response = stream(api, track)

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["bitrates"] == [96, 160]
    assert body["loudness_lufs"] == -9.5 and body["true_peak"] == -0.8
    match = URL_RE.match(body["url"])
    assert match, body["url"]
    asset = signing.parse_asset(match["asset"])
    assert (asset.track_id, asset.ladder_kbps, asset.prefix) == (track.public_id, 160, track.hls_prefix)
    expires = int(match["exp"])
    assert before + 600 <= expires <= int(time.time()) + 600
    assert datetime.fromisoformat(body["expires_at"]).timestamp() == expires
    verdict, _ = signing.verify(match["sig"], match["exp"], match["asset"], "160/seg_00000.m4s")
    assert verdict is signing.Verdict.OK
    # The free token never reaches the 320 kbps rendition.
    assert (
        signing.verify(match["sig"], match["exp"], match["asset"], "320/seg_00000.m4s")[0] is signing.Verdict.FORBIDDEN
    )


def test_premium_gets_320_and_the_lifetime_is_a_setting(settings):
    settings.STREAM_URL_LIFETIME_SECONDS = 60
    track = playable_track()
    body = stream(api_client_for(UserFactory(product=Product.PREMIUM)), track).json()
    assert body["bitrates"] == [96, 160, 320]
    match = URL_RE.match(body["url"])
    assert signing.parse_asset(match["asset"]).ladder_kbps == 320
    assert int(match["exp"]) <= time.time() + 60


def test_a_stream_base_url_points_urls_at_the_media_host(api, settings):
    settings.STREAM_BASE_URL = "https://media.example.com"
    body = stream(api, playable_track()).json()
    assert body["url"].startswith("https://media.example.com/stream/")


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        (lambda staff, t: services.licence_create(actor=staff, track=t, territories=["DE"]), 403, "MARKET"),
        (
            lambda staff, t: services.licence_create(actor=staff, track=t, territories=["*"], premium_only=True),
            403,
            "PREMIUM_REQUIRED",
        ),
        (
            lambda staff, t: services.takedown_create(actor=staff, track=t, territories=["SE"], reason="claim"),
            403,
            "TAKEDOWN",
        ),
    ],
)
def test_restricted_tracks_are_refused_with_the_reason(api, staff, change, status, reason):
    track = playable_track()
    assert stream(api, track).status_code == 200
    change(staff, track)  # takes effect for the very next request
    response = stream(api, track)
    assert response.status_code == status
    assert response.json()["error"]["reason"] == reason
    assert "url" not in response.json()


def test_a_relinked_release_streams_in_place_of_a_blocked_one(api, staff):
    artist = ArtistFactory()
    single = playable_track(album=AlbumFactory(artists=[artist]), isrc="SEAAA2600001")
    album_cut = playable_track(album=AlbumFactory(artists=[artist]), isrc="SEAAA2600001")
    services.licence_create(actor=staff, track=single, territories=["DE"])
    body = stream(api, single).json()
    assert body["id"] == album_cut.public_id and body["linked_from"]["id"] == single.public_id
    assert signing.parse_asset(URL_RE.match(body["url"])["asset"]).track_id == album_cut.public_id


def test_a_track_in_processing_is_not_ready_for_its_artist_and_unknown_to_others(artist_user, api):
    track = TrackFactory(
        ingest_state=IngestState.PROCESSING, hls_prefix="", artists=[artist_user.managed_artists.first()]
    )
    own = stream(api_client_for(artist_user), track)
    assert own.status_code == 403 and own.json()["error"]["reason"] == "NOT_READY"
    assert stream(api, track).status_code == 404


def test_bad_ids_and_anonymous_callers(api, anon):
    assert api.get("/v1/tracks/not-an-id/stream").status_code == 400
    assert api.get(f"/v1/tracks/{'0' * 22}/stream").status_code == 404
    response = anon.get(f"/v1/tracks/{playable_track().public_id}/stream")
    assert response.status_code == 401 and "url" not in response.content.decode()


def test_issuing_a_url_costs_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    track = playable_track()
    with django_assert_max_num_queries(4):  # the user, the track, its renditions, availability
        assert stream(api, track).status_code == 200
