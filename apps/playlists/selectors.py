"""Reads of playlists, each a fixed number of queries whatever the playlist's length."""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from apps.catalog.models import Album, IngestState, Track
from apps.common.errors import ApplicationError
from apps.common.ids import is_public_id
from apps.playlists import access
from apps.playlists.models import (
    FollowedArtist,
    FollowedUser,
    Playlist,
    PlaylistCollaborator,
    PlaylistEntry,
    PlaylistFollow,
    SavedTrack,
)


def playlists_with_counts():
    """Playlists with what their objects show: the follower count, and the album whose cover stands
    for the playlist (its first track's) until it has one of its own."""
    first_album = PlaylistEntry.objects.filter(playlist=OuterRef("pk")).order_by("key").values("track__album_id")[:1]
    return (
        Playlist.live.select_related("owner")
        .annotate(followers_total=Count("follows", distinct=True))
        .annotate(cover_album_id=Subquery(first_album))
    )


def cover_images(playlists) -> dict[int, list[dict]]:
    """Playlist pk -> its cover's images: its own (uploaded, or made by the worker), else, until
    the worker has made one, its first album's (see playlists_with_counts)."""
    album_ids = {p.cover_album_id for p in playlists if p.cover_album_id and not p.images}
    albums = dict(Album.objects.filter(pk__in=album_ids).values_list("pk", "images"))
    return {p.pk: p.images or albums.get(p.cover_album_id, []) for p in playlists}


def playlist_for(user, playlist_id: str) -> Playlist:
    """The playlist if `user` may see it; 404 alike for one that does not exist and one they may
    not see."""
    if not is_public_id(playlist_id):
        raise ApplicationError(f"Invalid base62 id: {playlist_id!r}.")
    playlist = playlists_with_counts().filter(public_id=playlist_id).first()
    if playlist is None:
        raise access.playlist_not_found()
    access.require_readable(user, playlist)
    return playlist


def playlist_by_id(playlist_id: str) -> Playlist:
    """Without a read check: for an invite link, whose secret is the permission."""
    playlist = Playlist.live.filter(public_id=playlist_id).first() if is_public_id(playlist_id) else None
    if playlist is None:
        raise access.playlist_not_found()
    return playlist


def playlist_track_ids(user, playlist_id: str) -> list[int] | None:
    """The track pks of a playlist in order, for the player; None if `user` may not see it."""
    playlist = Playlist.live.filter(public_id=playlist_id).first() if is_public_id(playlist_id) else None
    if playlist is None or not access.can_read(user, playlist):
        return None
    return list(PlaylistEntry.objects.filter(playlist=playlist).order_by("key").values_list("track_id", flat=True))


def liked_rows(user):
    """Liked songs that can be shown, newest first: the Liked Songs page and the player's
    `spotify:user:<id>:collection` context read the same rows."""
    rows = SavedTrack.objects.filter(user=user, track__ingest_state=IngestState.READY)
    return rows.select_related("track").order_by("-added_at", "-id")


def liked_track_ids(user, user_id: str) -> list[int]:
    """Liked songs as the player plays them; the player asks only for the user's own."""
    return list(liked_rows(user).values_list("track_id", flat=True))


def playlist_duration_ms(playlist: Playlist) -> int:
    """The sum of the items' durations: one aggregate over the playlist's entries."""
    total = PlaylistEntry.objects.filter(playlist=playlist).aggregate(total=Sum("track__duration_ms"))["total"]
    return total or 0


def entries_page(playlist: Playlist, *, offset: int, limit: int) -> list[PlaylistEntry]:
    """One page of entries in order, each with its track loaded for rendering."""
    entries = list(
        PlaylistEntry.objects.filter(playlist=playlist)
        .order_by("key")
        .select_related("added_by")[offset : offset + limit]
    )
    tracks = Track.objects.with_relations().in_bulk({e.track_id for e in entries})
    for entry in entries:
        entry.track = tracks[entry.track_id]
    return entries


def library_playlists(user):
    """The playlists in `user`'s library: those they own, follow or collaborate on, most recently
    added first; a followed playlist that has since gone private is left out."""
    followed = PlaylistFollow.objects.filter(user=user).values("playlist_id")
    collaborating = PlaylistCollaborator.objects.filter(user=user).values("playlist_id")
    visible = Q(public=True) | Q(owner=user) | Q(made_for=user) | Q(pk__in=collaborating, collaborative=True)
    # Newest in the library first: when the user followed (or made) it, else when it was made.
    added = PlaylistFollow.objects.filter(user=user, playlist=OuterRef("pk")).values("followed_at")[:1]
    rows = playlists_with_counts().filter(Q(pk__in=followed) | Q(pk__in=collaborating)).filter(visible)
    return rows.annotate(added_at=Coalesce(Subquery(added), F("created_at"))).order_by("-added_at", "-pk")


def public_playlists_of(owner):
    """What a profile shows: the public playlists `owner` made, and those they follow publicly."""
    followed = PlaylistFollow.objects.filter(user=owner, public=True).values("playlist_id")
    return playlists_with_counts().filter(Q(owner=owner) | Q(pk__in=followed), public=True).order_by("-created_at")


def followers_contain(playlist: Playlist, user_ids: list[str], *, asker) -> list[bool]:
    """Whether each listener follows the playlist; a private follow is told only to the follower."""
    follows = PlaylistFollow.objects.filter(playlist=playlist, user__public_id__in=user_ids)
    follows = follows.filter(Q(public=True) | Q(user=asker))
    following = set(follows.values_list("user__public_id", flat=True))
    return [user_id in following for user_id in user_ids]


def followed_user_ids(user) -> list[int]:
    """The listeners `user` follows who share their activity."""
    rows = FollowedUser.objects.filter(follower=user, followee__share_activity=True, followee__is_active=True)
    return list(rows.values_list("followee_id", flat=True))


def public_playlists_made_by(*, user_ids, since, limit: int) -> list[Playlist]:
    rows = playlists_with_counts().filter(owner_id__in=user_ids, public=True, created_at__gte=since)
    return list(rows.order_by("-created_at")[:limit])


def readable_playlist_ids(user, public_ids) -> set[str]:
    """Which of these playlists `user` may see (for naming a friend's play context)."""
    rows = Playlist.live.filter(public_id__in=set(public_ids))
    collaborating = PlaylistCollaborator.objects.filter(user=user).values("playlist_id")
    rows = rows.filter(Q(public=True) | Q(owner=user) | Q(made_for=user) | Q(pk__in=collaborating, collaborative=True))
    return set(rows.values_list("public_id", flat=True))


def saved_track_pairs(user_ids=None) -> list[tuple[int, int]]:
    """(user id, track id) of every liked song, of the given listeners or of everyone."""
    rows = SavedTrack.objects.all() if user_ids is None else SavedTrack.objects.filter(user_id__in=user_ids)
    return list(rows.values_list("user_id", "track_id"))


def own_playlist_track_pairs(user_ids=None) -> list[tuple[int, int]]:
    """(owner id, track id), once each, of what listeners put in playlists they made themselves
    (not those the platform made for them), of the given listeners or of everyone."""
    entries = PlaylistEntry.objects.filter(playlist__deleted_at__isnull=True, playlist__generator="")
    if user_ids is not None:
        entries = entries.filter(playlist__owner_id__in=user_ids)
    return list(entries.values_list("playlist__owner_id", "track_id").distinct())


def followed_artist_ids(user) -> list[int]:
    """The artists `user` follows, most recently followed first."""
    rows = FollowedArtist.objects.filter(user=user).order_by("-followed_at", "-pk")
    return list(rows.values_list("artist_id", flat=True))
