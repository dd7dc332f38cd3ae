"""Keeping the search read model current: in the transaction that changes what it shows.

Tracks, albums and artists are indexed here from the catalog's rows; other apps hand their
documents in through `search_documents_save` / `search_documents_delete` (playlists do). Only what
a listener may find is indexed: ready tracks, albums and artists that have one, and what other
apps choose (public playlists). Availability is not copied in: it changes by territory and time,
and search asks the availability read model for the few results it shows.

Every write is computed from the rows as they are now, so running it twice, or for ids that
vanished, is harmless; `manage.py rebuild_search_index` runs it for everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.cache import cache
from django.db import connection, transaction
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
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY) or 1
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
    """Add the words of `rows` to the vocabulary (with their one-deletion variants), and raise the
    weight of known words that a more popular document now holds."""
    weights: dict[str, int] = {}
    for row in rows:
        for column in (row.name_terms, row.artist_terms, row.album_terms):
            for term in column.split():
                if analysis.fuzzy_allowed(term) and len(term) <= TERM_MAX and weights.get(term, -1) < row.popularity:
                    weights[term] = row.popularity
    if not weights:
        return
    known = dict(SearchTerm.objects.filter(term__in=list(weights)).values_list("term", "weight"))
    new = [term for term in weights if term not in known]
    SearchTerm.objects.bulk_create([SearchTerm(term=t, weight=weights[t]) for t in new], ignore_conflicts=True)
    SearchTermVariant.objects.bulk_create(
        [SearchTermVariant(variant=v, term=t) for t in new for v in {t, *analysis.deletions(t)}],
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
    if not documents:
        return
    rows = [_row(kind, document) for document in documents]
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
        _replace_by_copy(kind, rows)
    else:
        SearchDocument.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=list(_FIELDS),
            batch_size=1_000,
        )
    _learn_terms(rows)
    _bump_after_commit()
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


def _grouped(pairs) -> dict[int, list[str]]:
    """(owner id, value) pairs -> owner id: its values, in the order given."""
    grouped: dict[int, list[str]] = defaultdict(list)
    for owner, value in pairs:
        grouped[owner].append(value)
    return grouped


def _smallest_image(images: list[dict] | None) -> str:
    return min(images, key=lambda image: image["width"])["key"] if images else ""


def _track_documents(ids: list[int]) -> tuple[list[Document], set[int]]:
    rows = list(
        Track.objects.filter(READY, pk__in=ids).values_list(
            "pk", "public_id", "title", "isrc", "popularity", "album__title", "album__release_date", "album__images"
        )
    )
    credits = _grouped(
        TrackArtist.objects.filter(track_id__in=ids)
        .order_by("track_id", "position")
        .values_list("track_id", "artist__name")
    )
    genres = _grouped(Track.genres.through.objects.filter(track_id__in=ids).values_list("track_id", "genre__slug"))
    documents = [
        Document(
            object_id=pk,
            public_id=public_id,
            name=title,
            subtitle=", ".join(credits[pk]),
            image_key=_smallest_image(images),
            artists=credits[pk],
            album=album_title,
            genres=genres[pk],
            code=isrc or "",
            year_from=released.year,
            year_to=released.year,
            released_on=released,
            popularity=popularity,
        )
        for pk, public_id, title, isrc, popularity, album_title, released, images in rows
    ]
    return documents, {document.object_id for document in documents}


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


_BUILDERS = {
    SearchKind.TRACK: _track_documents,
    SearchKind.ALBUM: _album_documents,
    SearchKind.ARTIST: _artist_documents,
}


def _reindex(kind: str, ids: Iterable[int]) -> None:
    for chunk in _chunks(ids):
        documents, indexed = _BUILDERS[kind](chunk)
        search_documents_save(kind=kind, documents=documents)
        search_documents_delete(kind=kind, object_ids=set(chunk) - indexed)


def catalog_reindex(
    *,
    tracks: Iterable[int] = (),
    albums: Iterable[int] = (),
    artists: Iterable[int] = (),
    album_documents: Iterable[int] = (),
    artist_documents: Iterable[int] = (),
) -> None:
    """Re-index what changed and what shows it. `tracks`, `albums`, `artists`: rows whose own
    fields changed, so everything that shows them is redone: a track's album and artists (whether
    they can be found depends on it); an album's tracks (they carry its title and year) and
    artists; an artist's tracks and albums (they carry the name). `album_documents`,
    `artist_documents`: only those documents (a credit added or removed changes what the album or
    artist document says, not the other rows)."""
    tracks, albums, artists = set(tracks), set(albums), set(artists)
    album_docs, artist_docs = set(album_documents) | albums, set(artist_documents) | artists
    if artists:
        tracks |= set(TrackArtist.objects.filter(artist_id__in=artists).values_list("track_id", flat=True))
        album_docs |= set(AlbumArtist.objects.filter(artist_id__in=artists).values_list("album_id", flat=True))
    if albums:
        tracks |= set(Track.objects.filter(album_id__in=albums).values_list("pk", flat=True))
        artist_docs |= set(AlbumArtist.objects.filter(album_id__in=albums).values_list("artist_id", flat=True))
    for chunk in _chunks(tracks):
        album_docs |= set(Track.objects.filter(pk__in=chunk).values_list("album_id", flat=True))
        artist_docs |= set(TrackArtist.objects.filter(track_id__in=chunk).values_list("artist_id", flat=True))
    _reindex(SearchKind.TRACK, tracks)
    _reindex(SearchKind.ALBUM, album_docs)
    _reindex(SearchKind.ARTIST, artist_docs)


def search_index_missing() -> bool:
    """Ready tracks but no track documents: a database from before search was added."""
    return Track.objects.ready().exists() and not SearchDocument.objects.filter(kind=SearchKind.TRACK).exists()


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
