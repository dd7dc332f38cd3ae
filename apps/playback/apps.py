from __future__ import annotations

from django.apps import AppConfig


class PlaybackConfig(AppConfig):
    name = "apps.playback"
    label = "playback"

    def ready(self):
        from apps.catalog.home import register_home_shelf
        from apps.playback.events.shelves import popular_now

        register_home_shelf("popular", popular_now)
