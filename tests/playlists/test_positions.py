"""The cached key list (apps.playlists.positions) always matches the table: after every kind of
edit, after a refused edit, and when the cache holds a list of another version."""

from __future__ import annotations

import random

import pytest
from django.core.cache import cache

from apps.common.errors import ApplicationError
from apps.playlists import services
from apps.playlists.models import Playlist, PlaylistEntry
from apps.playlists.positions import Positions, _cache_key
from tests.factories import AlbumFactory, TrackFactory, UserFactory

# Transactions commit here, so the lists are stored after commit as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def table_keys(playlist) -> list[str]:
    return list(PlaylistEntry.objects.filter(playlist=playlist).order_by("key").values_list("key", flat=True))


def cached(playlist):
    return cache.get(_cache_key(playlist))


@pytest.fixture
def setup():
    owner = UserFactory(email="owner@example.test")
    album = AlbumFactory()
    tracks = [TrackFactory(album=album).public_id for _ in range(6)]
    playlist = services.playlist_create(owner=owner, name="Mix")
    return owner, tracks, playlist


def test_the_cached_list_follows_every_edit(setup):
    owner, tracks, playlist = setup
    rng = random.Random(11)  # noqa: S311 (fixed seed: a failure must be reproducible)
    services.items_add(actor=owner, playlist=playlist, track_ids=tracks * 5)
    for step in range(60):
        playlist = Playlist.objects.get(pk=playlist.pk)
        length = playlist.length
        choice = step % 4
        if choice == 0:
            services.items_add(
                actor=owner, playlist=playlist, track_ids=[rng.choice(tracks)], position=rng.randint(0, length)
            )
        elif choice == 1:
            start = rng.randrange(length)
            services.items_reorder(
                actor=owner, playlist=playlist, range_start=start, insert_before=rng.randint(0, length)
            )
        elif choice == 2:
            position = rng.randrange(length)
            held = PlaylistEntry.objects.filter(playlist=playlist).order_by("key")[position].track.public_id
            item = services.RemoveItem(track_id=held, positions=(position,))
            services.items_remove(actor=owner, playlist=playlist, items=[item])
        else:
            services.items_add(actor=owner, playlist=playlist, track_ids=[rng.choice(tracks)])
        playlist.refresh_from_db()
        stored = cached(playlist)
        if stored is not None and stored[0] == playlist.version:
            assert stored[1] == table_keys(playlist), f"step {step}"
        assert Positions(playlist).keys == table_keys(playlist)
    assert cached(playlist)[0] == playlist.version  # the list is in use, not rebuilt every time

    services.items_replace(actor=owner, playlist=playlist, track_ids=tracks[:2])
    playlist.refresh_from_db()
    assert cached(playlist) == (playlist.version, table_keys(playlist))


def test_a_refused_edit_stores_nothing_and_another_versions_list_is_not_trusted(setup):
    owner, tracks, playlist = setup
    services.items_add(actor=owner, playlist=playlist, track_ids=tracks)
    playlist.refresh_from_db()
    before = cached(playlist)

    with pytest.raises(ApplicationError):
        services.items_reorder(actor=owner, playlist=playlist, range_start=0, insert_before=99)
    assert cached(playlist) == before

    # A list that says it is of an older version is ignored, however wrong it is.
    cache.set(_cache_key(playlist), (playlist.version - 1, ["zz"] * playlist.length))
    assert Positions(playlist).keys == table_keys(playlist)
    services.items_add(actor=owner, playlist=playlist, track_ids=[tracks[0]], position=1)
    playlist.refresh_from_db()
    assert [PlaylistEntry.objects.get(key=k, playlist=playlist).track.public_id for k in table_keys(playlist)][
        1
    ] == tracks[0]
