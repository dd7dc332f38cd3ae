"""Many people editing one playlist at the same moment. Real threads, each with its own database
connection (PostgreSQL in the services mode, where the playlist's row lock is what queues the
edits; SQLite's IMMEDIATE transactions in the embedded mode, where the write lock does): no edit
may be lost or interleaved with another, appends land in arrival order, and the change log always
replays to exactly the entries stored."""

from __future__ import annotations

import random
import threading
from collections import Counter
from itertools import pairwise

import pytest

from apps.common.errors import ApplicationError
from apps.playlists import history, ordering, services
from apps.playlists.models import ChangeOperation, Playlist, PlaylistChange, PlaylistEntry
from apps.playlists.services import RemoveItem
from apps.playlists.snapshots import snapshot_id, snapshot_version
from tests.concurrency import run_at_once
from tests.factories import AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SEED = 20260511


def collaborative_playlist(editors: int):
    owner = UserFactory()
    collaborators = [UserFactory() for _ in range(editors)]
    playlist = services.playlist_create(owner=owner, name="Everyone's mix", collaborative=True)
    services.collaborators_add(actor=owner, playlist=playlist, users=collaborators)
    return owner, collaborators, playlist


def stored_entries(playlist: Playlist) -> list[tuple]:
    return list(
        PlaylistEntry.objects.filter(playlist=playlist)
        .order_by("key")
        .values_list("pk", "key", "track_id", "added_by_id", "added_at")
    )


def test_twenty_collaborators_appending_at_once_all_land_in_arrival_order():
    _, collaborators, playlist = collaborative_playlist(20)
    assert Playlist.objects.get(pk=playlist.pk).version == 1  # created collaborative: one change
    album = AlbumFactory()
    mine = {user.pk: [TrackFactory(album=album) for _ in range(10)] for user in collaborators}

    def append_mine(user):
        for track in mine[user.pk]:
            # As a request does: the playlist loaded afresh, then one add of one track.
            services.items_add(actor=user, playlist=Playlist.objects.get(pk=playlist.pk), track_ids=[track.public_id])

    run_at_once(*[lambda user=user: append_mine(user) for user in collaborators])

    playlist.refresh_from_db()
    entries = stored_entries(playlist)
    assert len(entries) == 200 and playlist.length == 200
    assert playlist.version == 1 + 200
    assert len({track_id for _, _, track_id, _, _ in entries}) == 200
    for user in collaborators:
        theirs = [track_id for _, _, track_id, by, _ in entries if by == user.pk]
        assert theirs == [track.pk for track in mine[user.pk]], f"user {user.pk}'s tracks out of their call order"

    adds = list(PlaylistChange.objects.filter(playlist=playlist, operation=ChangeOperation.ADD).order_by("version"))
    assert [change.version for change in adds] == list(range(2, 202))
    logged = [
        (entry_id, key, track_id, change.actor_id) for change in adds for entry_id, key, track_id in change.entries
    ]
    assert logged == [(pk, key, track_id, by) for pk, key, track_id, by, _ in entries]  # arrival order
    keys = [key for _, key, _, _, _ in entries]
    assert all(a < b for a, b in pairwise(keys)) and keys[0] == ordering.FIRST_KEY


def test_concurrent_moves_removals_and_adds_keep_the_log_replayable():
    owner, collaborators, playlist = collaborative_playlist(7)
    editors = [owner, *collaborators]
    album = AlbumFactory()
    pool = [TrackFactory(album=album) for _ in range(30)]
    public_ids = {track.pk: track.public_id for track in pool}
    # 60 entries, each track twice: removals by position must pick the right occurrence.
    services.items_add(actor=owner, playlist=playlist, track_ids=[pool[n % 30].public_id for n in range(60)])
    tally: Counter[str] = Counter()
    returned: set[int] = set()
    lock = threading.Lock()

    def note(outcome: str, snapshot: str | None = None) -> None:
        with lock:
            tally[outcome] += 1
            if snapshot is not None:
                returned.add(snapshot_version(snapshot, public_id=playlist.public_id, current=10**9))

    def random_range(rng: random.Random, length: int) -> tuple[int, int, int]:
        start = rng.randrange(length)
        return start, rng.randint(1, min(4, length - start)), rng.randint(0, length)

    def edit(user, rng: random.Random) -> None:
        for _ in range(15):
            current = Playlist.objects.get(pk=playlist.pk)
            kind = rng.choices(["move", "stale move", "remove", "add"], weights=[35, 15, 30, 20])[0]
            if kind == "move":
                # Positions in the playlist as it is now: another edit may make them invalid first.
                if not current.length:
                    continue
                start, length, before = random_range(rng, current.length)
                try:
                    note("moved", services.items_reorder(
                        actor=user, playlist=current, range_start=start, range_length=length, insert_before=before
                    ))  # fmt: skip
                except ApplicationError as error:
                    assert error.status == 400 and "out of range" in error.message, error.message
                    note("move refused: range no longer valid")
            elif kind == "stale move":
                # Positions in the snapshot read just before, mapped forward to the same entries.
                then = history.entries_at(current, current.version)
                if not then:
                    continue
                start, length, before = random_range(rng, len(then))
                note("moved (snapshot)", services.items_reorder(
                    actor=user, playlist=current, range_start=start, range_length=length, insert_before=before,
                    snapshot=snapshot_id(current.public_id, current.version),
                ))  # fmt: skip
            elif kind == "remove":
                then = history.entries_at(current, current.version)
                if not then:
                    continue
                positions = rng.sample(range(len(then)), min(len(then), rng.randint(1, 2)))
                items = [RemoveItem(track_id=public_ids[then[p].track_id], positions=(p,)) for p in positions]
                snapshot = snapshot_id(current.public_id, current.version)
                note("removed", services.items_remove(actor=user, playlist=current, items=items, snapshot=snapshot))
            else:
                position = rng.choice([None, rng.randint(0, current.length)])
                tracks = [rng.choice(pool).public_id for _ in range(rng.randint(1, 3))]
                try:
                    note("added", services.items_add(actor=user, playlist=current, track_ids=tracks, position=position))
                except ApplicationError as error:
                    assert error.status == 400 and "position out of range" in error.message, error.message
                    note("add refused: position no longer valid")

    rngs = [random.Random(SEED + n) for n in range(len(editors))]  # noqa: S311 (fixed seeds, not secrets)
    run_at_once(*[lambda user=user, rng=rng: edit(user, rng) for user, rng in zip(editors, rngs, strict=True)])

    playlist.refresh_from_db()
    entries = stored_entries(playlist)
    replayed = [
        (e.entry_id, e.key, e.track_id, e.added_by_id, e.added_at)
        for e in history.entries_at(playlist, playlist.version)
    ]
    assert replayed == entries
    assert playlist.length == len(entries)
    versions = list(PlaylistChange.objects.filter(playlist=playlist).values_list("version", flat=True))
    assert versions == list(range(1, playlist.version + 1))
    assert set(range(3, playlist.version + 1)) <= returned  # every change was acknowledged to its caller
    keys = [key for _, key, _, _, _ in entries]
    assert all(a < b for a, b in pairwise(keys))
    for key in keys:
        ordering.validate(key)  # no block left parked under a temporary key
    assert tally["moved"] and tally["moved (snapshot)"] and tally["removed"] and tally["added"], tally
    print(f"\n{dict(sorted(tally.items()))}; {len(entries)} entries at version {playlist.version}")
