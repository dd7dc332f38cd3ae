"""Ready tracks loaded with everything a track object renders (`with_relations()`), memoised in
the process under the catalog version.

The lists the recommender makes (recommendations, radio, home shelves) keep coming back to the
same tracks: in a run of 300 recommendation requests three in four tracks chosen had been chosen
before. Loading 20 of them with their album and credits costs three queries and ~5.5 ms, a
quarter of such a request. The memo follows `apps.catalog.track_facts`' old rule for rows that
render: keyed on the catalog version, bumped after every commit that changes a track, its album,
credits or artists, and living at most `CATALOG_RENDER_CACHE_SECONDS` (the bound the embedded mode
needs). Whether a track may play is never read from here: callers render it with the availability
they ask of the database on every request.

The instances are shared by every request of the process: read them, never change or save them.
"""

from __future__ import annotations

from django.conf import settings

from apps.catalog.freshness import catalog_version
from apps.catalog.models import Track
from apps.common.memo import VersionedMemo

MAX_MEMOISED = 20_000  # tracks with their album and credits, some 100 MB at worst; past it the memo starts over

_memo = VersionedMemo(
    version=catalog_version, lifetime=lambda: settings.CATALOG_RENDER_CACHE_SECONDS, max_entries=MAX_MEMOISED
)


def ready_tracks_to_render(track_ids) -> dict[int, Track]:
    """Track pk -> the ready track loaded `with_relations()`, for those of `track_ids` that are
    ready; those not in memory loaded in one go (three queries)."""
    rows = _memo.entries()  # pk -> track, or None: not a ready track
    wanted = list(dict.fromkeys(track_ids))
    missing = [pk for pk in wanted if pk not in rows]
    if missing:
        loaded = Track.objects.ready().with_relations().in_bulk(missing)
        rows.update({pk: loaded.get(pk) for pk in missing})
    return {pk: track for pk in wanted if (track := rows.get(pk)) is not None}


def track_rows_forget() -> None:
    """Forget the memo (tests)."""
    _memo.forget()
