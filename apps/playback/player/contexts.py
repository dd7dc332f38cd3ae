"""What a context URI plays: an album's tracks in order, an artist's top tracks, a playlist's
items (resolved by the playlists app through apps.catalog.contexts), a list of track URIs."""

from __future__ import annotations

from django.conf import settings

from apps.catalog import selectors
from apps.catalog.contexts import extend_context, resolve_context
from apps.catalog.models import Album, Artist, Track
from apps.common.errors import ApplicationError, NotFound
from apps.common.uris import parse_uri
from apps.playback.player.timeline import Repeat, Timeline

CONTEXT_TYPES = ("album", "artist", "playlist")


def _collection_owner(context_uri: str) -> str | None:
    """The user id of a liked-songs context, Spotify's `spotify:user:<id>:collection`."""
    parts = context_uri.split(":") if isinstance(context_uri, str) else []
    if (
        len(parts) == 4
        and parts[0] in settings.URI_SCHEMES_ACCEPTED
        and parts[1] == "user"
        and parts[3] == "collection"
    ):
        return parts[2]
    return None


def context_tracks(context_uri: str, user=None) -> list[int]:
    owner_id = _collection_owner(context_uri)
    if owner_id is not None:
        # Only your own liked songs: another user's collection is not found, like a private playlist.
        mine = user is not None and getattr(user, "public_id", None) == owner_id
        tracks = (resolve_context("collection", user, owner_id) or []) if mine else []
        if not tracks:
            raise NotFound(f"Context not found or empty: {context_uri}.")
        return tracks[: settings.PLAYER_CONTEXT_MAX_TRACKS]
    parsed = parse_uri(context_uri, expected=CONTEXT_TYPES)
    if parsed.type == "album":
        album = Album.objects.filter(public_id=parsed.id).first()
        tracks = list(selectors.album_tracks(album).values_list("pk", flat=True)) if album else []
    elif parsed.type == "artist":
        artist = Artist.objects.filter(public_id=parsed.id).first()
        tracks = [t.pk for t in selectors.artist_top_tracks(artist=artist)] if artist else []
    else:
        tracks = resolve_context(parsed.type, user, parsed.id) or []
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


EXTEND_WITHIN = 3  # tracks left in the context when a growing context (a radio) is asked for more


def grown_if_ending(timeline: Timeline, context_uri: str, user) -> Timeline:
    """The timeline with more tracks at its end when its context is a station nearly played out
    (apps.catalog.contexts extenders); unchanged otherwise, and always within the context cap."""
    if timeline.remaining > EXTEND_WITHIN or timeline.repeat != Repeat.OFF or not context_uri:
        return timeline
    room = settings.PLAYER_CONTEXT_MAX_TRACKS - len(timeline.context)
    parts = context_uri.split(":")
    if room <= 0 or len(parts) != 3 or parts[1] != "playlist":
        return timeline
    return timeline.extended(extend_context("playlist", user, parts[2], list(timeline.context))[:room])
