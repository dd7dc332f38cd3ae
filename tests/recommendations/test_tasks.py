"""The Celery entry points on the beat schedule, run as the worker runs them (eagerly here, the
same functions), and the schedule itself."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.playlists.models import Playlist
from apps.recommendations import tasks
from apps.recommendations.models import TrackAffinity, TrainedModel
from tests.factories import UserFactory
from tests.recommendations.catalog import planted_catalog
from tests.recommendations.listening import listen, report

pytestmark = pytest.mark.django_db


def test_the_schedule_runs_every_task_of_the_loop():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "recommendations.absorb_signals",
        "recommendations.train",
        "recommendations.refresh_charts",
        "recommendations.refresh_made_for_you",
    } <= scheduled


def test_the_loop_from_plays_to_mixes(listener):
    planted = planted_catalog(artists_per_genre=4, tracks_per_artist=4)
    listen(listener, planted.tracks["techno"][:10], times=2)
    for user in (UserFactory(country="SE") for _ in range(2)):
        for track in planted.tracks["techno"][:12]:
            report(user, track, hours_ago=3)

    assert tasks.absorb_signals.apply().get() == 20 + 24
    assert TrackAffinity.objects.filter(user=listener).count() == 10
    assert tasks.train.apply().get() == TrainedModel.objects.get().version
    assert tasks.charts.apply().get() >= 2
    assert tasks.made_for_you.apply().get() == 3
    assert Playlist.objects.filter(made_for=listener, generator="discover-weekly").exists()


def test_training_on_demand_says_when_there_is_nothing_to_learn():
    out = io.StringIO()
    call_command("train_recommendations", "--charts", stdout=out)
    assert "Nothing to train on yet" in out.getvalue() and "Charts refreshed: 0" in out.getvalue()
    assert tasks.train.apply().get() is None
