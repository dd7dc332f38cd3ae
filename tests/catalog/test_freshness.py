"""The catalog version that caches of rendered catalog objects key on (apps.catalog.freshness)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import transaction

from apps.catalog.freshness import KEY, bump_catalog_version, catalog_version
from apps.catalog.models import AvailabilityKind, Genre
from apps.catalog.services.availability import AvailabilityRule, availability_replace
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_moves_only_after_the_change_commits():
    track = TrackFactory()
    before = catalog_version()
    with transaction.atomic():
        track.title = "Renamed"
        track.save()
        assert catalog_version() == before  # a reader now still sees the old row
    assert catalog_version() > before


def test_a_rolled_back_change_does_not_move_it():
    track = TrackFactory()
    before = catalog_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        track.title = "Never"
        track.save()
        raise RuntimeError
    assert catalog_version() == before


@pytest.mark.parametrize(
    "change",
    [
        lambda t: AlbumFactory(artists=[ArtistFactory()]),
        lambda t: t.album.artists.first().save(),
        lambda t: t.album.save(),
        lambda t: t.genres.add(Genre.objects.create(name="ambient")),
        lambda t: availability_replace(
            rules_by_track={
                t.pk: [AvailabilityRule("SE", AvailabilityKind.BLOCK, None, datetime(2030, 1, 1, tzinfo=UTC), "test")]
            }
        ),
        lambda t: t.delete(),
    ],
    ids=["new album", "artist edit", "album edit", "genre link", "availability", "track delete"],
)
def test_every_change_to_what_a_track_renders_moves_it(change):
    track = TrackFactory()
    before = catalog_version()
    change(track)
    assert catalog_version() > before


def test_it_restarts_from_the_clock_after_the_cache_loses_it():
    bump_catalog_version()
    cache.delete(KEY)
    assert catalog_version() > 1_000_000_000_000_000_000  # nanoseconds since 1970, not 0
