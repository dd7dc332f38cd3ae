from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save

# The models rendered track, album and artist objects are made of: a change to any of them
# invalidates every cached rendering (apps.catalog.freshness). Availability rows are written in
# bulk by `availability_replace`, which bumps the version itself: a post_delete receiver there
# would turn its fast DELETE into a row-by-row one.
RENDERED_MODELS = ("Artist", "Album", "Track", "TrackArtist", "AlbumArtist", "Genre")
GENRE_LINKS = (("Track", "genres"), ("Artist", "genres"))


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"

    def ready(self):
        from apps.catalog import freshness

        self._connect_search()

        for name in RENDERED_MODELS:
            model = self.get_model(name)
            uid = f"catalog.freshness.{name}"
            post_save.connect(freshness.changed, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(freshness.changed, sender=model, dispatch_uid=f"{uid}.delete")
        for name, field in GENRE_LINKS:
            through = getattr(self.get_model(name), field).through
            m2m_changed.connect(freshness.changed, sender=through, dispatch_uid=f"catalog.freshness.{name}.{field}")
        # The audio-feature index is rebuilt when its version moves: on every features row written.
        from apps.catalog import features

        audio = self.get_model("AudioFeatures")
        post_save.connect(features.features_changed, sender=audio, dispatch_uid="catalog.features.saved")
        post_delete.connect(features.features_changed, sender=audio, dispatch_uid="catalog.features.deleted")

    def _connect_search(self):
        from apps.catalog.search import receivers
        from apps.catalog.signals import tracks_bulk_created

        def connect(signal, receiver, sender, name):
            signal.connect(receiver, sender=sender, dispatch_uid=f"catalog.search.{name}")

        for model, saved, deleted in (
            ("Track", receivers.track_saved, receivers.track_deleted),
            ("Album", receivers.album_saved, receivers.album_deleted),
            ("Artist", receivers.artist_saved, receivers.artist_deleted),
        ):
            connect(post_save, saved, self.get_model(model), f"{model}.save")
            connect(post_delete, deleted, self.get_model(model), f"{model}.delete")
        for model in ("TrackArtist", "AlbumArtist"):
            connect(post_save, receivers.credit_changed, self.get_model(model), f"{model}.save")
            connect(post_delete, receivers.credit_changed, self.get_model(model), f"{model}.delete")
        for model, field in GENRE_LINKS:
            through = getattr(self.get_model(model), field).through
            connect(m2m_changed, receivers.genres_changed, through, f"{model}.{field}")
        connect(tracks_bulk_created, receivers.tracks_bulk_created, None, "bulk")
