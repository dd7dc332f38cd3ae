"""The recommender's memo of track facts (apps.catalog.track_facts): what it spares, and that no
change it should show is hidden by it. Real commits (transaction=True): the catalog version moves
only after one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.availability import Listener
from apps.catalog.models import Genre
from apps.catalog.selectors import playable_track_facts
from apps.rights import services
from tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SWEDEN = Listener(country="SE")


@pytest.fixture
def tracks():
    return [TrackFactory(popularity=10 * n) for n in range(1, 4)]


def facts_with_queries(ids, **options) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        facts = playable_track_facts(ids, **options)
    return facts, len(queries)


def test_tracks_asked_about_before_cost_only_the_rights_query(tracks):
    ids = [t.pk for t in tracks]
    first, cold = facts_with_queries(ids, listener=SWEDEN)
    again, warm = facts_with_queries(ids, listener=SWEDEN)
    assert first == again and set(first) == set(ids)
    assert warm == 1 < cold  # the availability rows, asked every time
    assert facts_with_queries(ids, listener=None)[1] == 0


def test_an_edit_shows_in_the_next_ask_once_it_commits(tracks):
    track = tracks[0]
    genre = Genre.objects.create(name="Kraut", slug="kraut")
    assert playable_track_facts([track.pk], listener=None)[track.pk].genre_ids == ()
    track.genres.add(genre)
    track.explicit = True
    track.popularity = 99
    track.save()
    facts = playable_track_facts([track.pk], listener=None)[track.pk]
    assert facts.genre_ids == (genre.pk,) and facts.popularity == 99
    assert playable_track_facts([track.pk], listener=None, allow_explicit=False) == {}


def test_a_takedown_shows_at_once_whatever_the_memo_holds(tracks):
    track = tracks[0]
    assert track.pk in playable_track_facts([track.pk], listener=SWEDEN)
    staff = UserFactory(email="rights@example.test", role="staff")
    services.takedown_create(actor=staff, track=track, territories=["SE"], reason="A court order")
    assert playable_track_facts([track.pk], listener=SWEDEN) == {}
    assert track.pk in playable_track_facts([track.pk], listener=Listener(country="DE"))


def test_a_track_that_stops_being_ready_drops_out(tracks):
    track = tracks[0]
    assert track.pk in playable_track_facts([track.pk], listener=None)
    track.ingest_state = "failed"
    track.save()
    assert playable_track_facts([track.pk], listener=None) == {}


def test_the_memo_lives_no_longer_than_the_render_cache(tracks, settings):
    settings.CATALOG_RENDER_CACHE_SECONDS = 0  # every ask finds it expired
    ids = [t.pk for t in tracks]
    playable_track_facts(ids, listener=None)
    assert facts_with_queries(ids, listener=None)[1] > 0
