"""The catalog read API in the Spotify shapes; only ready tracks are ever visible."""

from __future__ import annotations

import datetime

import pytest

from apps.catalog.models import AlbumType, ArtistRole, DatePrecision, IngestState, TrackArtist
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db

SIMPLIFIED_TRACK_KEYS = {
    "id", "uri", "href", "type", "name", "duration_ms", "explicit", "disc_number", "track_number", "is_local",
    "preview_url", "artists", "external_urls",
}  # fmt: skip
SIMPLIFIED_ALBUM_KEYS = {
    "id", "uri", "href", "type", "album_type", "name", "total_tracks", "release_date", "release_date_precision",
    "images", "artists", "external_urls",
}  # fmt: skip


def test_it_renders_a_track_in_the_spotify_shape(api):
    singer, guest = ArtistFactory(name="Lina"), ArtistFactory(name="Omar")
    album = AlbumFactory(artists=[singer], release_date=datetime.date(2021, 1, 1), release_date_precision="year")
    track = TrackFactory(album=album, artists=[singer, guest], isrc="SEXYZ2100001", explicit=True)

    body = api.get(f"/v1/tracks/{track.public_id}").json()

    assert SIMPLIFIED_TRACK_KEYS | {"album", "external_ids", "popularity", "available_markets"} == set(body)
    assert body["type"] == "track"
    assert body["uri"] == f"spotify:track:{track.public_id}"
    assert body["href"] == f"http://testserver/v1/tracks/{track.public_id}"
    assert body["external_ids"] == {"isrc": "SEXYZ2100001"}
    assert body["explicit"] is True
    assert [a["name"] for a in body["artists"]] == ["Lina", "Omar"]
    assert set(body["artists"][0]) == {"id", "uri", "href", "type", "name", "external_urls"}
    assert SIMPLIFIED_ALBUM_KEYS | {"available_markets"} == set(body["album"])
    assert body["album"]["release_date"] == "2021"
    assert body["album"]["total_tracks"] == 1
    assert "SE" in body["available_markets"]


def test_it_lists_primary_artists_before_featured_ones(api):
    main, guest = ArtistFactory(name="Main"), ArtistFactory(name="Guest")
    track = TrackFactory(artists=[guest])
    TrackArtist.objects.filter(track=track).update(role=ArtistRole.FEATURED, position=0)
    TrackArtist.objects.create(track=track, artist=main, role=ArtistRole.PRIMARY, position=5)

    body = api.get(f"/v1/tracks/{track.public_id}").json()

    assert [a["name"] for a in body["artists"]] == ["Main", "Guest"]


def test_it_answers_is_playable_when_a_market_is_given(api):
    track = TrackFactory()

    body = api.get(f"/v1/tracks/{track.public_id}?market=from_token").json()

    assert body["is_playable"] is True
    assert "available_markets" not in body


def test_it_refuses_an_unknown_market(api):
    response = api.get(f"/v1/tracks/{TrackFactory().public_id}?market=ZZ")

    assert response.status_code == 400
    assert "market" in response.json()["error"]["message"]


@pytest.mark.parametrize("state", [IngestState.UPLOADED, IngestState.PROCESSING, IngestState.FAILED])
def test_it_hides_tracks_that_are_not_ready(api, state):
    track = TrackFactory(ingest_state=state, hls_prefix="")

    assert api.get(f"/v1/tracks/{track.public_id}").status_code == 404
    assert api.get(f"/v1/tracks?ids={track.public_id}").json() == {"tracks": [None]}
    assert api.get(f"/v1/albums/{track.album.public_id}").status_code == 404


def test_it_answers_400_for_a_malformed_id_and_404_for_an_unknown_one(api):
    assert api.get("/v1/tracks/not-base62!").status_code == 400
    unknown = api.get("/v1/tracks/0123456789012345678901")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["status"] == 404


def test_it_returns_several_tracks_in_order_with_nulls(api):
    first, second = TrackFactory(), TrackFactory()
    missing = "0123456789012345678901"

    body = api.get(f"/v1/tracks/?ids={second.public_id},{missing},{first.public_id}").json()

    assert [t and t["id"] for t in body["tracks"]] == [second.public_id, None, first.public_id]


def test_it_caps_several_tracks_at_50(api):
    ids = ",".join("0123456789012345678901" for _ in range(51))

    response = api.get(f"/v1/tracks?ids={ids}")

    assert response.status_code == 400
    assert "50" in response.json()["error"]["message"]


def test_it_renders_an_album_with_its_ready_tracks(api):
    album = AlbumFactory(
        album_type=AlbumType.ALBUM, release_date=datetime.date(2019, 6, 1), release_date_precision="month"
    )
    ready = [TrackFactory(album=album, track_number=n) for n in (2, 1)]
    TrackFactory(album=album, track_number=3, ingest_state=IngestState.FAILED, hls_prefix="")

    body = api.get(f"/v1/albums/{album.public_id}/").json()

    assert body["release_date"] == "2019-06"
    assert body["total_tracks"] == 2
    assert body["tracks"]["total"] == 2
    assert [t["id"] for t in body["tracks"]["items"]] == [ready[1].public_id, ready[0].public_id]
    assert body["tracks"]["href"].endswith("/tracks?offset=0&limit=50")
    assert {"label", "copyrights", "external_ids", "genres", "popularity"} <= set(body)


def test_it_pages_album_tracks_as_simplified_tracks(api):
    album = AlbumFactory()
    TrackFactory(album=album)

    body = api.get(f"/v1/albums/{album.public_id}/tracks").json()

    assert SIMPLIFIED_TRACK_KEYS | {"available_markets"} == set(body["items"][0])


def test_it_renders_an_artist_with_genres_and_images(api, settings):
    artist = ArtistFactory(name="Nordlys", images=[{"key": "images/artists/a-640.jpg", "width": 640, "height": 640}])
    artist.genres.create(slug="ambient", name="ambient")

    body = api.get(f"/v1/artists/{artist.public_id}").json()

    assert body["genres"] == ["ambient"]
    assert body["images"] == [{"url": "http://testserver/media/images/artists/a-640.jpg", "height": 640, "width": 640}]
    assert body["followers"] == {"href": None, "total": 0}
    assert body["type"] == "artist"


def test_it_lists_an_artists_albums_with_album_groups(api):
    artist = ArtistFactory()
    own_album = AlbumFactory(artists=[artist], album_type=AlbumType.ALBUM)
    own_single = AlbumFactory(artists=[artist], album_type=AlbumType.SINGLE)
    TrackFactory(album=own_album)
    TrackFactory(album=own_single)
    compilation = AlbumFactory(album_type=AlbumType.COMPILATION)
    TrackFactory(album=compilation, artists=[artist])
    AlbumFactory(artists=[artist])  # nothing ready on it: invisible

    everything = api.get(f"/v1/artists/{artist.public_id}/albums").json()
    singles = api.get(f"/v1/artists/{artist.public_id}/albums?include_groups=single").json()

    groups = {item["id"]: item["album_group"] for item in everything["items"]}
    assert groups == {own_album.public_id: "album", own_single.public_id: "single", compilation.public_id: "appears_on"}
    assert [item["id"] for item in singles["items"]] == [own_single.public_id]
    bad = api.get(f"/v1/artists/{artist.public_id}/albums?include_groups=bootleg")
    assert bad.status_code == 400


def test_it_lists_top_tracks_by_popularity(api):
    artist = ArtistFactory()
    album = AlbumFactory(artists=[artist])
    quiet = TrackFactory(album=album, popularity=10)
    loud = TrackFactory(album=album, popularity=90)

    body = api.get(f"/v1/artists/{artist.public_id}/top-tracks?country=SE").json()

    assert [t["id"] for t in body["tracks"]] == [loud.public_id, quiet.public_id]


def test_it_renders_many_tracks_in_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    album = AlbumFactory()
    ids = [TrackFactory(album=album).public_id for _ in range(20)]

    with django_assert_max_num_queries(8):
        response = api.get(f"/v1/tracks?ids={','.join(ids)}")

    assert len(response.json()["tracks"]) == 20


def test_it_stores_and_shows_unicode_rtl_and_long_titles(api):
    titles = ["أغنية الليل الطويل", "שיר של יום", "風の歌 🎵", "Ü" * 500]
    album = AlbumFactory(title=titles[0], release_date_precision=DatePrecision.DAY)
    tracks = [TrackFactory(album=album, title=title) for title in titles]

    for track, title in zip(tracks, titles, strict=True):
        body = api.get(f"/v1/tracks/{track.public_id}").json()
        assert body["name"] == title
        assert body["album"]["name"] == titles[0]


def test_it_requires_a_token_for_the_catalog(anon):
    assert anon.get(f"/v1/tracks/{TrackFactory().public_id}").status_code == 401
