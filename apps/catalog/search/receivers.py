"""Signal receivers that keep the search read model current, connected in CatalogConfig.ready().

They note what changed (indexing.catalog_changed); the documents are rebuilt once per transaction,
right after it commits, so a track that becomes ready is searchable a moment after its commit and
a rolled-back change leaves the index as it was. Saves that touch nothing search shows (ingest
progress, say) are skipped by their `update_fields`. Bulk creation (seeding) is indexed at once,
in the creating transaction: a batch and its documents land together.
"""

from __future__ import annotations

from apps.catalog.search.indexing import catalog_changed, catalog_reindex

TRACK_FIELDS = {"title", "ingest_state", "album", "album_id", "isrc", "popularity"}
ALBUM_FIELDS = {"title", "release_date", "images", "upc"}
ARTIST_FIELDS = {"name", "images", "popularity"}


def _relevant(update_fields, fields: set[str]) -> bool:
    return update_fields is None or bool(set(update_fields) & fields)


def track_saved(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if not raw and _relevant(update_fields, TRACK_FIELDS):
        catalog_changed(tracks=[instance.pk])


def track_deleted(sender, instance, **kwargs) -> None:
    catalog_changed(tracks=[instance.pk], album_documents=[instance.album_id])


def album_saved(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if not raw and _relevant(update_fields, ALBUM_FIELDS):
        catalog_changed(albums=[instance.pk])


def album_deleted(sender, instance, **kwargs) -> None:
    catalog_changed(albums=[instance.pk])


def artist_saved(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if not raw and _relevant(update_fields, ARTIST_FIELDS):
        catalog_changed(artists=[instance.pk])


def artist_deleted(sender, instance, **kwargs) -> None:
    catalog_changed(artists=[instance.pk])


def credit_changed(sender, instance, raw=False, **kwargs) -> None:
    """A TrackArtist or AlbumArtist row saved or deleted."""
    if raw:
        return
    if hasattr(instance, "track_id"):  # the track's document and the artist's (albums list their own artists)
        catalog_changed(track_documents=[instance.track_id], artist_documents=[instance.artist_id])
    else:
        catalog_changed(album_documents=[instance.album_id], artist_documents=[instance.artist_id])


def genres_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """Track.genres or Artist.genres changed, from either side."""
    if not action.startswith("post_"):
        return
    ids = (pk_set or set()) if reverse else {instance.pk}  # reverse: genre.tracks.add(...) names the owners
    if hasattr(sender, "track_id"):
        catalog_changed(tracks=ids)
    else:
        catalog_changed(artist_documents=ids)


def tracks_bulk_created(sender, track_ids, **kwargs) -> None:
    catalog_reindex(tracks=track_ids)
