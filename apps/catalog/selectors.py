"""Reads of the catalog that listeners see: only ready tracks, albums that have some."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from apps.catalog.models import Album, AlbumArtist, Artist, IngestState, Track, TrackArtist
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
