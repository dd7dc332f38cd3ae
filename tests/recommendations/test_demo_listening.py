"""`manage.py seed_demo_listening`: the demo's history, model and charts, made once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.playback.models import PlayEvent
from apps.playlists.models import Playlist
from apps.recommendations.models import TrackAffinity, TrainedModel
from tests.recommendations.catalog import planted_catalog

pytestmark = pytest.mark.django_db


def test_it_listens_trains_and_makes_charts_once():
    planted_catalog(artists_per_genre=3, tracks_per_artist=4)
    out = io.StringIO()
    call_command("seed_demo_listening", stdout=out)

    assert "model v1" in out.getvalue()
    assert TrainedModel.objects.filter(ready=True).count() == 1
    assert TrackAffinity.objects.filter(early_skips__gt=0).exists() and TrackAffinity.objects.filter(streams__gt=0)
    assert Playlist.objects.filter(generator="chart:global", public=True).exists()
    plays = PlayEvent.objects.count()

    call_command("seed_demo_listening", stdout=out)
    assert "nothing to do" in out.getvalue()
    assert PlayEvent.objects.count() == plays and TrainedModel.objects.count() == 1


def test_without_a_catalog_it_does_nothing():
    out = io.StringIO()
    call_command("seed_demo_listening", stdout=out)
    assert "nothing to do" in out.getvalue() and not PlayEvent.objects.exists()
