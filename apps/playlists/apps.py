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
        self._connect_search()

    def _connect_search(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from apps.catalog.search.kinds import register_search_kind
        from apps.playlists import search
        from apps.playlists.models import Playlist, PlaylistFollow

        register_search_kind(
            "playlist", api_objects=search.api_objects, web_rows=search.web_rows, rebuild=search.playlists_rebuild
        )
        post_save.connect(search.playlist_saved, sender=Playlist, dispatch_uid="playlists.search.saved")
        post_save.connect(search.follow_changed, sender=PlaylistFollow, dispatch_uid="playlists.search.follow")
        post_delete.connect(search.follow_changed, sender=PlaylistFollow, dispatch_uid="playlists.search.unfollow")
