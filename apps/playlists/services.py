"""Writes to playlists. Every edit locks the playlist's row, checks who may make it under that lock,
writes the entries, bumps the version and logs the change, in one transaction: concurrent appends
queue on the lock and land in arrival order, and a failed check leaves nothing behind.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.catalog.models import Track
from apps.common.errors import ApplicationError, PermissionDenied
from apps.common.uris import build_uri
from apps.playlists import access, history
from apps.playlists.models import (
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
    ChangeOperation,
    Playlist,
    PlaylistChange,
    PlaylistCollaborator,
    PlaylistEntry,
    PlaylistFollow,
)
from apps.playlists.ordering import keys_between
from apps.playlists.positions import Positions
from apps.playlists.snapshots import snapshot_id, snapshot_version
from apps.playlists.tasks import refresh_cover


@dataclass(frozen=True)
class RemoveItem:
    track_id: str  # public id
    positions: tuple[int, ...] | None = None


# --- Details ------------------------------------------------------------------------------------


def _clean_text(value, *, field: str, maximum: int, required: bool) -> str:
    if not isinstance(value, str):
        raise ApplicationError(f"{field} must be a string.")
    cleaned = "".join(c for c in value if unicodedata.category(c) != "Cc").strip()
    if required and not cleaned:
        raise ApplicationError(f"{field} must not be empty.")
    if len(cleaned) > maximum:
        raise ApplicationError(f"{field} is too long: at most {maximum} characters.")
    return cleaned


def _clean_flag(value, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise ApplicationError(f"{field} must be true or false.")
    return value


def _clean_details(fields: dict, *, current: Playlist | None) -> dict:
    allowed = {"name", "description", "public", "collaborative"}
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ApplicationError(f"Unknown playlist field(s): {', '.join(unknown)}.")
    cleaned = {}
    if "name" in fields or current is None:
        cleaned["name"] = _clean_text(fields.get("name"), field="name", maximum=NAME_MAX_LENGTH, required=True)
    if "description" in fields and fields["description"] is not None:
        cleaned["description"] = _clean_text(
            fields["description"], field="description", maximum=DESCRIPTION_MAX_LENGTH, required=False
        )
    for flag in ("public", "collaborative"):
        if fields.get(flag) is not None:
            cleaned[flag] = _clean_flag(fields[flag], field=flag)
    public = cleaned.get("public", current.public if current else True)
    collaborative = cleaned.get("collaborative", current.collaborative if current else False)
    if public and collaborative:
        # As Spotify: a collaborative playlist is shared by invitation, not listed publicly.
        raise ApplicationError("A collaborative playlist cannot be public: set public to false.")
    return cleaned


ITEM_OPERATIONS = (
    ChangeOperation.ADD,
    ChangeOperation.REMOVE,
    ChangeOperation.MOVE,
    ChangeOperation.REPLACE,
    ChangeOperation.RESTORE,
)


def _record(playlist: Playlist, *, actor, operation: str, entries, now, positions: Positions | None = None) -> str:
    playlist.version += 1
    # An item edit changes only these (and leaves the search index alone: apps.playlists.search).
    playlist.save(update_fields=["version", "length", "updated_at"] if operation in ITEM_OPERATIONS else None)
    if positions is not None:
        positions.store_after_commit(playlist.version)
    PlaylistChange.objects.create(
        playlist=playlist, version=playlist.version, operation=operation, actor=actor, at=now, entries=entries
    )
    if operation in ITEM_OPERATIONS:
        pk = playlist.pk
        transaction.on_commit(lambda: _queue_cover_refresh(pk), robust=True)
    return snapshot_id(playlist.public_id, playlist.version)


COVER_REFRESH_DELAY_SECONDS = 5


def _queue_cover_refresh(playlist_pk: int) -> None:
    """The cover follows the first albums: rebuilt by the worker, never inside an edit, and once
    for a burst of edits: the first edit queues a refresh a few seconds ahead, and the edits until
    then ride on it (the key expires when the refresh is due, so later edits queue their own)."""
    delay = COVER_REFRESH_DELAY_SECONDS
    if cache.add(f"playlist-cover-refresh:{playlist_pk}", 1, timeout=delay):
        refresh_cover.apply_async((playlist_pk,), countdown=delay)


def playlist_create(*, owner, name, description=None, public=None, collaborative=None) -> Playlist:
    fields = {"name": name, "description": description, "public": public, "collaborative": collaborative}
    if collaborative and public is None:
        fields["public"] = False  # what a client asking for a collaborative playlist means
    cleaned = _clean_details({k: v for k, v in fields.items() if v is not None or k == "name"}, current=None)
    with transaction.atomic():
        playlist = Playlist.objects.create(owner=owner, **cleaned)
        _record(playlist, actor=owner, operation=ChangeOperation.CREATE, entries=[], now=timezone.now())
        PlaylistFollow.objects.create(playlist=playlist, user=owner, public=playlist.public)
    return playlist


def _locked(playlist: Playlist) -> Playlist:
    locked = Playlist.live.select_for_update().filter(pk=playlist.pk).first()
    if locked is None:  # deleted meanwhile
        raise access.playlist_not_found()
    return locked


def playlist_update_details(*, actor, playlist: Playlist, fields: dict) -> Playlist:
    """Last write wins, field by field: only the fields sent change."""
    with transaction.atomic():
        playlist = _locked(playlist)
        access.require_owner(actor, playlist)
        cleaned = _clean_details(fields, current=playlist)
        changed = {k: v for k, v in cleaned.items() if getattr(playlist, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(playlist, key, value)
            if changed.get("collaborative") is False:
                playlist.invite_token = ""  # an old invite link must not outlive the collaboration
            _record(playlist, actor=actor, operation=ChangeOperation.DETAILS, entries=changed, now=timezone.now())
    return playlist


def playlist_delete(*, actor, playlist: Playlist) -> None:
    with transaction.atomic():
        playlist = _locked(playlist)
        access.require_owner(actor, playlist)
        playlist.deleted_at = timezone.now()
        playlist.save(update_fields=["deleted_at", "updated_at"])


# --- Items ----------------------------------------------------------------------------------------


def _tracks_for(track_ids: list[str]) -> list[Track]:
    """The tracks, in the order asked (repeats kept); a 400 naming every unknown one. Tracks that
    cannot play somewhere stay addable, as on Spotify: they are greyed out where they cannot."""
    if not track_ids:
        raise ApplicationError("No items given: send at least one track URI.")
    if len(track_ids) > settings.PLAYLIST_MAX_ENTRIES:
        raise ApplicationError(f"Too many items: at most {settings.PLAYLIST_MAX_ENTRIES} in one request.")
    found = {t.public_id: t for t in Track.objects.ready().filter(public_id__in=set(track_ids)).only("pk", "public_id")}
    unknown = sorted({i for i in track_ids if i not in found})
    if unknown:
        named = ", ".join(build_uri("track", i) for i in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise ApplicationError(f"Unknown track(s): {named}{more}. Nothing was added.")
    return [found[i] for i in track_ids]


def _ordered(playlist: Playlist):
    return PlaylistEntry.objects.filter(playlist=playlist).order_by("key")


def _neighbours(positions: Positions, position: int) -> tuple[str | None, str | None]:
    """The keys either side of the gap before `position` (None at an end)."""
    keys = positions.between(position - 1, position + 1)
    if position <= 0:
        return None, keys[0] if keys else None
    return keys[0], keys[1] if len(keys) > 1 else None


def _check_position(value, *, field: str, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApplicationError(f"{field} must be an integer.")
    if not 0 <= value <= high:
        raise ApplicationError(f"{field} out of range: must be between 0 and {high}.")
    return value


def _check_room(playlist: Playlist, adding: int) -> None:
    if playlist.length + adding > settings.PLAYLIST_MAX_ENTRIES:
        raise ApplicationError(
            f"A playlist holds at most {settings.PLAYLIST_MAX_ENTRIES} items; this one has {playlist.length}."
        )


KEY_LENGTH_LIMIT = 48  # see _rekeyed_if_crowded


def _rekeyed_if_crowded(playlist: Playlist, order: Positions, keys: list[str], *, actor, now) -> bool:
    """Keys between two neighbours grow by about a character per six inserts at the same spot, so
    a playlist edited at one place for long would outgrow the column. When the keys an edit would
    write pass KEY_LENGTH_LIMIT, every entry gets a short key again (same order) as a version of
    its own, logged as a move of every entry so the log still replays; the caller then computes
    its keys afresh. Rare (hundreds of inserts at one spot) and bounded (10,000 rows)."""
    if max((len(key) for key in keys), default=0) <= KEY_LENGTH_LIMIT:
        return False
    entries = list(PlaylistEntry.objects.filter(playlist=playlist).order_by("key").only("pk", "key"))
    _park(entries)
    for entry, key in zip(entries, keys_between(None, None, len(entries)), strict=True):
        entry.key = key
    PlaylistEntry.objects.bulk_update(entries, ["key"], batch_size=1000)
    order.replace([entry.key for entry in entries])
    moved = [[entry.pk, entry.key] for entry in entries]
    _record(playlist, actor=actor, operation=ChangeOperation.MOVE, entries=moved, now=now, positions=order)
    return True


def _insert(playlist: Playlist, tracks: list[Track], keys: list[str], *, actor, now, attribution=None):
    rows = [
        PlaylistEntry(
            playlist=playlist,
            track=track,
            key=key,
            added_by_id=attribution[i][0] if attribution else getattr(actor, "pk", None),
            added_at=attribution[i][1] if attribution else now,
        )
        for i, (track, key) in enumerate(zip(tracks, keys, strict=True))
    ]
    PlaylistEntry.objects.bulk_create(rows, batch_size=1000)
    playlist.length += len(rows)
    return rows


def items_add(*, actor, playlist: Playlist, track_ids: list[str], position: int | None = None) -> str:
    access.require_item_editor(actor, playlist)  # who asks before what they sent: no answer depends on the body
    tracks = _tracks_for(track_ids)
    now = timezone.now()
    with transaction.atomic():
        playlist = _locked(playlist)
        access.require_item_editor(actor, playlist)
        _check_room(playlist, len(tracks))
        if position is not None:
            position = _check_position(position, field="position", high=playlist.length)
        positions = Positions(playlist)

        def new_keys() -> list[str]:
            if position is None or position == playlist.length:
                return keys_between(positions.last(), None, len(tracks))
            return keys_between(*_neighbours(positions, position), len(tracks))

        keys = new_keys()
        if _rekeyed_if_crowded(playlist, positions, keys, actor=actor, now=now):
            keys = new_keys()
        rows = _insert(playlist, tracks, keys, actor=actor, now=now)
        positions.change(added=[row.key for row in rows])
        entries = [[row.pk, row.key, row.track_id] for row in rows]
        return _record(
            playlist, actor=actor, operation=ChangeOperation.ADD, entries=entries, now=now, positions=positions
        )


@dataclass(frozen=True)
class _Snapshot:
    """A client's snapshot, replayed before the row lock is taken: a past version never changes,
    and a long history's replay must not keep the playlist's other editors waiting."""

    version: int | None
    replayed: list | None

    @classmethod
    def read(cls, playlist: Playlist, snapshot: str | None) -> _Snapshot:
        if not snapshot:
            return cls(None, None)
        version = snapshot_version(snapshot, public_id=playlist.public_id, current=playlist.version)
        return cls(version, history.entries_at(playlist, version) if version < playlist.version else None)

    def entries(self, locked: Playlist) -> tuple[list[int], list[int]] | None:
        """(entry ids, track ids) in order at the snapshot when it is older than the playlist now
        (locked), else None: positions then refer to the playlist as it is."""
        if self.version is None or self.version == locked.version:
            return None
        # Usually replayed already; an edit that landed between the read and the lock made it old.
        then = self.replayed if self.replayed is not None else history.entries_at(locked, self.version)
        return [e.entry_id for e in then], [e.track_id for e in then]


def _entries_at_positions(
    playlist: Playlist, order: Positions, positions: list[int], snapshot: _Snapshot
) -> list[tuple[int, int]]:
    """(entry id, track id) at each position, in the snapshot given or the current playlist."""
    then = snapshot.entries(playlist)
    if then is not None:
        entry_ids, track_ids = then
        return [(entry_ids[p], track_ids[p]) if p < len(entry_ids) else (None, None) for p in positions]
    if not positions:
        return []
    low, high = min(positions), max(positions)
    keys = order.between(low, high + 1)
    wanted = {keys[p - low] for p in positions if p - low < len(keys)}
    rows = {e.key: (e.pk, e.track_id) for e in _entries_by_key(playlist, list(wanted), "pk", "key", "track_id")}
    return [rows[keys[p - low]] if p - low < len(keys) else (None, None) for p in positions]


def items_remove(*, actor, playlist: Playlist, items: list[RemoveItem], snapshot: str | None = None) -> str:
    """Removes every occurrence of each track named without positions, and exactly the occurrences
    at the given positions of the others (checked against the snapshot: if one does not hold the
    track there, the whole request fails and nothing changes)."""
    access.require_item_editor(actor, playlist)
    if not items:
        raise ApplicationError("No items given: name at least one track to remove.")
    if len(items) > settings.PLAYLIST_MAX_ENTRIES:
        raise ApplicationError(f"Too many items: at most {settings.PLAYLIST_MAX_ENTRIES} in one request.")
    tracks = {t.public_id: t.pk for t in Track.objects.filter(public_id__in={i.track_id for i in items})}
    unknown = sorted({i.track_id for i in items} - set(tracks))
    if unknown:
        raise ApplicationError(f"Unknown track(s): {', '.join(build_uri('track', i) for i in unknown[:10])}.")
    replayed = _Snapshot.read(playlist, snapshot)
    now = timezone.now()
    with transaction.atomic():
        playlist = _locked(playlist)
        access.require_item_editor(actor, playlist)
        everywhere = [tracks[i.track_id] for i in items if i.positions is None]
        removing = set(_ordered(playlist).filter(track_id__in=everywhere).values_list("pk", flat=True))
        positioned = [(tracks[i.track_id], p) for i in items if i.positions is not None for p in i.positions]
        order = Positions(playlist)
        found = _entries_at_positions(playlist, order, [p for _, p in positioned], replayed)
        for (track_pk, position), (entry_id, held) in zip(positioned, found, strict=True):
            if held != track_pk:
                raise ApplicationError(
                    f"No such item at position {position} in this snapshot of the playlist. Nothing was removed."
                )
            removing.add(entry_id)
        # An entry that a newer edit already removed stays removed.
        gone = dict(PlaylistEntry.objects.filter(playlist=playlist, pk__in=removing).values_list("pk", "key"))
        if not gone:
            return snapshot_id(playlist.public_id, playlist.version)
        PlaylistEntry.objects.filter(pk__in=gone).delete()
        playlist.length -= len(gone)
        order.change(removed=gone.values())
        return _record(
            playlist, actor=actor, operation=ChangeOperation.REMOVE, entries=sorted(gone), now=now, positions=order
        )


def items_reorder(
    *, actor, playlist: Playlist, range_start, insert_before, range_length=1, snapshot: str | None = None
) -> str:
    """Moves the block [range_start, range_start + range_length) before `insert_before`, both counted
    before the move, in the snapshot given (mapped forward to the same entries) or the current one."""
    access.require_item_editor(actor, playlist)
    replayed = _Snapshot.read(playlist, snapshot)
    now = timezone.now()
    with transaction.atomic():
        playlist = _locked(playlist)
        access.require_item_editor(actor, playlist)
        then = replayed.entries(playlist)
        ordered = then[0] if then is not None else None
        size = len(ordered) if ordered is not None else playlist.length
        range_start = _check_position(range_start, field="range_start", high=max(size - 1, 0))
        range_length = _check_position(range_length, field="range_length", high=size - range_start)
        insert_before = _check_position(insert_before, field="insert_before", high=size)
        if range_length == 0 or range_start <= insert_before <= range_start + range_length:
            return snapshot_id(playlist.public_id, playlist.version)  # nothing moves
        order = Positions(playlist)

        def planned_move():
            if ordered is None:
                return _current_move(playlist, order, range_start, range_length, insert_before)
            return _mapped_move(playlist, ordered, range_start, range_length, insert_before)

        block, before, after = planned_move()
        if not block:
            return snapshot_id(playlist.public_id, playlist.version)
        keys = keys_between(before, after, len(block))
        if _rekeyed_if_crowded(playlist, order, keys, actor=actor, now=now):
            block, before, after = planned_move()
            keys = keys_between(before, after, len(block))
        if ordered is not None:
            _park(block)  # mapped neighbours may sit among the block's old keys
        old_keys = [entry.key for entry in block]
        for entry, key in zip(block, keys, strict=True):
            entry.key = key
        PlaylistEntry.objects.bulk_update(block, ["key"], batch_size=1000)
        order.change(removed=old_keys, added=[entry.key for entry in block])
        entries = [[entry.pk, entry.key] for entry in block]
        return _record(playlist, actor=actor, operation=ChangeOperation.MOVE, entries=entries, now=now, positions=order)


def _entries_by_key(playlist: Playlist, keys: list[str], *fields: str) -> list:
    rows = PlaylistEntry.objects.filter(playlist=playlist, key__in=keys).order_by("key")
    return list(rows.only(*fields)) if fields else list(rows)


def _current_move(playlist: Playlist, order: Positions, range_start: int, range_length: int, insert_before: int):
    """The block to move and the keys of its new neighbours, as the playlist is now. The new keys
    fall between two entries that are adjacent and outside the block, so they clash with no key."""
    low = max(min(range_start, insert_before - 1), 0)
    keys = order.between(low, max(range_start + range_length, insert_before + 1))
    block = _entries_by_key(playlist, keys[range_start - low : range_start - low + range_length], "pk", "key")
    before = keys[insert_before - 1 - low] if insert_before > 0 else None
    after = keys[insert_before - low] if insert_before - low < len(keys) else None
    return block, before, after


def _park(block: list[PlaylistEntry]) -> None:
    """Moves a block's keys out of the way (a unique temporary key each) so that writing its new
    keys cannot trip the unique (playlist, key) index midway."""
    parked = [PlaylistEntry(pk=entry.pk, key=f"~{entry.pk}") for entry in block]
    PlaylistEntry.objects.bulk_update(parked, ["key"], batch_size=1000)


def _mapped_move(playlist, ordered: list[int], range_start: int, range_length: int, insert_before: int):
    """A move stated against an older snapshot, applied to the same entries now: the block is the
    entries that were in the range then and still exist; they go before the first entry that was
    at or after `insert_before` then and still exists (the end if none does)."""
    wanted = ordered[range_start : range_start + range_length]
    current = {e.pk: e for e in _ordered(playlist).filter(pk__in=wanted)}
    block = [current[pk] for pk in wanted if pk in current]
    moving = set(wanted)
    anchors = [pk for pk in ordered[insert_before:] if pk not in moving]
    surviving = dict(_ordered(playlist).filter(pk__in=anchors).values_list("pk", "key"))
    anchor_key = next((surviving[pk] for pk in anchors if pk in surviving), None)
    if anchor_key is None:
        before = _ordered(playlist).exclude(pk__in=[e.pk for e in block]).values_list("key", flat=True).last()
        return block, before, None
    before = (
        _ordered(playlist)
        .filter(key__lt=anchor_key)
        .exclude(pk__in=[e.pk for e in block])
        .values_list("key", flat=True)
        .last()
    )
    return block, before, anchor_key


def items_replace(*, actor, playlist: Playlist, track_ids: list[str]) -> str:
    """Replaces every item (an empty list clears the playlist)."""
    access.require_item_editor(actor, playlist)
    tracks = _tracks_for(track_ids) if track_ids else []
    now = timezone.now()
    with transaction.atomic():
        playlist = _locked(playlist)
        access.require_item_editor(actor, playlist)
        return _replace(playlist, tracks, actor=actor, now=now, operation=ChangeOperation.REPLACE)


def _replace(playlist: Playlist, tracks, *, actor, now, operation, attribution=None) -> str:
    removed = list(_ordered(playlist).values_list("pk", flat=True))
    PlaylistEntry.objects.filter(playlist=playlist).delete()
    playlist.length = 0
    rows = _insert(
        playlist, tracks, keys_between(None, None, len(tracks)), actor=actor, now=now, attribution=attribution
    )
    order = Positions(playlist)
    order.replace([row.key for row in rows])
    added = [[row.pk, row.key, row.track_id] for row in rows]
    if attribution:
        added = [[*entry, by, at.isoformat()] for entry, (by, at) in zip(added, attribution, strict=True)]
    changes = {"removed": removed, "added": added}
    return _record(playlist, actor=actor, operation=operation, entries=changes, now=now, positions=order)


def playlist_restore(*, actor, playlist: Playlist, version) -> str:
    """The items as they were at `version`, as a new version (history is never rewritten); each
    entry keeps who added it and when."""
    now = timezone.now()
    with transaction.atomic():
        playlist = _locked(playlist)
        access.require_owner(actor, playlist)
        version = _check_position(version, field="version", high=playlist.version)
        if version < 1:
            raise ApplicationError("version out of range: must be between 1 and the current version.")
        then = history.entries_at(playlist, version)
        tracks = {t.pk: t for t in Track.objects.filter(pk__in={e.track_id for e in then}).only("pk")}
        ordered = [tracks[e.track_id] for e in then if e.track_id in tracks]
        # Who added each entry, as long as that account still exists (a deleted one reads as nobody).
        adders = {e.added_by_id for e in then if e.added_by_id is not None}
        existing = set(get_user_model().objects.filter(pk__in=adders).values_list("pk", flat=True))
        attribution = [
            (e.added_by_id if e.added_by_id in existing else None, e.added_at) for e in then if e.track_id in tracks
        ]
        return _replace(
            playlist, ordered, actor=actor, now=now, operation=ChangeOperation.RESTORE, attribution=attribution
        )


# --- Followers and collaborators ----------------------------------------------------------------


def playlist_follow(*, user, playlist: Playlist, public: bool = True) -> None:
    access.require_readable(user, playlist)
    PlaylistFollow.objects.update_or_create(playlist=playlist, user=user, defaults={"public": bool(public)})


def playlist_unfollow(*, user, playlist: Playlist) -> None:
    """Unfollowing takes a playlist out of your library; the owner's unfollow is how Spotify
    clients delete a playlist, and does so here."""
    access.require_readable(user, playlist)
    if playlist.owner_id == user.pk:
        playlist_delete(actor=user, playlist=playlist)
        return
    PlaylistFollow.objects.filter(playlist=playlist, user=user).delete()


def invite_link_rotate(*, actor, playlist: Playlist) -> str:
    """A new invite secret (the old link stops working); a playlist with a link is collaborative."""
    with transaction.atomic():
        playlist = _locked(playlist)
        access.require_owner(actor, playlist)
        playlist.invite_token = Playlist.new_invite_token()
        if not playlist.collaborative:
            playlist.collaborative, playlist.public = True, False
            changed = {"collaborative": True, "public": False}
            _record(playlist, actor=actor, operation=ChangeOperation.DETAILS, entries=changed, now=timezone.now())
        else:
            playlist.save(update_fields=["invite_token", "updated_at"])
        return playlist.invite_token


def invite_accept(*, user, playlist: Playlist, token: str) -> None:
    """Joining through an invite link: the secret stands in for read access to a private playlist;
    a wrong one is a 404 like any playlist one may not see."""
    if not access.invite_token_matches(playlist, token):
        raise access.playlist_not_found()
    if playlist.owner_id == user.pk:
        return
    with transaction.atomic():
        PlaylistCollaborator.objects.get_or_create(playlist=playlist, user=user)
        PlaylistFollow.objects.get_or_create(playlist=playlist, user=user)
    access.forget_collaborators(playlist)


def collaborators_add(*, actor, playlist: Playlist, users) -> None:
    """The owner invites people by account; a playlist with collaborators is collaborative."""
    access.forget_collaborators(playlist)  # the caller's instance, too, asks again afterwards
    with transaction.atomic():
        playlist = _locked(playlist)
        access.require_owner(actor, playlist)
        for user in users:
            if user.pk != playlist.owner_id:
                PlaylistCollaborator.objects.get_or_create(playlist=playlist, user=user)
        if not playlist.collaborative:
            playlist.collaborative, playlist.public = True, False
            changed = {"collaborative": True, "public": False}
            _record(playlist, actor=actor, operation=ChangeOperation.DETAILS, entries=changed, now=timezone.now())


def collaborator_remove(*, actor, playlist: Playlist, user) -> None:
    """The owner removes anyone; a collaborator can leave."""
    access.require_readable(actor, playlist)
    if actor.pk != user.pk and playlist.owner_id != actor.pk:
        raise PermissionDenied("Only the playlist's owner can remove a collaborator.")
    PlaylistCollaborator.objects.filter(playlist=playlist, user=user).delete()
    access.forget_collaborators(playlist)
