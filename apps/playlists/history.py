"""A playlist as it was at any version, by replaying its change log.

The log records entry ids, keys and tracks, so a replay reproduces not only which tracks were there
but which entry was which: a client's positions in an old snapshot map to the same entries today
even after other edits moved them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apps.playlists.models import ChangeOperation, Playlist, PlaylistChange


@dataclass(frozen=True)
class ReplayedEntry:
    entry_id: int
    key: str
    track_id: int
    added_by_id: int | None  # the actor of the change that added it
    added_at: datetime


def replay(changes) -> list[ReplayedEntry]:
    """The entries, in playlist order, after applying `changes` (ascending versions) to nothing."""
    entries: dict[int, ReplayedEntry] = {}

    def added(change, rows) -> None:
        for row in rows:
            entry_id, key, track_id = row[:3]
            # A restore keeps each entry's first adder and time: [id, key, track, added by, added at].
            by, at = (row[3], datetime.fromisoformat(row[4])) if len(row) == 5 else (change.actor_id, change.at)
            entries[entry_id] = ReplayedEntry(entry_id, key, track_id, by, at)

    for change in changes:
        operation, payload = change.operation, change.entries
        if operation == ChangeOperation.ADD:
            added(change, payload)
        elif operation == ChangeOperation.REMOVE:
            for entry_id in payload:
                entries.pop(entry_id, None)
        elif operation == ChangeOperation.MOVE:
            for entry_id, key in payload:
                old = entries[entry_id]
                entries[entry_id] = ReplayedEntry(entry_id, key, old.track_id, old.added_by_id, old.added_at)
        elif operation in (ChangeOperation.REPLACE, ChangeOperation.RESTORE):
            for entry_id in payload["removed"]:
                entries.pop(entry_id, None)
            added(change, payload["added"])
    return sorted(entries.values(), key=lambda entry: entry.key)


def entries_at(playlist: Playlist, version: int) -> list[ReplayedEntry]:
    changes = PlaylistChange.objects.filter(playlist=playlist, version__lte=version).only(
        "operation", "entries", "version", "actor_id", "at"
    )
    return replay(changes.order_by("version").iterator(chunk_size=500))
