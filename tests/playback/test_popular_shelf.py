"""The home page's "Popular now" from the week's raw streams (apps.playback.events.shelves), which
the home page shows while there are no charts to take its popular shelf from (a chart needs ten
charted tracks; with charts, tests/recommendations/test_web_home.py)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Product, Role
from apps.playback.events.checks import ms_from_datetime
from apps.playback.events.services import play_events_ingest
from apps.rights.services import licence_create
from tests.factories import AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("web:home")
_ids = itertools.count()


def streams(track, count: int, *, country: str = "SE", days_ago: float = 1, kind: str = "play.end") -> None:
    """`count` plays of `track` through the real ingest path, by as many listeners."""
    at = ms_from_datetime(timezone.now() - timedelta(days=days_ago))
    for _ in range(count):
        event = {"id": f"p{next(_ids)}", "type": kind, "track": track.public_id, "ms_played": 60_000, "timestamp": at}
        play_events_ingest(user=UserFactory(), country=country, product=Product.FREE, events=[event])


def shelf(response):
    return next((s for s in response.context["shelves"] if s.key == "popular"), None)


@pytest.fixture
def album():
    return AlbumFactory(title="Charts")


def test_it_ranks_the_weeks_streams_in_the_listeners_country(client):
    # Each by another artist: the shelf keeps the charts' rule of two tracks of one artist in ten.
    tracks = [TrackFactory(title=f"Hit {n}", track_number=n) for n in range(1, 13)]
    for rank, track in enumerate(tracks):
        streams(track, 13 - rank)  # Hit 1 most
    streams(tracks[-1], 30, days_ago=8)  # last week's, not this week's
    streams(tracks[-1], 30, kind="play.progress")  # not streams
    client.force_login(UserFactory(country="SE"))

    popular = shelf(client.get(HOME))

    assert popular.title == "Popular in Sweden"
    assert [t.title for t in popular.items] == [f"Hit {n}" for n in range(1, 11)]
    assert b'data-shelf="popular"' in client.get(HOME).content


def test_with_too_few_local_streams_it_shows_everyones(client, album):
    local, abroad = TrackFactory(album=album, title="Local"), TrackFactory(album=album, title="Abroad")
    streams(local, 1)
    streams(abroad, 3, country="DE")
    client.force_login(UserFactory(country="SE"))

    popular = shelf(client.get(HOME))

    assert popular.title == "Popular now"
    assert [t.title for t in popular.items] == ["Abroad", "Local"]


def test_it_leaves_out_what_this_listener_cannot_play_and_what_is_not_ready(client, album):
    blocked, fine = TrackFactory(album=album, title="Blocked"), TrackFactory(album=album, title="Fine")
    gone = TrackFactory(album=album, title="Reingesting")
    for track in (blocked, fine, gone):
        streams(track, 2)
    licence_create(actor=UserFactory(role=Role.STAFF), track=blocked, kind="block", territories=["SE"])
    gone.ingest_state = "failed"
    gone.save(update_fields=["ingest_state"])
    client.force_login(UserFactory(country="SE"))

    assert [t.title for t in shelf(client.get(HOME)).items] == ["Fine"]


def test_anonymous_visitors_see_it_and_nobody_sees_an_empty_one(client, album):
    assert shelf(client.get(HOME)) is None  # no streams yet: no shelf at all
    streams(TrackFactory(album=album, title="Only"), 1)
    cache.clear()  # the shelf is cached for minutes; a new stream shows after that
    assert [t.title for t in shelf(client.get(HOME)).items] == ["Only"]
