"""Reads of the catalog that listeners see: only ready tracks, albums that have some."""

from __future__ import annotations

from django.db.models import Count, F, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from apps.catalog.availability import Listener, playable_q
from apps.catalog.models import Album, AlbumArtist, Artist, IngestState, Track, TrackArtist
from apps.catalog.offerable import offerable_tracks
from apps.catalog.track_facts import TrackFacts, soft_track_facts
from apps.common.errors import ApplicationError, NotFound
from apps.common.ids import is_public_id

READY = Q(tracks__ingest_state=IngestState.READY)


def require_public_id(value: str) -> str:
    if not is_public_id(value):
        raise ApplicationError(f"Invalid base62 id: {value!r}.")
    return value


def tracks_by_ids(ids: list[str]) -> dict[str, Track]:
    rows = Track.objects.ready().with_relations().filter(public_id__in=ids)
    return {track.public_id: track for track in rows}


def ready_track_pks(ids: list[str]) -> dict[str, int]:
    """Public id -> database id of the ready tracks among `ids` (one query, no relations)."""
    # No order: the model's default joins the album to sort by its release, for nothing.
    return dict(Track.objects.ready().filter(public_id__in=ids).order_by().values_list("public_id", "pk"))


def artist_pks(ids: list[str]) -> dict[str, int]:
    return dict(Artist.objects.filter(public_id__in=ids).order_by().values_list("public_id", "pk"))


def track_get_visible(*, track_id: str) -> Track:
    track = tracks_by_ids([require_public_id(track_id)]).get(track_id)
    if track is None:
        raise NotFound("Non existing id: track not found.")
    return track


def _albums_with_counts():
    return (
        Album.objects.annotate(total_tracks=Count("tracks", filter=READY))
        .filter(total_tracks__gt=0)
        .prefetch_related(Prefetch("album_artists", queryset=AlbumArtist.objects.select_related("artist")))
    )


def albums_by_ids(ids: list[str]) -> dict[str, Album]:
    return {album.public_id: album for album in _albums_with_counts().filter(public_id__in=ids)}


def albums_by_pks(pks: list[int]) -> dict[int, Album]:
    return _albums_with_counts().in_bulk(pks)


def album_get_visible(*, album_id: str) -> Album:
    album = albums_by_ids([require_public_id(album_id)]).get(album_id)
    if album is None:
        raise NotFound("Non existing id: album not found.")
    return album


def album_tracks(album: Album):
    return (
        Track.objects.ready()
        .filter(album=album)
        .prefetch_related(Prefetch("track_artists", queryset=TrackArtist.objects.select_related("artist")))
        .order_by("disc_number", "track_number")
    )


def ready_track_counts(album_ids: list[int]) -> dict[int, int]:
    rows = Track.objects.ready().filter(album_id__in=album_ids).values("album_id").annotate(n=Count("id")).order_by()
    return {row["album_id"]: row["n"] for row in rows}


def artists_by_ids(ids: list[str]) -> dict[str, Artist]:
    rows = Artist.objects.filter(public_id__in=ids).prefetch_related("genres")
    return {artist.public_id: artist for artist in rows}


def artists_by_pks(pks: list[int]) -> dict[int, Artist]:
    """Artists loaded for `artist_full` (their genres prefetched), by database id."""
    return Artist.objects.prefetch_related("genres").in_bulk(pks)


def artist_get(*, artist_id: str) -> Artist:
    artist = artists_by_ids([require_public_id(artist_id)]).get(artist_id)
    if artist is None:
        raise NotFound("Non existing id: artist not found.")
    return artist


ALBUM_GROUPS = ("album", "single", "compilation", "appears_on")


def artist_albums(*, artist: Artist, groups: list[str]):
    """An artist's albums with Spotify's `album_group`: their own by type, or `appears_on` for
    albums of others that carry one of their tracks."""
    own = Q(album_artists__artist=artist)
    appears = Q(tracks__track_artists__artist=artist, tracks__ingest_state=IngestState.READY) & ~own
    wanted = Q(pk__in=[])
    own_types = [g for g in groups if g != "appears_on"]
    if own_types:
        wanted |= own & Q(album_type__in=own_types)
    if "appears_on" in groups:
        wanted |= Q(pk__in=Album.objects.filter(appears).values("pk"))
    ids = Album.objects.filter(wanted).values("pk")
    return _albums_with_counts().filter(pk__in=ids).order_by("-release_date", "title", "pk")


def artist_top_tracks(*, artist: Artist, limit: int = 10):
    return (
        Track.objects.ready()
        .with_relations()
        .filter(track_artists__artist=artist)
        .order_by("-popularity", "-album__release_date", "track_number", "pk")[:limit]
    )


def albums_latest(*, limit: int):
    """The newest releases that have something to play, for the home page; a scheduled release
    appears on its date, not before."""
    return (
        Album.objects.with_ready_tracks()
        .filter(release_date__lte=timezone.localdate())
        .prefetch_related(Prefetch("album_artists", queryset=AlbumArtist.objects.select_related("artist")))
        .order_by("-release_date", "-created_at", "-pk")[:limit]
    )


def albums_new_releases(*, country: str):
    """Spotify's new releases for a country: released by today (a scheduled release appears on its
    date), with a ready track that may play there, newest first; on one date the album added last
    comes first, as on the home page, and the id makes the order total so that pages never overlap.

    "May play there" on any product: a premium-only release is news to a free listener too, and
    its restriction (`product`) is what the rendered album says. Taken-down tracks never qualify."""
    playable_here = Track.objects.filter(playable_q(Listener(country=country, premium=True))).values("album_id")
    return (
        _albums_with_counts()
        .filter(release_date__lte=timezone.localdate(), pk__in=playable_here)
        .order_by("-release_date", "-pk")
    )


def playable_track_facts(track_ids, *, listener: Listener | None, allow_explicit: bool = True) -> dict[int, TrackFacts]:
    """Facts of those of `track_ids` that are ready and, for `listener`, playable now (taken-down
    tracks never are); explicit tracks left out unless allowed. Whether a track may be offered to
    a listener is memoised under the catalog version (`apps.catalog.offerable`: a rights change or
    an edit shows in the next ask once it commits); without a listener, readiness and the explicit
    flag are read in one query. What ranks and varies a list (popularity, first artist, genres)
    comes from the process's table of them (`apps.catalog.track_facts`).

    Playability is read by track (`availability.offers_for_ready`) rather than through `playable_q`: for a
    few hundred candidates PostgreSQL plans the latter's EXISTS as hashed subplans over the whole
    availability table, which grows with the catalog."""
    track_ids = list(dict.fromkeys(track_ids))
    if listener is not None:
        explicit = offerable_tracks(track_ids, listener, allow_explicit=allow_explicit)
    else:
        ready = Track.objects.ready().filter(pk__any=track_ids)
        if not allow_explicit:
            ready = ready.filter(explicit=False)
        explicit = dict(ready.order_by().values_list("pk", "explicit"))
    soft = soft_track_facts(pk for pk in track_ids if pk in explicit)
    return {pk: facts.with_explicit(explicit[pk]) for pk, facts in soft.items()}


def track_genre_ids(track_ids) -> dict[int, tuple[int, ...]]:
    """Each track's genres, from the process's table of track facts (no query for a track in it),
    whatever the track's rights: what a list's taste is made of, not what it offers."""
    return {pk: facts.genre_ids for pk, facts in soft_track_facts(track_ids).items()}


def artists_top_track_ids(artist_ids, *, per_artist: int) -> list[int]:
    """Each artist's most popular ready tracks (credited on them in any role), artist by artist."""
    ranked = (
        TrackArtist.objects.filter(artist_id__in=list(artist_ids), track__ingest_state=IngestState.READY)
        .annotate(
            nth=Window(
                RowNumber(), partition_by=[F("artist_id")], order_by=[F("track__popularity").desc(), F("track_id")]
            )
        )
        .filter(nth__lte=per_artist)
        .order_by("artist_id", "nth")
    )
    return list(dict.fromkeys(ranked.values_list("track_id", flat=True)))


def genres_top_track_ids(genre_ids, *, limit: int) -> list[int]:
    """The most popular ready tracks tagged with any of these genres."""
    rows = Track.objects.ready().filter(genres__in=list(genre_ids)).order_by("-popularity", "pk")
    return list(dict.fromkeys(rows.values_list("pk", flat=True)[: limit * 2]))[:limit]


def most_popular_track_ids(*, limit: int) -> list[int]:
    """The ready tracks of highest popularity (read off the (state, -popularity) index)."""
    return list(Track.objects.ready().order_by("-popularity", "pk").values_list("pk", flat=True)[:limit])


def albums_new_by_artists_for(*, listener: Listener, artist_ids, since, limit: int):
    """The newest releases (released since `since`, by today) of these artists, newest first, with
    the rule of `albums_new_releases` for this listener's market and tier: only albums with a ready
    track they may play there now, so a taken-down album or one that plays elsewhere (or only on
    Premium, for a free listener) never shows."""
    credited = AlbumArtist.objects.filter(artist_id__in=list(artist_ids)).values("album_id")
    playable_here = Track.objects.filter(playable_q(listener)).values("album_id")
    return (
        _albums_with_counts()
        .filter(pk__in=credited, release_date__gte=since, release_date__lte=timezone.localdate())
        .filter(pk__in=playable_here)
        .order_by("-release_date", "-created_at", "-pk")[:limit]
    )
