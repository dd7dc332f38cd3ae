"""Playlists in search: public playlists are documents of the catalog's search read model (their
name, owner and description), kept current by signal receivers in the writing transaction; a
playlist made private or deleted leaves the index in that transaction. Results are rendered here
(registered with the catalog's search in PlaylistsConfig.ready()), re-checking visibility, so a
playlist that stopped being public between indexing and rendering is left out.
"""

from __future__ import annotations

import math

from django.db.models import Count

from apps.catalog.presentation import cover
from apps.catalog.search.indexing import Document, search_documents_delete, search_documents_save
from apps.catalog.search.models import SearchKind
from apps.playlists import selectors
from apps.playlists.models import Playlist

RELEVANT_FIELDS = {"name", "description", "public", "deleted_at", "images", "owner", "owner_id"}
BATCH = 2_000


def follower_popularity(followers: int) -> int:
    """0-100 on a log scale: 10 followers are 25, 1,000 are 75, 10,000 or more are 100."""
    return min(100, round(25 * math.log10(1 + max(0, followers))))


def playlists_reindex(playlist_ids) -> None:
    ids = list(set(playlist_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = (
            Playlist.live.filter(pk__in=chunk, public=True).select_related("owner").annotate(followers=Count("follows"))
        )
        documents = [
            Document(
                object_id=p.pk,
                public_id=p.public_id,
                name=p.name,
                subtitle=f"By {p.owner.display_name}",
                image_key=min(p.images, key=lambda i: i["width"])["key"] if p.images else "",
                artists=[p.owner.display_name],
                album=p.description,
                # The owner follows their own playlist; popularity counts the others.
                popularity=follower_popularity(p.followers - 1),
            )
            for p in rows
        ]
        search_documents_save(kind=SearchKind.PLAYLIST, documents=documents)
        search_documents_delete(kind=SearchKind.PLAYLIST, object_ids=set(chunk) - {d.object_id for d in documents})


def playlist_saved(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if not raw and (update_fields is None or set(update_fields) & RELEVANT_FIELDS):
        playlists_reindex([instance.pk])


def follow_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        playlists_reindex([instance.playlist_id])


def playlists_rebuild() -> int:
    playlists_reindex(Playlist.objects.values_list("pk", flat=True))
    return Playlist.live.filter(public=True).count()


def _visible(object_ids: list[int]) -> list[Playlist]:
    rows = selectors.playlists_with_counts().filter(pk__in=object_ids, public=True).in_bulk()
    return [rows[pk] for pk in object_ids if pk in rows]


def api_objects(request, object_ids: list[int]) -> list[dict]:
    from apps.playlists.api.representations import playlist_simplified

    playlists = _visible(object_ids)
    covers = selectors.cover_images(playlists)
    return [playlist_simplified(request, p, covers[p.pk]) for p in playlists]


def web_rows(request, object_ids: list[int]) -> list[Playlist]:
    """Playlists with `.cover` (apps.catalog.presentation.cover) for the search page."""
    playlists = _visible(object_ids)
    covers = selectors.cover_images(playlists)
    for playlist in playlists:
        playlist.cover = cover(covers[playlist.pk], display_px=300)
    return playlists
