"""Two staff members licensing one track at the same moment: neither edit may be lost from the
projection. Real threads, each with its own database connection (PostgreSQL in the services
mode, where read-committed snapshots would let an unlocked second writer project without the
first's licence; SQLite's IMMEDIATE transactions in the embedded mode)."""

from __future__ import annotations

import pytest

from apps.accounts.models import Role
from apps.catalog.models import TrackAvailability
from apps.rights import services
from tests.concurrency import run_at_once
from tests.factories import AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_rights_changes_on_one_track_are_all_projected():
    staff = UserFactory(role=Role.STAFF)
    for _ in range(5):
        track = TrackFactory(album=AlbumFactory())
        run_at_once(
            lambda track=track: services.licence_create(actor=staff, track=track, territories=["DE"]),
            lambda track=track: services.licence_create(actor=staff, track=track, territories=["FR"]),
            lambda track=track: services.takedown_create(actor=staff, track=track, territories=["SE"], reason="x"),
        )
        rows = sorted(TrackAvailability.objects.filter(track=track).values_list("territory", "kind"))
        assert rows == [("DE", "grant"), ("FR", "grant"), ("SE", "takedown")]
