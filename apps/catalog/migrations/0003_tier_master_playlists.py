"""Write the per-tier master playlists (`master-<kbps>.m3u8`) for ladders published before the
delivery loop, from their rendition rows: signed stream URLs map to them."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations

from apps.catalog.media.hls import MasterEntry, render_tier_masters


def write_tier_masters(apps, schema_editor):
    Track = apps.get_model("catalog", "Track")
    for track in Track.objects.filter(ingest_state="ready").exclude(hls_prefix="").prefetch_related("renditions"):
        entries = [
            MasterEntry(
                uri=f"{r.bitrate_kbps}/index.m3u8",
                bitrate_kbps=r.bitrate_kbps,
                peak_bandwidth=r.peak_bandwidth,
                average_bandwidth=r.average_bandwidth,
                codec=r.codec,
            )
            for r in track.renditions.all()
        ]
        if not entries:
            continue
        for name, text in render_tier_masters(entries).items():
            key = f"{track.hls_prefix}/{name}"
            if name != "master.m3u8" and not default_storage.exists(key):
                default_storage.save(key, ContentFile(text.encode()))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_availability_and_shared_isrc")]
    operations = [migrations.RunPython(write_tier_masters, migrations.RunPython.noop, elidable=True)]
