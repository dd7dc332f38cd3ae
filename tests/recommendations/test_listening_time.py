"""Listening time in the strength (apps.recommendations.signals): a track played through counts
for more than one started as often and abandoned just past the stream threshold."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.recommendations import signals
from apps.recommendations.models import TrackAffinity
from tests.factories import TrackFactory
from tests.recommendations.listening import absorbed, report

pytestmark = pytest.mark.django_db

THREE_MINUTES = 180_000
JUST_A_STREAM = 31_000  # past STREAM_MIN_MS (30 s), then abandoned


def played(user, track, *, times: int, ms_played: int) -> None:
    for _ in range(times):
        report(user, track, ms_played=ms_played)


def strength(user, track) -> float:
    return signals.strengths([user.pk])[(user.pk, track.pk)]


def test_it_ranks_a_track_played_through_above_one_started_as_often_and_abandoned(listener):
    through, abandoned = TrackFactory(duration_ms=THREE_MINUTES), TrackFactory(duration_ms=THREE_MINUTES)
    played(listener, through, times=5, ms_played=THREE_MINUTES)
    played(listener, abandoned, times=5, ms_played=JUST_A_STREAM)
    absorbed()

    assert strength(listener, through) == pytest.approx(5 * (signals.STREAM + signals.FULL_LISTEN))
    assert strength(listener, abandoned) == pytest.approx(
        5 * (signals.STREAM + signals.FULL_LISTEN * JUST_A_STREAM / THREE_MINUTES)
    )
    assert strength(listener, through) > 1.6 * strength(listener, abandoned)


def test_it_lets_fewer_plays_heard_whole_outweigh_more_plays_abandoned(listener):
    """Counting streams alone, six starts beat four full listens; listening time turns it round,
    for the strengths and for the home's favourite of the last two weeks alike."""
    heard, sampled = TrackFactory(duration_ms=THREE_MINUTES), TrackFactory(duration_ms=THREE_MINUTES)
    played(listener, heard, times=4, ms_played=THREE_MINUTES)
    played(listener, sampled, times=6, ms_played=JUST_A_STREAM)
    absorbed()

    assert strength(listener, heard) > strength(listener, sampled)
    assert signals.favourite_recent_track(listener) == heard


def test_it_counts_a_share_of_the_track_not_hours_and_at_most_one_listen_per_play(listener):
    short, long_, overlong = (TrackFactory(duration_ms=ms) for ms in (THREE_MINUTES, 600_000, THREE_MINUTES))
    report(listener, short, ms_played=THREE_MINUTES)
    report(listener, long_, ms_played=600_000)
    report(listener, overlong, ms_played=THREE_MINUTES + 5_000)  # past the end, within ingest's slack: one listen
    absorbed()

    full = signals.STREAM + signals.FULL_LISTEN
    assert [strength(listener, track) for track in (short, long_, overlong)] == pytest.approx([full, full, full])
    assert TrackAffinity.objects.get(user=listener, track=overlong).full_listens == 1.0


def test_it_takes_a_typical_length_for_a_track_whose_duration_is_unknown(listener):
    unmeasured = TrackFactory(duration_ms=None)
    report(listener, unmeasured, ms_played=signals.TYPICAL_TRACK_MS // 2)
    absorbed()

    assert TrackAffinity.objects.get(user=listener, track=unmeasured).full_listens == pytest.approx(0.5)


def test_it_gives_an_early_skip_no_listening_time(listener):
    track = TrackFactory(duration_ms=THREE_MINUTES)
    report(listener, track, kind="skip", ms_played=20_000)
    absorbed()

    row = TrackAffinity.objects.get(user=listener, track=track)
    assert (row.ms_played, row.full_listens) == (20_000, 0.0)
    assert strength(listener, track) == signals.EARLY_SKIP


def test_it_sums_full_listens_incrementally_as_one_pass_would(listener):
    track = TrackFactory(duration_ms=THREE_MINUTES)
    played(listener, track, times=2, ms_played=90_000)
    absorbed()
    played(listener, track, times=1, ms_played=THREE_MINUTES)
    absorbed()

    row = TrackAffinity.objects.get(user=listener, track=track)
    assert (row.streams, row.full_listens) == (3, pytest.approx(2.0))


def test_it_reads_the_strengths_in_one_query_over_the_affinities_alone(listener):
    """Training reads every strength (a million rows): the listening time is a column of the
    affinity, weighed by the database; no join to the catalog, no per-row query."""
    for track in TrackFactory.create_batch(3, duration_ms=THREE_MINUTES):
        report(listener, track, ms_played=THREE_MINUTES)
    absorbed()

    with CaptureQueriesContext(connection) as queries:
        everyone = signals.strengths()

    assert len(everyone) == 3
    affinity_reads = [q["sql"] for q in queries if "recommendations_trackaffinity" in q["sql"]]
    assert len(affinity_reads) == 1 and "catalog_track" not in affinity_reads[0]
    assert len(queries) == 3  # the affinities, the liked songs, the playlists


def test_it_backfills_full_listens_of_rows_absorbed_before_they_were_kept(listener):
    migration = importlib.import_module("apps.recommendations.migrations.0002_affinity_full_listens")
    measured, unmeasured = TrackFactory(duration_ms=THREE_MINUTES), TrackFactory(duration_ms=None)
    played(listener, measured, times=2, ms_played=THREE_MINUTES)
    played(listener, unmeasured, times=1, ms_played=int(migration.TYPICAL_TRACK_MS))
    absorbed()
    TrackAffinity.objects.update(full_listens=0.0)  # as the rows stood before the migration

    migration.backfill_full_listens(django_apps, None)

    rows = dict(TrackAffinity.objects.values_list("track_id", "full_listens"))
    assert rows == {measured.pk: pytest.approx(2.0), unmeasured.pk: pytest.approx(1.0)}
    assert migration.TYPICAL_TRACK_MS == signals.TYPICAL_TRACK_MS
