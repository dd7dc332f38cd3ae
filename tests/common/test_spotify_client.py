"""An unmodified Spotify client (spotipy, the reference in shared/SPOTIFY_API.md) pointed at our
/v1/ by changing its prefix, against a live server: paths, shapes, paging and errors must be what
it expects."""

from __future__ import annotations

import pytest
import spotipy

from tests.conftest import api_client_for
from tests.factories import PASSWORD, AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sp(live_server):
    user = UserFactory(email="client@example.test", country="BR")
    tokens = api_client_for().post("/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json")
    client = spotipy.Spotify(auth=tokens.json()["access"], retries=0, status_retries=0, requests_timeout=10)
    client.prefix = f"{live_server.url}/v1/"
    client.user = user
    return client


@pytest.fixture
def catalog():
    artist = ArtistFactory(name="Marina Alencar")
    album = AlbumFactory(artists=[artist], title="Maré Cheia")
    tracks = [TrackFactory(album=album, track_number=n, popularity=n * 10) for n in range(1, 8)]
    return artist, album, tracks


def test_it_reads_the_current_user(sp):
    me = sp.current_user()

    assert me["id"] == sp.user.public_id
    assert me["country"] == "BR"
    assert me["product"] == "free"


def test_it_reads_tracks_albums_and_artists_by_id_uri_and_url(sp, catalog):
    artist, album, tracks = catalog

    assert sp.track(tracks[0].public_id)["name"] == tracks[0].title
    assert sp.track(f"spotify:track:{tracks[1].public_id}")["id"] == tracks[1].public_id
    assert [t["id"] for t in sp.tracks([t.public_id for t in tracks[:3]])["tracks"]] == [
        t.public_id for t in tracks[:3]
    ]
    assert sp.album(album.public_id)["tracks"]["total"] == 7
    assert sp.artist(artist.public_id)["name"] == "Marina Alencar"
    assert sp.artists([artist.public_id])["artists"][0]["id"] == artist.public_id
    assert sp.albums([album.public_id])["albums"][0]["name"] == "Maré Cheia"


def test_it_follows_next_links_verbatim(sp, catalog):
    _, album, tracks = catalog

    page = sp.album_tracks(album.public_id, limit=3)
    seen = [item["id"] for item in page["items"]]
    while page["next"]:
        page = sp.next(page)
        seen += [item["id"] for item in page["items"]]

    assert seen == [t.public_id for t in tracks]


@pytest.mark.filterwarnings("ignore:You're using `artist_top_tracks")  # spotipy's note on Spotify's API
def test_it_lists_an_artists_albums_and_top_tracks(sp, catalog):
    artist, album, tracks = catalog

    albums = sp.artist_albums(artist.public_id, include_groups="album,single")
    top = sp.artist_top_tracks(artist.public_id, country="BR")

    assert [a["id"] for a in albums["items"]] == [album.public_id]
    assert top["tracks"][0]["id"] == tracks[-1].public_id


def test_it_raises_spotify_errors_with_our_message(sp):
    with pytest.raises(spotipy.SpotifyException) as missing:
        sp.track("0123456789012345678901")

    assert missing.value.http_status == 404
    assert "track not found" in missing.value.msg


def test_an_expired_or_forged_token_is_a_401_the_client_understands(live_server):
    client = spotipy.Spotify(auth="forged.token.value", retries=0, status_retries=0)
    client.prefix = f"{live_server.url}/v1/"

    with pytest.raises(spotipy.SpotifyException) as refused:
        client.current_user()

    assert refused.value.http_status == 401


def test_it_drives_the_player_with_spotipys_request_shapes(sp, catalog):
    from apps.playback.player.services import device_hello

    _, album, tracks = catalog
    device_hello(user=sp.user, device_id="phone-1", name="Phone", type="Smartphone")
    device_hello(user=sp.user, device_id="tab-1", name="Laptop")
    assert sp.current_playback() is None  # 204

    sp.start_playback(device_id="tab-1", context_uri=f"spotify:album:{album.public_id}", offset={"position": 1})
    playing = sp.current_playback()
    assert playing["item"]["id"] == tracks[1].public_id and playing["is_playing"] is True
    assert playing["device"]["id"] == "tab-1"
    sp.add_to_queue(f"spotify:track:{tracks[5].public_id}")
    assert sp.queue()["queue"][0]["id"] == tracks[5].public_id
    sp.next_track()
    assert sp.currently_playing()["item"]["id"] == tracks[5].public_id
    sp.previous_track()
    sp.seek_track(5000)
    sp.repeat("context")
    sp.shuffle(True)
    sp.volume(30)
    sp.pause_playback()
    state = sp.current_playback()
    assert (state["is_playing"], state["repeat_state"], state["shuffle_state"]) == (False, "context", True)
    sp.transfer_playback("phone-1", force_play=True)
    assert {d["id"]: d["is_active"] for d in sp.devices()["devices"]} == {"phone-1": True, "tab-1": False}

    with pytest.raises(spotipy.SpotifyException) as refused:
        sp.pause_playback(device_id="nobody")
    assert refused.value.http_status == 404
