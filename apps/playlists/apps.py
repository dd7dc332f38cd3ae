from __future__ import annotations

from django.apps import AppConfig


class PlaylistsConfig(AppConfig):
    name = "apps.playlists"
    label = "playlists"

    def ready(self) -> None:
        from apps.catalog.contexts import register_context
        from apps.playlists.selectors import liked_track_ids, playlist_track_ids

        register_context("playlist", playlist_track_ids)
        register_context("collection", liked_track_ids)
