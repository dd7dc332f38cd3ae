"""The library: liked songs, saved albums, followed artists, listeners and playlists.

Saving is idempotent (saving twice keeps the first time it was saved); every id is checked before
anything is written, so a request naming one unknown id writes nothing and says which.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from apps.catalog.models import Album, Artist, Track
from apps.common.errors import ApplicationError
from apps.common.uris import build_uri, parse_uri
from apps.playlists import services
from apps.playlists.models import FollowedArtist, FollowedUser, Playlist, PlaylistFollow, SavedAlbum, SavedTrack
from apps.playlists.selectors import playlist_for


@dataclass(frozen=True)
class Shelf:
    saved: type[models.Model]
    owner_field: str  # the saving user's column
    item_field: str  # the saved thing's column
    time_field: str

    def items(self):
        """The things that can be saved: what listeners can see."""
        if self.item_field == "track":
            return Track.objects.ready()
        if self.item_field == "album":
            return Album.objects.filter(tracks__in=Track.objects.ready()).distinct()
        if self.item_field == "artist":
            return Artist.objects.all()
        return get_user_model().objects.filter(is_active=True)


SHELVES = {
    "track": Shelf(SavedTrack, "user", "track", "added_at"),
    "album": Shelf(SavedAlbum, "user", "album", "added_at"),
    "artist": Shelf(FollowedArtist, "user", "artist", "followed_at"),
    "user": Shelf(FollowedUser, "follower", "followee", "followed_at"),
}


def _resolve(kind: str, ids: list[str], *, visible: bool = True) -> dict[str, int]:
    """public id -> pk for every id; a 400 naming the unknown ones. Saving takes only what
    listeners can see; removing also takes what has since gone (a taken-down album stays
    removable from your library)."""
    candidates = SHELVES[kind].items() if visible else SHELVES[kind].items().model.objects.all()
    found = dict(candidates.filter(public_id__in=set(ids)).values_list("public_id", "pk"))
    unknown = [i for i in dict.fromkeys(ids) if i not in found]
    if unknown:
        named = ", ".join(build_uri(kind, i) for i in unknown[:10])
        raise ApplicationError(f"Unknown {kind}(s): {named}. Nothing was changed.")
    return found


def save(*, user, kind: str, ids: list[str]) -> None:
    shelf = SHELVES[kind]
    found = _resolve(kind, ids)
    if kind == "user" and user.pk in found.values():
        raise ApplicationError("You cannot follow yourself.")
    now = timezone.now()
    rows = [
        shelf.saved(**{f"{shelf.owner_field}_id": user.pk, f"{shelf.item_field}_id": pk, shelf.time_field: now})
        for pk in dict.fromkeys(found[i] for i in ids)
    ]
    shelf.saved.objects.bulk_create(rows, ignore_conflicts=True)


def remove(*, user, kind: str, ids: list[str]) -> None:
    """Ids that exist but are not saved are nothing to remove; unknown ones are still an error."""
    shelf = SHELVES[kind]
    found = _resolve(kind, ids, visible=False)
    shelf.saved.objects.filter(**{shelf.owner_field: user, f"{shelf.item_field}_id__in": found.values()}).delete()


def contains(*, user, kind: str, ids: list[str]) -> list[bool]:
    shelf = SHELVES[kind]
    saved = set(
        shelf.saved.objects.filter(**{shelf.owner_field: user, f"{shelf.item_field}__public_id__in": ids}).values_list(
            f"{shelf.item_field}__public_id", flat=True
        )
    )
    return [i in saved for i in ids]


def followers_count(*, user) -> int:
    return FollowedUser.objects.filter(followee=user).count()


def saved(*, user, kind: str):
    """The user's saved rows of a kind, newest first, with the saved thing joined."""
    shelf = SHELVES[kind]
    rows = shelf.saved.objects.filter(**{shelf.owner_field: user}).select_related(shelf.item_field)
    return rows.order_by(f"-{shelf.time_field}", "-id")


# --- `/v1/me/library?uris=` (spotipy 2.26): any mix of kinds, playlists included ----------------

LIBRARY_KINDS = ("track", "album", "artist", "user", "playlist")


def parse_library_uris(uris: list[str]) -> dict[str, list[str]]:
    by_kind: dict[str, list[str]] = {}
    bad = []
    for uri in uris:
        try:
            parsed = parse_uri(uri, expected=LIBRARY_KINDS)
        except ApplicationError:
            bad.append(uri)
            continue
        by_kind.setdefault(parsed.type, []).append(parsed.id)
    if bad:
        raise ApplicationError(f"Invalid URI(s): {', '.join(repr(u[:100]) for u in bad[:10])}. Nothing was changed.")
    return by_kind


def _playlists(user, ids: list[str]) -> list[Playlist]:
    return [playlist_for(user, i) for i in dict.fromkeys(ids)]


def library_save(*, user, uris: list[str]) -> None:
    by_kind = parse_library_uris(uris)
    with transaction.atomic():
        for kind, ids in by_kind.items():
            if kind == "playlist":
                for playlist in _playlists(user, ids):
                    services.playlist_follow(user=user, playlist=playlist)
            else:
                save(user=user, kind=kind, ids=ids)


def library_remove(*, user, uris: list[str]) -> None:
    by_kind = parse_library_uris(uris)
    with transaction.atomic():
        for kind, ids in by_kind.items():
            if kind == "playlist":
                for playlist in _playlists(user, ids):
                    services.playlist_unfollow(user=user, playlist=playlist)
            else:
                remove(user=user, kind=kind, ids=ids)


def library_contains(*, user, uris: list[str]) -> list[bool]:
    answers: dict[str, bool] = {}
    for kind, ids in parse_library_uris(uris).items():
        if kind == "playlist":
            followed = set(
                PlaylistFollow.objects.filter(
                    user=user, playlist__public_id__in=ids, playlist__deleted_at__isnull=True
                ).values_list("playlist__public_id", flat=True)
            )
            answers.update({build_uri(kind, i): i in followed for i in ids})
        else:
            answers.update(
                {build_uri(kind, i): v for i, v in zip(ids, contains(user=user, kind=kind, ids=ids), strict=True)}
            )
    return [answers[build_uri(parse_uri(u).type, parse_uri(u).id)] for u in uris]
