"""The recommender's track facts (apps.catalog.track_facts and apps.catalog.offerable, read
through `selectors.playable_track_facts`): the in-memory table agrees with the rows, the memos
spare their queries, and neither hides a committed change of what may be offered. Real commits (transaction=True): the
background rebuild reads on its own connection, and the catalog version moves only after one."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.catalog import track_facts
from apps.catalog.availability import Listener
from apps.catalog.models import Genre, TrackArtist
from apps.catalog.selectors import playable_track_facts, track_genre_ids
from apps.rights import services
from tests.factories import ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SWEDEN = Listener(country="SE")


@pytest.fixture
def tracks():
    return [TrackFactory(popularity=10 * n) for n in range(1, 4)]


def facts_with_queries(ids, **options) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        facts = playable_track_facts(ids, **options)
    return facts, len(queries)


def wait_for_rebuild() -> None:
    for thread in threading.enumerate():
        if thread.name == "track-facts-rebuild":
            thread.join(timeout=30)


def test_the_table_agrees_with_the_rows_it_was_built_from(tracks):
    first, second = ArtistFactory(), ArtistFactory()
    credited = tracks[0]
    TrackArtist.objects.filter(track=credited).delete()
    TrackArtist.objects.create(track=credited, artist=second, position=1)
    TrackArtist.objects.create(track=credited, artist=first, position=0)
    TrackArtist.objects.filter(track=tracks[1]).delete()  # no credit at all
    rock, jazz = Genre.objects.create(name="Rock", slug="rock"), Genre.objects.create(name="Jazz", slug="jazz")
    credited.genres.add(jazz, rock)
    ids = [t.pk for t in tracks]
    from_table = track_facts.build_facts_table().facts(ids)
    assert from_table == track_facts._load(ids)  # the query the table replaces, track by track
    assert from_table[credited.pk].artist_id == first.pk
    assert from_table[credited.pk].genre_ids == tuple(sorted([rock.pk, jazz.pk]))
    assert from_table[tracks[1].pk].artist_id is None and from_table[tracks[2].pk].popularity == 30


def test_once_built_and_asked_a_pool_costs_no_query(tracks):
    ids = [t.pk for t in tracks]
    first, cold = facts_with_queries(ids, listener=SWEDEN)
    again, warm = facts_with_queries(ids, listener=SWEDEN)
    assert first == again and set(first) == set(ids)
    assert warm == 0 < cold  # what may be offered is memoised under the catalog version
    assert facts_with_queries(ids, listener=Listener(country="DE"))[1] == 1  # another country: asked
    assert facts_with_queries(ids, listener=None)[1] == 1  # ready and explicit, without a listener
    with CaptureQueriesContext(connection) as queries:
        assert set(track_genre_ids(ids)) == set(ids)
    assert len(queries) == 0


def test_only_the_tracks_not_asked_about_are_asked_of_the_database(tracks):
    playable_track_facts([tracks[0].pk], listener=SWEDEN)
    with CaptureQueriesContext(connection) as queries:
        assert set(playable_track_facts([t.pk for t in tracks], listener=SWEDEN)) == {t.pk for t in tracks}
    assert len(queries) == 1
    assert facts_with_queries([t.pk for t in tracks], listener=SWEDEN)[1] == 0


def test_what_may_be_offered_lives_no_longer_than_the_render_cache(tracks, settings):
    settings.CATALOG_RENDER_CACHE_SECONDS = 0  # every ask finds it expired: the embedded mode's bound
    ids = [t.pk for t in tracks]
    playable_track_facts(ids, listener=SWEDEN)
    assert facts_with_queries(ids, listener=SWEDEN)[1] == 1


def test_what_decides_whether_a_track_is_offered_shows_at_once(tracks):
    track = tracks[0]
    assert track.pk in playable_track_facts([track.pk], listener=SWEDEN, allow_explicit=False)
    track.explicit = True
    track.save()
    assert playable_track_facts([track.pk], listener=SWEDEN, allow_explicit=False) == {}
    assert playable_track_facts([track.pk], listener=None, allow_explicit=False) == {}
    assert playable_track_facts([track.pk], listener=SWEDEN)[track.pk].explicit is True


def test_a_takedown_shows_at_once_whatever_the_table_holds(tracks):
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
    assert playable_track_facts([track.pk], listener=SWEDEN) == {}


def test_a_track_made_ready_after_the_build_is_found_with_its_facts(tracks):
    playable_track_facts([t.pk for t in tracks], listener=None)  # the table is built without it
    late = TrackFactory(popularity=77)
    assert late.pk not in track_facts.facts_table().facts([late.pk])
    found = playable_track_facts([late.pk], listener=SWEDEN)
    assert found[late.pk].popularity == 77 and found[late.pk].artist_id is not None


def test_ranking_facts_change_with_the_rebuild_the_old_table_serving_meanwhile(tracks, settings):
    track = tracks[0]
    genre = Genre.objects.create(name="Kraut", slug="kraut")
    assert playable_track_facts([track.pk], listener=None)[track.pk].genre_ids == ()
    track.genres.add(genre)
    track.popularity = 99
    track.save()
    assert playable_track_facts([track.pk], listener=None)[track.pk].popularity == 10  # within the period
    settings.TRACK_FACTS_REFRESH_SECONDS = 0
    served = playable_track_facts([track.pk], listener=None)[track.pk]  # starts the rebuild, is not held up
    wait_for_rebuild()
    settings.TRACK_FACTS_REFRESH_SECONDS = 3600
    rebuilt = playable_track_facts([track.pk], listener=None)[track.pk]
    assert served.popularity in (10, 99)
    assert rebuilt.genre_ids == (genre.pk,) and rebuilt.popularity == 99


def test_a_failed_rebuild_leaves_the_old_table_serving(tracks, settings, monkeypatch, caplog):
    ids = [t.pk for t in tracks]
    playable_track_facts(ids, listener=None)
    built = track_facts.facts_table()

    def unreachable_database():
        raise OSError("the database went away")  # injected: a lost server cannot be staged here

    monkeypatch.setattr(track_facts, "build_facts_table", unreachable_database)
    settings.TRACK_FACTS_REFRESH_SECONDS = 0
    track_facts.facts_table()
    wait_for_rebuild()
    settings.TRACK_FACTS_REFRESH_SECONDS = 3600
    assert track_facts.facts_table() is built
    assert set(playable_track_facts(ids, listener=None)) == set(ids)
    assert "Rebuilding the track facts table failed" in caplog.text


def _swedish_window(track, **window):
    """Only a Swedish grant, in the given window, plays the track (the world's grant blocked)."""
    staff = UserFactory(email="licensing@example.test", role="staff")
    services.licence_create(actor=staff, track=track, kind="block", territories=["*"])
    services.licence_create(actor=staff, track=track, kind="grant", territories=["SE"], **window)


def test_a_licence_that_ends_with_the_clock_stops_being_offered_when_it_ends(tracks):
    track = tracks[0]
    _swedish_window(track, valid_until=timezone.now() + timedelta(seconds=1))
    assert track.pk in playable_track_facts([track.pk], listener=SWEDEN)
    time.sleep(1.1)  # nothing is written when a window closes: the memo's answer must end with it
    assert playable_track_facts([track.pk], listener=SWEDEN) == {}


def test_a_licence_that_starts_with_the_clock_is_offered_once_it_starts(tracks):
    track = tracks[0]
    _swedish_window(track, valid_from=timezone.now() + timedelta(seconds=1))
    assert playable_track_facts([track.pk], listener=SWEDEN) == {}
    time.sleep(1.1)  # nothing is written when a window opens either: the "not offered" answer must end
    assert track.pk in playable_track_facts([track.pk], listener=SWEDEN)


def test_a_rebuild_started_before_the_table_is_forgotten_does_not_bring_it_back(tracks, settings, monkeypatch):
    playable_track_facts([t.pk for t in tracks], listener=None)
    reading, release = threading.Event(), threading.Event()
    build = track_facts.build_facts_table

    def slow_build():  # held until the test has forgotten the table
        reading.set()
        release.wait(timeout=30)
        return build()

    monkeypatch.setattr(track_facts, "build_facts_table", slow_build)
    settings.TRACK_FACTS_REFRESH_SECONDS = 0
    track_facts.facts_table()
    assert reading.wait(timeout=30)
    track_facts.track_facts_clear()
    release.set()
    wait_for_rebuild()
    assert track_facts._Current.table is None
