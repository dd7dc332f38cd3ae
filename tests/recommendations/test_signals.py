"""Affinities from play events, kept up to date incrementally (apps.recommendations.signals)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.playlists import library
from apps.playlists.services import items_add, playlist_create
from apps.recommendations import signals
from apps.recommendations.models import SignalCursor, TrackAffinity
from tests.factories import TrackFactory, UserFactory
from tests.recommendations.listening import absorbed, listen, report

pytestmark = pytest.mark.django_db

# `listen` streams 2 of the factory track's 3 minutes: half a stream plus two thirds of a full listen.
LISTENED = signals.STREAM + signals.FULL_LISTEN * 120_000 / 180_000


def affinity(user, track) -> TrackAffinity:
    return TrackAffinity.objects.get(user=user, track=track)


def test_streams_and_early_skips_are_summed_per_listener_and_track(listener):
    loved, skipped = TrackFactory(), TrackFactory()
    listen(listener, [loved], times=3)
    report(listener, skipped, kind="skip", ms_played=4_000)
    report(listener, skipped, kind="skip", ms_played=6_000)
    report(listener, loved, kind="play.progress", ms_played=60_000)  # not a closed play: not counted

    assert absorbed() == 5

    assert (affinity(listener, loved).streams, affinity(listener, loved).early_skips) == (3, 0)
    assert (affinity(listener, skipped).streams, affinity(listener, skipped).early_skips) == (0, 2)
    assert affinity(listener, loved).ms_played == 3 * 120_000
    assert signals.strengths([listener.pk]) == pytest.approx(
        {(listener.pk, loved.pk): 3 * LISTENED, (listener.pk, skipped.pk): 2 * signals.EARLY_SKIP}
    )


def test_each_run_reads_only_what_arrived_since_the_last(listener):
    track = TrackFactory()
    listen(listener, [track], times=2)
    assert absorbed() == 2
    assert absorbed() == 0  # nothing new: nothing read, nothing added twice
    listen(listener, [track])
    with CaptureQueriesContext(connection) as queries:
        assert absorbed() == 1
    assert affinity(listener, track).streams == 3
    assert SignalCursor.objects.get(name=signals.CURSOR).position > 0
    assert len(queries) < 15  # a handful of statements per batch, not one per event


def test_events_not_yet_settled_wait_for_the_next_run(listener, settings):
    settings.RECOMMENDATIONS_SETTLE_SECONDS = 3600  # everything just received is "in flight"
    listen(listener, [TrackFactory()])
    assert absorbed() == 0
    assert not TrackAffinity.objects.exists()
    settings.RECOMMENDATIONS_SETTLE_SECONDS = 0
    assert absorbed() == 1


def test_saves_and_own_playlists_add_strength_and_unliking_takes_it_back(listener):
    liked, listed = TrackFactory(), TrackFactory()
    library.save(user=listener, kind="track", ids=[liked.public_id])
    playlist = playlist_create(owner=listener, name="Mine")
    items_add(actor=listener, playlist=playlist, track_ids=[listed.public_id, listed.public_id])

    assert signals.strengths([listener.pk]) == {
        (listener.pk, liked.pk): signals.SAVED,
        (listener.pk, listed.pk): signals.PLAYLISTED,  # once, however often it is in there
    }
    library.remove(user=listener, kind="track", ids=[liked.public_id])
    assert (listener.pk, liked.pk) not in signals.strengths([listener.pk])


def test_other_listeners_are_kept_apart(listener):
    track, other = TrackFactory(), UserFactory()
    listen(listener, [track])
    listen(other, [track], times=2)
    absorbed()
    assert signals.strengths([listener.pk]) == pytest.approx({(listener.pk, track.pk): LISTENED})
    assert signals.strengths()[(other.pk, track.pk)] == pytest.approx(2 * LISTENED)
