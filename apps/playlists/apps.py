from __future__ import annotations

from django.apps import AppConfig


class PlaylistsConfig(AppConfig):
    name = "apps.playlists"
    label = "playlists"
