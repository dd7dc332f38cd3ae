from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_save


class RightsConfig(AppConfig):
    name = "apps.rights"
    label = "rights"

    def ready(self) -> None:
        from apps.catalog import signals
        from apps.catalog.models import Album, Track
        from apps.rights import receivers

        post_save.connect(receivers.track_saved, sender=Track, dispatch_uid="rights.track_saved")
        post_save.connect(receivers.album_saved, sender=Album, dispatch_uid="rights.album_saved")
        signals.tracks_bulk_created.connect(receivers.tracks_bulk_created, dispatch_uid="rights.tracks_bulk_created")
