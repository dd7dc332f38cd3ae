"""Who may do what to a playlist.

Private playlists do not exist (404) for anyone but the owner, the collaborators and the listener
the platform made it for (`made_for`); a public one
can be read by anyone signed in, and an outsider's edit is refused with 403. Collaborators add,
remove and reorder; only the owner changes the details, the collaborators and deletes.
"""

from __future__ import annotations

import secrets

from apps.common.errors import NotFound, PermissionDenied
from apps.playlists.models import Playlist, PlaylistCollaborator

NOT_FOUND = "Playlist not found."


def playlist_not_found() -> NotFound:
    return NotFound(NOT_FOUND)


def invite_token_matches(playlist: Playlist, token) -> bool:
    """Whether `token` is the playlist's live invite secret (only a collaborative playlist has one
    that works), compared in constant time."""
    return bool(
        playlist.collaborative
        and playlist.invite_token
        and isinstance(token, str)
        and secrets.compare_digest(token.encode(), playlist.invite_token.encode())
    )


def is_collaborator(user, playlist: Playlist) -> bool:
    """Asked several times per request (read, then edit checks, before and under the row lock);
    answered once per playlist instance, and a freshly locked instance asks again."""
    if not user.is_authenticated:
        return False
    known = playlist.__dict__.setdefault("_collaborators_known", {})
    if user.pk not in known:
        known[user.pk] = PlaylistCollaborator.objects.filter(playlist=playlist, user=user).exists()
    return known[user.pk]


def forget_collaborators(playlist: Playlist) -> None:
    """After a change to who collaborates: the instance asks the database again."""
    playlist.__dict__.pop("_collaborators_known", None)


def can_read(user, playlist: Playlist) -> bool:
    if playlist.public:
        return True
    if not user.is_authenticated:
        return False
    # Collaborators see a private playlist while it is collaborative; turning that off ends it.
    # A playlist made for a listener reads as theirs (but only its owner, the platform, edits it).
    return (
        playlist.owner_id == user.pk
        or playlist.made_for_id == user.pk
        or (playlist.collaborative and is_collaborator(user, playlist))
    )


def require_readable(user, playlist: Playlist) -> None:
    if playlist.deleted_at is not None or not can_read(user, playlist):
        raise playlist_not_found()


def can_edit_items(user, playlist: Playlist) -> bool:
    if not user.is_authenticated:
        return False
    if playlist.owner_id == user.pk:
        return True
    return playlist.collaborative and is_collaborator(user, playlist)


def require_item_editor(user, playlist: Playlist) -> None:
    require_readable(user, playlist)
    if not can_edit_items(user, playlist):
        raise PermissionDenied("You cannot edit this playlist: only its owner and collaborators can.")


def require_owner(user, playlist: Playlist) -> None:
    require_readable(user, playlist)
    if playlist.owner_id != user.pk:
        raise PermissionDenied("Only the playlist's owner can do this.")
