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


def test_exploration_comes_from_the_genres_next_to_the_taste(listener):
    planted = planted_catalog(artists_per_genre=6)  # enough artists of the taste for 20 under the artist rule
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
    assert explored and set(explored) <= {t.pk for t in downtempo}, f"{tracks} {plain}"
    assert not set(tracks) & {t.pk for t in planted.tracks["techno"]}  # far from ambient: not even in the rest


def test_a_corrupt_model_file_is_logged_and_every_product_still_answers(listener, planted, caplog):
    import logging

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from apps.recommendations.serving import forget_loaded_model
    from apps.recommendations.training import train_and_publish

    listen(listener, planted.tracks["ambient"][:8])
    absorbed()
    model = train_and_publish(factors=4, iterations=2)
    default_storage.delete(model.storage_key)
    default_storage.save(model.storage_key, ContentFile(b"not a numpy archive"))
    forget_loaded_model()
    client = api_client_for(listener)

    with caplog.at_level(logging.ERROR, logger="apps.recommendations.serving"):
        seeded = client.get("/v1/recommendations", {"seed_tracks": planted.tracks["ambient"][0].public_id})
        home = client.get("/v1/views/home")
        radio = client.post(
            "/v1/me/radio", {"seed_uri": f"spotify:artist:{planted.artists['techno'][0].public_id}"}, format="json"
        )
    assert seeded.status_code == 200 and seeded.json()["tracks"]  # content and popularity carry on
    assert home.status_code == 200 and home.json()["sections"]
    assert radio.status_code == 201 and station_ids(radio)
    assert f"model v{model.version}" in caplog.text


def test_a_market_where_nothing_plays_gets_empty_products_not_errors(listener, planted):
    staff = UserFactory(role=Role.STAFF)
    for tracks in planted.tracks.values():
        for track in tracks:
            licence_create(actor=staff, track=track, kind="block", territories=[listener.country.code])
    listen(listener, planted.tracks["ambient"][:8])
    absorbed()
    client = api_client_for(listener)

    home = client.get("/v1/views/home")
    assert home.status_code == 200
    shelves = {section["id"]: section["items"] for section in home.json()["sections"]}
    assert shelves.pop("recently-played")  # what they played is still theirs to see
    offered = [item for items in shelves.values() for item in items]
    assert all(item["type"] != "track" for item in offered)
    assert all(item["tracks"]["total"] for item in offered if item["type"] == "playlist")  # no empty mixes
    radio = client.post(
        "/v1/me/radio", {"seed_uri": f"spotify:track:{planted.tracks['ambient'][0].public_id}"}, format="json"
    )
    assert radio.status_code == 201 and station_ids(radio) == []
    continuation = playlist_create(owner=listener, name="Blocked here")
    items_add(actor=listener, playlist=continuation, track_ids=[planted.tracks["ambient"][0].public_id])
    suggested = client.get(f"/v1/playlists/{continuation.public_id}/recommendations")
    assert suggested.status_code == 200 and suggested.json()["tracks"] == []


def test_daily_mixes_are_kept_through_the_day_and_remade_the_next(listener, planted):
    from datetime import timedelta

    from apps.recommendations.products import mixes

    listen(listener, planted.tracks["ambient"][:12], times=2)
    absorbed()
    made = mixes.daily_mixes(listener)
    assert made
    first = {mix.pk: (mix.updated_at, mix.version) for mix in made}
    listen(listener, planted.tracks["techno"][:12], times=3)  # a new side of their taste today
    absorbed()
    assert {mix.pk: (mix.updated_at, mix.version) for mix in mixes.daily_mixes(listener)} == first

    Playlist.objects.filter(pk__in=first).update(updated_at=mixes.day_start() - timedelta(minutes=1))
    tomorrow = mixes.daily_mixes(listener)
    assert len(tomorrow) > len(made)  # the new taste has its own mix now
    assert all(mix.updated_at >= mixes.day_start() for mix in tomorrow)


def test_a_platform_without_a_stream_yet_still_shows_what_is_popular(listener, planted):
    """No chart, no stream anywhere: the catalog's own popularity fills the popular shelf."""
    hit = planted.tracks["techno"][3]
    hit.popularity = 90
    hit.save()
    shelves = {section["id"]: section for section in api_client_for(listener).get("/v1/views/home").json()["sections"]}
    popular = shelves["popular"]
    assert popular["items"] and popular["items"][0]["id"] == hit.public_id


def test_a_daily_mix_never_offers_as_new_a_track_the_listener_played(listener, planted):
    from apps.recommendations.products import mixes
    from tests.recommendations.listening import report

    listen(listener, planted.tracks["ambient"][:12], times=2)
    soured = planted.tracks["ambient"][12]
    report(listener, soured)  # one stream, then two early skips: its strength nets to zero
    report(listener, soured, kind="skip", ms_played=5_000)
    report(listener, soured, kind="skip", ms_played=5_000)
    absorbed()

    mixed = {pk for mix in mixes.daily_mixes(listener) for pk in mix.entries.values_list("track_id", flat=True)}
    assert mixed and soured.pk not in mixed
