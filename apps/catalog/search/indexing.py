"""Keeping the search read model current: right after the commit that changes what it shows.

Tracks, albums and artists are indexed here from the catalog's rows; other apps hand their
documents in through `search_documents_save` / `search_documents_delete` (playlists do). Only what
a listener may find is indexed: ready tracks, albums and artists that have one, and what other
apps choose (public playlists). Availability is not copied in: it changes by territory and time,
and search asks the availability read model for the few results it shows.

Every write is computed from the rows as they are now, so running it twice, or for ids that
vanished, is harmless; `manage.py rebuild_search_index` runs it for everything.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Count, Max, Min, Q

from apps.catalog.models import Album, AlbumArtist, Artist, IngestState, Track, TrackArtist
from apps.catalog.search import analysis
from apps.catalog.search.models import NAME_MAX, SearchDocument, SearchKind, SearchTerm, SearchTermVariant
from apps.catalog.search.tasks import search_sync_after_commit

BATCH = 2_000
COPY_FROM = 500  # documents in one write from which PostgreSQL gets them by COPY
VERSION_KEY = "search:version"
TERM_MAX = 100
READY = Q(ingest_state=IngestState.READY)
_FIELDS = ("public_id", "name", "subtitle", "image_key", "name_key", "name_terms", "artist_terms", "album_terms",
           "genre_terms", "code", "year_from", "year_to", "released_on", "popularity")  # fmt: skip


@dataclass
class Document:
    """What a kind's indexer hands in; analysis turns it into a row."""

    object_id: int
    public_id: str
    name: str
    subtitle: str = ""
    image_key: str = ""
    artists: list[str] = field(default_factory=list)  # names (a playlist: its owner)
    album: str = ""  # a track's album title (a playlist: its description)
    genres: list[str] = field(default_factory=list)
    code: str = ""
    year_from: int | None = None
    year_to: int | None = None
    released_on: date | None = None
    popularity: int = 0


def search_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # From the clock, not 1, for the reason `catalog_version` gives: after the cache is flushed,
        # a counter restarted low would reach versions that memos and entries were made under.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def _bump_after_commit() -> None:
    def bump() -> None:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            search_version()

    transaction.on_commit(bump, robust=True)


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _row(kind: str, document: Document) -> SearchDocument:
    artist_tokens: dict[str, None] = {}
    for name in document.artists:
        artist_tokens.update(dict.fromkeys(analysis.tokens(name)))
    genre_tokens: dict[str, None] = {}
    for genre in document.genres:
        genre_tokens.update(dict.fromkeys(analysis.tokens(genre)))
    return SearchDocument(
        kind=kind,
        object_id=document.object_id,
        public_id=document.public_id,
        name=document.name[:NAME_MAX],
        subtitle=document.subtitle[:NAME_MAX],
        image_key=document.image_key,
        name_key=analysis.key(document.name)[:NAME_MAX],
        name_terms=analysis.padded(analysis.tokens(document.name)),
        artist_terms=analysis.padded(list(artist_tokens)),
        album_terms=analysis.padded(analysis.tokens(document.album)),
        genre_terms=analysis.padded(list(genre_tokens)),
        code=document.code,
        year_from=document.year_from,
        year_to=document.year_to,
        released_on=document.released_on,
        popularity=max(0, min(100, document.popularity)),
    )


def _learn_terms(rows: list[SearchDocument]) -> None:
    """Add the words of `rows` to the vocabulary (those long enough to be misspelt with their
    one-deletion variants), and raise the weight of known words a more popular document now holds.
    The vocabulary also completes the word being typed (spelling.completions)."""
    weights: dict[str, int] = {}
    for row in rows:
        for column in (row.name_terms, row.artist_terms, row.album_terms):
            for term in column.split():
                if len(term) <= TERM_MAX and weights.get(term, -1) < row.popularity and not analysis.is_cjk(term):
                    weights[term] = row.popularity
    if not weights:
        return
    known = dict(SearchTerm.objects.filter(term__in=list(weights)).values_list("term", "weight"))
    new = [term for term in weights if term not in known]
    SearchTerm.objects.bulk_create([SearchTerm(term=t, weight=weights[t]) for t in new], ignore_conflicts=True)
    SearchTermVariant.objects.bulk_create(
        [
            SearchTermVariant(variant=v, term=t)
            for t in new
            if analysis.fuzzy_allowed(t)
            for v in {t, *analysis.deletions(t)}
        ],
        ignore_conflicts=True,
        batch_size=5_000,
    )
    raised: dict[int, list[str]] = defaultdict(list)
    for term, weight in weights.items():
        if term in known and weight > known[term]:
            raised[weight].append(term)
    for weight, terms in raised.items():
        SearchTerm.objects.filter(term__in=terms, weight__lt=weight).update(weight=weight)


def search_documents_save(*, kind: str, documents: list[Document]) -> None:
    """Insert or replace documents of `kind` (inside the caller's transaction)."""
    _save({kind: documents})


def _save(documents_by_kind: dict[str, list[Document]]) -> None:
    """Documents of several kinds in one upsert (or COPY per kind, for many), one vocabulary
    update and one version bump: a catalog save re-indexes a track, its album and its artists."""
    rows_by_kind = {
        kind: [_row(kind, d) for d in documents] for kind, documents in documents_by_kind.items() if documents
    }
    if not rows_by_kind:
        return
    upsert = []
    for kind, rows in rows_by_kind.items():
        if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
            _replace_by_copy(kind, rows)
        else:
            upsert += rows
    if upsert:
        SearchDocument.objects.bulk_create(
            upsert,
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=list(_FIELDS),
            batch_size=1_000,
        )
    _learn_terms([row for rows in rows_by_kind.values() for row in rows])
    _bump_after_commit()
    for kind, rows in rows_by_kind.items():
        search_sync_after_commit(kind=kind, object_ids=[row.object_id for row in rows])


def _replace_by_copy(kind: str, rows: list[SearchDocument]) -> None:
    """Many documents at once (seeding, rebuilding): delete and COPY, several times faster than
    an upsert of the same rows, and as atomic inside the caller's transaction."""
    columns = ["kind", "object_id", *_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM catalog_searchdocument WHERE kind = %s AND object_id = ANY(%s)",
            [kind, [row.object_id for row in rows]],
        )
        with cursor.cursor.copy(f"COPY catalog_searchdocument ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([getattr(row, column) for column in columns])


def search_documents_delete(*, kind: str, object_ids: Iterable[int]) -> None:
    object_ids = list(object_ids)
    if object_ids and SearchDocument.objects.filter(kind=kind, object_id__in=object_ids).delete()[0]:
        _bump_after_commit()
        search_sync_after_commit(kind=kind, object_ids=object_ids)


def _grouped(rows) -> dict[int, list]:
    """(owner id, value) or (owner id, *values) rows -> owner id: its values, in the order given."""
    grouped: dict[int, list] = defaultdict(list)
    for owner, *values in rows:
        grouped[owner].append(values[0] if len(values) == 1 else tuple(values))
    return grouped


def _smallest_image(images: list[dict] | None) -> str:
    return min(images, key=lambda image: image["width"])["key"] if images else ""


def _track_documents(ids: list[int]) -> tuple[list[Document], set[int], dict[int, tuple[int, list[int]]]]:
    """The documents of the ready ones among `ids`, the ids indexed, and every track's album and
    credited artists (ready or not: a track leaving ready may hide its album)."""
    rows = list(
        Track.objects.filter(pk__in=ids).values_list(
            "pk",
            "public_id",
            "title",
            "isrc",
            "popularity",
            "ingest_state",
            "album_id",
            "album__title",
            "album__release_date",
            "album__images",
        )  # fmt: skip
    )
    credits = _grouped(
        TrackArtist.objects.filter(track_id__in=ids)
        .order_by("track_id", "position")
        .values_list("track_id", "artist_id", "artist__name")
    )
    genres = _grouped(Track.genres.through.objects.filter(track_id__in=ids).values_list("track_id", "genre__slug"))
    names = {pk: [name for _, name in credited] for pk, credited in credits.items()}
    documents = [
        Document(
            object_id=pk,
            public_id=public_id,
            name=title,
            subtitle=", ".join(names.get(pk, [])),
            image_key=_smallest_image(images),
            artists=names.get(pk, []),
            album=album_title,
            genres=genres[pk],
            code=isrc or "",
            year_from=released.year,
            year_to=released.year,
            released_on=released,
            popularity=popularity,
        )
        for pk, public_id, title, isrc, popularity, state, _, album_title, released, images in rows
        if state == IngestState.READY
    ]
    related = {row[0]: (row[6], [artist for artist, _ in credits.get(row[0], [])]) for row in rows}
    return documents, {document.object_id for document in documents}, related


def _album_documents(ids: list[int]) -> tuple[list[Document], set[int]]:
    rows = list(
        Album.objects.filter(pk__in=ids)
        .annotate(ready=Count("tracks", filter=Q(tracks__ingest_state=IngestState.READY)))
        .annotate(top=Max("tracks__popularity", filter=Q(tracks__ingest_state=IngestState.READY)))
        .filter(ready__gt=0)
        .values_list("pk", "public_id", "title", "upc", "release_date", "images", "top")
    )
    credits = _grouped(
        AlbumArtist.objects.filter(album_id__in=ids)
        .order_by("album_id", "position")
        .values_list("album_id", "artist__name")
    )
    documents = [
        Document(
            object_id=pk,
            public_id=public_id,
            name=title,
            subtitle=", ".join(credits[pk]),
            image_key=_smallest_image(images),
            artists=credits[pk],
            code=upc or "",
            year_from=released.year,
            year_to=released.year,
            released_on=released,
            popularity=top or 0,
        )
        for pk, public_id, title, upc, released, images, top in rows
    ]
    return documents, {document.object_id for document in documents}


def _artist_documents(ids: list[int]) -> tuple[list[Document], set[int]]:
    spans = {
        row["artist_id"]: row
        for row in TrackArtist.objects.filter(artist_id__in=ids, track__ingest_state=IngestState.READY)
        .values("artist_id")
        .annotate(first=Min("track__album__release_date"), last=Max("track__album__release_date"))
        .order_by()
    }
    genres = _grouped(
        Artist.genres.through.objects.filter(artist_id__in=list(spans)).values_list("artist_id", "genre__slug")
    )
    documents = [
        Document(
            object_id=pk,
            public_id=public_id,
            name=name,
            subtitle="Artist",
            image_key=_smallest_image(images),
            genres=genres[pk],
            year_from=spans[pk]["first"].year,
            year_to=spans[pk]["last"].year,
            released_on=spans[pk]["first"],
            popularity=popularity,
        )
        for pk, public_id, name, images, popularity in Artist.objects.filter(pk__in=list(spans)).values_list(
            "pk", "public_id", "name", "images", "popularity"
        )
    ]
    return documents, {document.object_id for document in documents}


def _album_and_artist_documents(album_ids: set[int], artist_ids: set[int]) -> None:
    for chunk in _chunks(album_ids):
        documents, indexed = _album_documents(chunk)
        _save({SearchKind.ALBUM: documents})
        search_documents_delete(kind=SearchKind.ALBUM, object_ids=set(chunk) - indexed)
    for chunk in _chunks(artist_ids):
        documents, indexed = _artist_documents(chunk)
        _save({SearchKind.ARTIST: documents})
        search_documents_delete(kind=SearchKind.ARTIST, object_ids=set(chunk) - indexed)


def catalog_reindex(
    *,
    tracks: Iterable[int] = (),
    albums: Iterable[int] = (),
    artists: Iterable[int] = (),
    track_documents: Iterable[int] = (),
    album_documents: Iterable[int] = (),
    artist_documents: Iterable[int] = (),
) -> None:
    """Re-index what changed and what shows it. `tracks`, `albums`, `artists`: rows whose own
    fields changed, so everything that shows them is redone: a track's album and artists (whether
    they can be found depends on it); an album's tracks (they carry its title and year) and
    artists; an artist's tracks and albums (they carry the name). `track_documents`,
    `album_documents`, `artist_documents`: only those documents (a credit added or removed
    changes what the track, album or artist document says, not the other rows)."""
    tracks, albums, artists = set(tracks), set(albums), set(artists)
    album_docs, artist_docs = set(album_documents) | albums, set(artist_documents) | artists
    if artists:
        tracks |= set(TrackArtist.objects.filter(artist_id__in=artists).values_list("track_id", flat=True))
        album_docs |= set(AlbumArtist.objects.filter(artist_id__in=artists).values_list("album_id", flat=True))
    if albums:
        tracks |= set(Track.objects.filter(album_id__in=albums).values_list("pk", flat=True))
        artist_docs |= set(AlbumArtist.objects.filter(album_id__in=albums).values_list("artist_id", flat=True))
    for chunk in _chunks(tracks | set(track_documents)):
        documents, indexed, related = _track_documents(chunk)
        for pk, (album_id, credited) in related.items():
            if pk in tracks:
                album_docs.add(album_id)
                artist_docs.update(credited)
        if len(chunk) <= 1 and len(album_docs) <= 1 and len(artist_docs) <= 2:
            # One save of a track (the common case): its documents and its album's and artists' in
            # a single write.
            album_rows, album_indexed = _album_documents(sorted(album_docs))
            artist_rows, artist_indexed = _artist_documents(sorted(artist_docs))
            _save({SearchKind.TRACK: documents, SearchKind.ALBUM: album_rows, SearchKind.ARTIST: artist_rows})
            search_documents_delete(kind=SearchKind.TRACK, object_ids=set(chunk) - indexed)
            search_documents_delete(kind=SearchKind.ALBUM, object_ids=album_docs - album_indexed)
            search_documents_delete(kind=SearchKind.ARTIST, object_ids=artist_docs - artist_indexed)
            return
        _save({SearchKind.TRACK: documents})
        search_documents_delete(kind=SearchKind.TRACK, object_ids=set(chunk) - indexed)
    _album_and_artist_documents(album_docs, artist_docs)


# --- Deferred re-indexing: once per transaction, after its commit -------------------------------
#
# One catalog write touches several rows, each with its own signal (a track, its credits, its
# genres, its album's artists), and re-indexing at each would redo the same documents several
# times. The receivers only note what changed, per connection; the documents are rebuilt once,
# right after the commit (from the rows as committed, so a rolled-back change leaves nothing), and
# before any search on the same connection, so a transaction reads its own writes.

_PENDING_KEYS = ("tracks", "albums", "artists", "track_documents", "album_documents", "artist_documents")


def _pending() -> dict[str, set[int]]:
    conn = connections[DEFAULT_DB_ALIAS]
    if not hasattr(conn, "search_pending"):
        conn.search_pending = {key: set() for key in _PENDING_KEYS}
    return conn.search_pending


def catalog_changed(**ids: Iterable[int]) -> None:
    """Note rows whose documents must be rebuilt (the arguments of `catalog_reindex`)."""
    pending = _pending()
    for key, values in ids.items():
        pending[key].update(values)
    transaction.on_commit(flush_pending, robust=True)


def flush_pending() -> None:
    """Rebuild the documents noted so far; a no-op when there are none. If it fails, the work is
    kept for the next flush."""
    pending = _pending()
    if not any(pending.values()):
        return
    work = {key: set(values) for key, values in pending.items()}
    for values in pending.values():
        values.clear()
    try:
        with transaction.atomic():
            catalog_reindex(**work)
    except Exception:
        for key, values in work.items():
            pending[key].update(values)
        raise


def search_index_missing() -> bool:
    """Ready tracks but no track documents: a database from before search was added."""
    return Track.objects.ready().exists() and not SearchDocument.objects.filter(kind=SearchKind.TRACK).exists()


def _reindex(kind: str, ids: list[int]) -> None:
    if kind == SearchKind.TRACK:
        catalog_reindex(track_documents=ids)
    elif kind == SearchKind.ALBUM:
        _album_and_artist_documents(set(ids), set())
    else:
        _album_and_artist_documents(set(), set(ids))


def catalog_rebuild(*, log=lambda _: None) -> dict[str, int]:
    """Everything, from the catalog's rows (after a restore, or to repair an index)."""
    counts = {}
    for kind, model in ((SearchKind.ARTIST, Artist), (SearchKind.ALBUM, Album), (SearchKind.TRACK, Track)):
        ids = list(model.objects.values_list("pk", flat=True))
        known = set(SearchDocument.objects.filter(kind=kind).values_list("object_id", flat=True))
        for start in range(0, len(ids), 20 * BATCH):
            with transaction.atomic():
                _reindex(kind, ids[start : start + 20 * BATCH])
            log(f"  {kind}s: {min(start + 20 * BATCH, len(ids)):,} / {len(ids):,}")
        search_documents_delete(kind=kind, object_ids=known - set(ids))
        counts[kind] = SearchDocument.objects.filter(kind=kind).count()
    return counts
