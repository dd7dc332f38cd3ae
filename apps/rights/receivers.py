"""Catalog changes that move a track's availability: a new track (the default, or its album's
licences, now apply to it), a track moved to another album, an album's release date. The
catalog cannot call rights (imports point down), so rights listens; the receivers run inside the
saving transaction, so the rows change with the catalog row."""

from __future__ import annotations

from apps.catalog.models import Track
from apps.rights.services import tracks_reproject


def track_saved(sender, instance: Track, created: bool, update_fields=None, raw: bool = False, **kwargs) -> None:
    if raw:
        return  # fixture loading: rows come with the fixture
    if created or update_fields is None or "album" in update_fields:
        tracks_reproject([instance.pk])


def album_saved(sender, instance, created: bool, update_fields=None, raw: bool = False, **kwargs) -> None:
    if raw or created:
        return  # a new album has no tracks yet
    if update_fields is None or "release_date" in update_fields:
        tracks_reproject(Track.objects.filter(album=instance).values_list("pk", flat=True))


def tracks_bulk_created(sender, track_ids, **kwargs) -> None:
    """Tracks made in bulk (`manage.py seed_catalog`) get their availability like any new track."""
    tracks_reproject(track_ids)
