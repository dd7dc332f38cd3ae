"""Popularity from the last 28 days of streams, log-scaled, refreshed by a periodic task; search
ranking follows it."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.accounts.models import Product
from apps.catalog.models import Artist, Track
from apps.catalog.search.models import SearchDocument
from apps.catalog.search.service import search
from apps.catalog.services.popularity import popularity_from_streams
from apps.playback.events.checks import ms_from_datetime
from apps.playback.events.services import play_events_ingest
from apps.playback.tasks import refresh_popularity
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db
_ids = itertools.count()


def streams(track, count: int, *, days_ago: float = 1, kind: str = "play.end") -> None:
    at = ms_from_datetime(timezone.now() - timedelta(days=days_ago))
    user = UserFactory()
    events = [{"id": f"s{next(_ids)}", "type": kind, "track": track.public_id, "ms_played": 60_000, "timestamp": at}
              for _ in range(count)]  # fmt: skip
    play_events_ingest(user=user, country="SE", product=Product.FREE, events=events)


def popularity(track) -> int:
    return Track.objects.get(pk=track.pk).popularity


def test_the_scale_is_logarithmic_and_relative_to_the_most_streamed():
    assert popularity_from_streams(1000, 1000) == 100
    assert popularity_from_streams(0, 1000) == 0
    assert 0 < popularity_from_streams(10, 1000) < popularity_from_streams(100, 1000) < 100
    assert popularity_from_streams(100, 1000) - popularity_from_streams(10, 1000) == pytest.approx(
        popularity_from_streams(1000, 1000) - popularity_from_streams(100, 1000), abs=1
    )


def test_it_counts_streams_of_the_last_28_days_and_search_follows(django_capture_on_commit_callbacks):
    artist = ArtistFactory(name="Chart Climbers")
    album = AlbumFactory(artists=[artist])
    hit = TrackFactory(album=album, title="Rise Up")
    rising = TrackFactory(album=album, title="Rise Again")
    faded = TrackFactory(album=album, title="Rise Before", popularity=70)  # popular once; not lately
    streams(hit, 40)
    streams(rising, 4)
    streams(rising, 3, kind="skip")  # skips are not streams
    streams(faded, 50, days_ago=29)  # outside the window
    assert search(q="rise", kinds=["track"], limit=3, offset=0)["track"].object_ids[0] == faded.pk

    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_popularity() == 3
    assert popularity(hit) == 100 and 0 < popularity(rising) < 100 and popularity(faded) == 0
    assert Artist.objects.get(pk=artist.pk).popularity == 100
    documents = dict(SearchDocument.objects.filter(kind="track").values_list("object_id", "popularity"))
    assert documents == {hit.pk: 100, rising.pk: popularity(rising), faded.pk: 0}
    assert SearchDocument.objects.get(kind="album", object_id=album.pk).popularity == 100
    assert search(q="rise", kinds=["track"], limit=3, offset=0)["track"].object_ids == [hit.pk, rising.pk, faded.pk]


def test_a_refresh_with_nothing_new_writes_nothing(django_assert_max_num_queries):
    streams(TrackFactory(), 2)
    refresh_popularity()
    with django_assert_max_num_queries(5):
        assert refresh_popularity() == 0


def test_celery_beat_runs_it_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-popularity"]
    assert entry["task"] == "playback.refresh_popularity" and entry["schedule"] == 3600
