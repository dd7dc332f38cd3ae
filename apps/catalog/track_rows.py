"""Ready tracks loaded with everything a track object renders (`with_relations()`), memoised in
the process under the catalog version.

The lists the recommender makes (recommendations, radio, home shelves) keep coming back to the
same tracks: in a run of 300 recommendation requests three in four tracks chosen had been chosen
before. Loading those not in memory with their album and credits costs three queries (~1.7 ms for
five tracks, written by hand: through the ORM, compiling them took longer than running them). The
memo follows `apps.catalog.track_facts`' old rule for rows that render: keyed on the catalog
version, bumped after every commit that changes a track, its album, credits or artists, and living
at most `CATALOG_RENDER_CACHE_SECONDS` (the bound the embedded mode needs). Whether a track may
play is never read from here: callers render it with the availability they ask of the database on
every request.

Each caller gets its own copy of a memoised track and of its album (shallow: the credits they hold
are shared, read only), so that what a page sets on a row for its listener (the web views mark
rows playable, give them a context to play in, size the album's cover) stays on that page.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState

from apps.catalog import selectors
from apps.catalog.freshness import catalog_version
from apps.catalog.models import Album, AlbumArtist, Artist, IngestState, Track, TrackArtist
from apps.common.lookups import any_of
from apps.common.memo import VersionedMemo
from apps.common.model_rows import ModelColumns

MAX_MEMOISED = 20_000  # tracks with their album and credits, some 100 MB at worst; past it the memo starts over

_tracks = VersionedMemo(
    version=catalog_version, lifetime=lambda: settings.CATALOG_RENDER_CACHE_SECONDS, max_entries=MAX_MEMOISED
)
_album_counts = VersionedMemo(
    version=catalog_version, lifetime=lambda: settings.CATALOG_RENDER_CACHE_SECONDS, max_entries=MAX_MEMOISED
)


def ready_tracks_to_render(track_ids) -> dict[int, Track]:
    """Track pk -> the ready track loaded `with_relations()`, for those of `track_ids` that are
    ready; those not in memory loaded in one go (three queries, `_load`), with their albums' counts of
    ready tracks (what a full track object's album says as `total_tracks`)."""
    # Both memos are taken before anything is read, so that what is read is no older than either
    # version (a version bumped in between leaves these dicts behind: they are never read again).
    rows, counts = _tracks.entries(), _album_counts.entries()  # rows: pk -> track, or None: not ready
    wanted = list(dict.fromkeys(track_ids))
    missing = [pk for pk in wanted if pk not in rows]
    if missing:
        loaded = _load(missing)
        rows.update({pk: loaded.get(pk) for pk in missing})
        counts.update({track.album_id: track.album_ready_tracks for track in loaded.values()})
    return {pk: _own_copy(track) for pk in wanted if (track := rows.get(pk)) is not None}


def _own_copy(track: Track) -> Track:
    """The caller's own track and album over the shared relations (their credits)."""
    mine = _shallow(track)
    mine.album = _shallow(track.album)
    return mine


def _shallow(instance: Model) -> Model:
    """What `copy.copy` makes of a model instance (its fields, its own state and cache of related
    objects; the prefetched lists shared), without the pickling protocol it goes through: that was
    2 ms of a recommendation request's 40 copies."""
    mine = instance.__class__.__new__(instance.__class__)
    mine.__dict__.update(instance.__dict__)
    state = ModelState.__new__(ModelState)
    state.__dict__.update(instance._state.__dict__)
    state.fields_cache = dict(instance._state.fields_cache)
    state.__dict__.pop("related_managers_cache", None)  # a new, empty one on use, as copy.copy makes
    mine._state = state
    return mine


def _load(track_ids: list[int]) -> dict[int, Track]:
    """What `Track.objects.ready().with_relations().in_bulk(track_ids)` loads, with each track's
    album's count of ready tracks, in three hand-written statements (`apps.common.model_rows`:
    compiling them through the ORM was a third of this load)."""
    member, params = any_of("t.id", track_ids, connection)
    with connection.cursor() as cursor:
        cursor.execute(_tracks_sql(member), [IngestState.READY, *params, IngestState.READY])
        rows = cursor.fetchall()
    album_field = Track._meta.get_field("album")
    loaded = {}
    for row in rows:
        track = _TRACK.make(row)
        album_field.set_cached_value(track, _ALBUM.make(row, len(_TRACK)))
        track.album_ready_tracks = row[-1]
        loaded[track.pk] = track
    _attach_credits(list(loaded.values()), TrackArtist, "track")
    _attach_credits([track.album for track in loaded.values()], AlbumArtist, "album")
    return loaded


_TRACK, _ALBUM, _ARTIST = ModelColumns(Track, "t"), ModelColumns(Album, "a"), ModelColumns(Artist, "r")
_CREDIT = {TrackArtist: ModelColumns(TrackArtist, "c"), AlbumArtist: ModelColumns(AlbumArtist, "c")}


def _tracks_sql(member: str) -> str:
    """Ready tracks with their album and its count of ready tracks; no values in the text."""
    track, album = Track._meta.db_table, Album._meta.db_table
    return (
        f"SELECT {_TRACK.select_list()}, {_ALBUM.select_list()}, "  # noqa: S608 (no values in the text)
        f"(SELECT COUNT(*) FROM {track} o WHERE o.album_id = t.album_id AND o.ingest_state = %s) "
        f"FROM {track} t JOIN {album} a ON a.id = t.album_id WHERE {member} AND t.ingest_state = %s"
    )


def _attach_credits(owners: list, link_model, owner_field: str) -> None:
    """Each owner's credits (`track_artists` or `album_artists`) with their artists, as
    `prefetch_related` leaves them, from one query. Django's prefetch makes a filtered queryset for
    every owner to hold its results; for a short list that was a third of the load (~1 ms of 20
    tracks), so the results are held in a bare queryset instead, marked fetched as Django marks
    its own."""
    by_owner: dict[int, list] = defaultdict(list)
    credit, owner_column = _CREDIT[link_model], link_model._meta.get_field(owner_field).column
    member, params = any_of(f"c.{owner_column}", list({owner.pk for owner in owners}), connection)
    artist_field = link_model._meta.get_field("artist")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {credit.select_list()}, {_ARTIST.select_list()} FROM {link_model._meta.db_table} c "  # noqa: S608 (no values in the text)
            f"JOIN {Artist._meta.db_table} r ON r.id = c.artist_id WHERE {member} ORDER BY c.position, c.id",
            params,
        )
        for row in cursor.fetchall():
            link = credit.make(row)
            artist_field.set_cached_value(link, _ARTIST.make(row, len(credit)))
            by_owner[getattr(link, f"{owner_field}_id")].append(link)
    cache_name = link_model._meta.get_field(owner_field).remote_field.cache_name
    for owner in owners:
        links = by_owner[owner.pk]
        for link in links:
            setattr(link, owner_field, owner)
        held = _HeldLinks(model=link_model)
        held._result_cache, held._prefetch_done = links, True
        held.owner_filter = {owner_field: owner}
        owner.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = held


class _HeldLinks(QuerySet):
    """One owner's credits, fetched: reading them reads the results held; a new query made from
    them (`.filter()`, `.order_by()`, ...) is of that owner's credits only, as from a queryset
    Django's prefetch would have filtered up front. The filter is applied only when asked for,
    since making it for every owner was what this loading spares."""

    owner_filter: dict | None = None

    def _chain(self):
        if self.owner_filter is None:
            return super()._chain()
        return self.model._default_manager.filter(**self.owner_filter).select_related("artist")


def ready_track_counts(album_ids) -> dict[int, int]:
    """Album pk -> its number of ready tracks: those of albums whose tracks were loaded here from
    memory, the rest in one query (albums with none are left out)."""
    counts = _album_counts.entries()
    wanted = set(album_ids)
    found = {pk: counts[pk] for pk in wanted if pk in counts}
    if len(found) < len(wanted):
        read = selectors.ready_track_counts([pk for pk in wanted if pk not in found])
        counts.update(read)
        found |= read
    return found


def track_rows_forget() -> None:
    """Forget the memos (tests)."""
    _tracks.forget()
    _album_counts.forget()
