"""What a context URI plays: an album's tracks in order, an artist's top tracks, a list of track
URIs. Playlists join when the playlists issue lands; until then a playlist URI is not found."""

from __future__ import annotations

from django.conf import settings

from apps.catalog import selectors
from apps.catalog.models import Album, Artist, Track
from apps.common.errors import ApplicationError, NotFound
from apps.common.uris import parse_uri

CONTEXT_TYPES = ("album", "artist", "playlist")


def context_tracks(context_uri: str) -> list[int]:
    parsed = parse_uri(context_uri, expected=CONTEXT_TYPES)
    if parsed.type == "album":
        album = Album.objects.filter(public_id=parsed.id).first()
        tracks = list(selectors.album_tracks(album).values_list("pk", flat=True)) if album else []
    elif parsed.type == "artist":
        artist = Artist.objects.filter(public_id=parsed.id).first()
        tracks = [t.pk for t in selectors.artist_top_tracks(artist=artist)] if artist else []
    else:
        tracks = []
    if not tracks:
        raise NotFound(f"Context not found or empty: {context_uri}.")
    return tracks[: settings.PLAYER_CONTEXT_MAX_TRACKS]


def uri_tracks(uris: list[str]) -> list[int]:
    """Track pks for a list of track URIs, in the order given; an unknown one is a 404."""
    if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
        raise ApplicationError("uris must be a non-empty list of track URIs.")
    if len(uris) > settings.PLAYER_CONTEXT_MAX_TRACKS:
        raise ApplicationError(f"uris holds at most {settings.PLAYER_CONTEXT_MAX_TRACKS} tracks.")
    ids = [parse_uri(uri, expected=("track",)).id for uri in uris]
    found = dict(Track.objects.ready().filter(public_id__in=set(ids)).values_list("public_id", "pk"))
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"Track not found: {missing[0]}.")
    return [found[i] for i in ids]


def track_pk(uri: str) -> int:
    return uri_tracks([uri])[0]
