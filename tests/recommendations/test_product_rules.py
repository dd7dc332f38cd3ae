"""Every product keeps the listener's rules (issue 7): a radio opens with its seed only when the
listener may play it there; playlist continuation and the Daily Mixes' new tracks leave out what
was played in the last day and keep the exploration share."""

from __future__ import annotations

import pytest

from apps.accounts.models import Role
from apps.catalog.models import Track
from apps.playlists.models import Playlist
from apps.playlists.services import items_add, playlist_create
from apps.recommendations.products.continuation import playlist_recommendations
from apps.recommendations.products.mixes import listener_of
from apps.rights.services import licence_create
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.recommendations.catalog import planted_catalog
from tests.recommendations.listening import absorbed, listen

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted():
    return planted_catalog()


def station_ids(response) -> list[str]:
    station = Playlist.objects.get(public_id=response.json()["id"])
    return list(station.entries.order_by("key").values_list("track__public_id", flat=True))


def test_a_radio_does_not_open_with_a_seed_the_listener_may_not_play(listener, planted):
    seed, explicit = planted.tracks["techno"][0], planted.tracks["techno"][1]
    licence_create(actor=UserFactory(role=Role.STAFF), track=seed, kind="block", territories=[listener.country.code])
    explicit.explicit = True
    explicit.save()
    listener.explicit_filter = True
    listener.save()
    client = api_client_for(listener)

    blocked = client.post("/v1/me/radio", {"seed_uri": f"spotify:track:{seed.public_id}"}, format="json")
    assert blocked.status_code == 201, blocked.content
    assert seed.public_id not in station_ids(blocked) and station_ids(blocked)  # like it, without it
    filtered = client.post("/v1/me/radio", {"seed_uri": f"spotify:track:{explicit.public_id}"}, format="json")
    assert explicit.public_id not in station_ids(filtered) and station_ids(filtered)

    playable = planted.tracks["techno"][2]
    opened = client.post("/v1/me/radio", {"seed_uri": f"spotify:track:{playable.public_id}"}, format="json")
    assert station_ids(opened)[0] == playable.public_id


def test_continuation_leaves_out_what_was_played_today(listener, planted):
    calm = playlist_create(owner=listener, name="Calm")
    items_add(actor=listener, playlist=calm, track_ids=[t.public_id for t in planted.tracks["ambient"][:4]])
    before = playlist_recommendations(listener, calm.public_id, listener=listener_of(listener), limit=5)
    assert before
    listen(listener, [Track.objects.get(pk=before[0])], hours_ago=2)
    absorbed()
    after = playlist_recommendations(listener, calm.public_id, listener=listener_of(listener), limit=5)
    assert before[0] not in after and after


def downtempo_catalog(planted) -> list:
    """A third genre that sounds next to ambient (slower than techno, quieter, darker)."""
    from django.utils import timezone

    from apps.catalog.features import feature_index_clear
    from apps.catalog.media.features import feature_vector
    from apps.catalog.models import AudioFeatures, Genre
    from tests.factories import AlbumFactory, ArtistFactory, TrackFactory
    from tests.recommendations.catalog import SOUNDS

    genre = Genre.objects.create(slug="downtempo", name="Downtempo")
    tracks = []
    for a in range(4):
        album = AlbumFactory(title=f"Downtempo {a}", artists=[ArtistFactory(name=f"Downtempo Artist {a}")])
        for n in range(4):
            track = TrackFactory(album=album, title=f"downtempo {a}.{n}", popularity=10)
            track.genres.add(genre)
            values = {**SOUNDS["ambient"], "tempo": 92 + a, "energy": 0.35, "danceability": 0.3, "time_signature": 4}
            AudioFeatures.objects.create(
                track=track, **values, key_confidence=0.8, vector=feature_vector(values),
                analysed_at=timezone.now(), analyser_version=1,
            )  # fmt: skip
            tracks.append(track)
    feature_index_clear()
    return tracks


def test_exploration_comes_from_the_genres_next_to_the_taste(listener, planted):
    from apps.recommendations.engine import Ask, recommend
    from apps.recommendations.genre_neighbours import genre_neighbours

    downtempo = downtempo_catalog(planted)
    ambient = planted.genres["ambient"].pk
    near_ambient = downtempo[0].genres.get().pk
    assert genre_neighbours({ambient}) == {near_ambient} and genre_neighbours({near_ambient}) == {ambient}
    assert genre_neighbours({ambient, near_ambient}) == set()  # each one's nearest is the other: techno is far

    listen(listener, planted.tracks["ambient"][:10], times=2)
    absorbed()
    tracks = recommend(Ask(listener=listener_of(listener), user=listener, limit=20)).track_ids
    plain = recommend(Ask(listener=listener_of(listener), user=listener, limit=20, exploration_share=0)).track_ids
    explored = [track for track in tracks if track not in plain]
    assert explored and set(explored) <= {t.pk for t in downtempo}, (tracks, plain)  # never techno: far from it
