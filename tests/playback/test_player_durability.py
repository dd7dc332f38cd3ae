"""Player commands and heartbeats commit without waiting for the WAL flush on PostgreSQL (their
last milliseconds are the one thing a crash may lose); play events, which royalties come from,
keep the server's durable default."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.catalog.availability import Listener
from apps.playback.events.checks import ms_from_datetime
from apps.playback.events.services import play_events_ingest
from apps.playback.player import services
from tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # real transactions: SET LOCAL ends with each


def synchronous_commit() -> str | None:
    """The setting in force now, inside the current transaction (None where it does not exist)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_player_writes_relax_the_flush_and_play_events_keep_it():
    user = UserFactory()
    durable = synchronous_commit()
    expected_relaxed = "off" if connection.vendor == "postgresql" else None

    with transaction.atomic():
        services.device_hello(user=user, device_id="tab", name="Tab")
        assert synchronous_commit() == expected_relaxed
    with transaction.atomic():
        services.devices_seen({user.pk: {"tab"}})
        assert synchronous_commit() == expected_relaxed
    with transaction.atomic():
        track = TrackFactory()
        uris = [f"spotify:track:{track.public_id}"]
        services.play(user=user, listener=Listener(country="SE"), device_id="tab", uris=uris)
        assert synchronous_commit() == expected_relaxed

    assert synchronous_commit() == durable  # SET LOCAL: over with the transaction
    with transaction.atomic():
        now = ms_from_datetime(timezone.now())
        event = {"id": "e1", "type": "play.start", "track": track.public_id, "ms_played": 0, "timestamp": now}
        assert play_events_ingest(user=user, country="SE", product="free", events=[event])["accepted"] == 1
        assert synchronous_commit() == durable
