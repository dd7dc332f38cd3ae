"""Tracks that existed before rights get the default: available worldwide from their release date
(no licences exist yet, so the default is every track's whole projection)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.db import migrations


def project_defaults(apps, schema_editor):
    Track = apps.get_model("catalog", "Track")
    TrackAvailability = apps.get_model("catalog", "TrackAvailability")
    rows = [
        TrackAvailability(
            track_id=track.pk,
            territory="*",
            kind="grant",
            starts_at=datetime.combine(track.album.release_date, time.min, tzinfo=UTC),
            ends_at=None,
            source="default:release",
        )
        for track in Track.objects.select_related("album").filter(availability__isnull=True)
    ]
    TrackAvailability.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("rights", "0001_initial"), ("catalog", "0003_tier_master_playlists")]
    operations = [migrations.RunPython(project_defaults, migrations.RunPython.noop)]
