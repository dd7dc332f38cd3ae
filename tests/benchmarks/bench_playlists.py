"""Playlist edit benchmark: an edit to a 10,000-entry playlist against the same edit to a 100-entry one.

    .venv/bin/python -m tests.benchmarks.bench_playlists [--rounds 5] [--ops 100] [--pages 20] [--postgres URL]

On a throwaway database (SQLite, or with `--postgres postgres://postgres@127.0.0.1:5432` a database
it creates there and drops after), DEBUG off, it builds 500 ready tracks over 50 albums, a playlist
of 10,000 entries (one `items_add` of 10,000 ids, the tracks repeated) and one of 100, and calls
the service functions in-process (no HTTP), as the owner:

- add: `items_add` of one track at a random position;
- move: `items_reorder` of one entry (range_length 1) to a random `insert_before` that moves it;
- remove: `items_remove` of the entry at a random position, with the current snapshot id.

Each round runs `--ops` (remove, add, move) triples on one side, then on the other, alternating
which side goes first (the machines here are noisy), so both playlists keep their length. Only the
service call is timed: the client's part (the fresh playlist row, the random position, the track at
that position) is not. Then `--pages` reads per side of one page of 100 entries as the items
endpoint builds it without HTTP (`selectors.entries_page` and `representations.items_paging` on a
DRF request with market=from_token): at a random offset of the 10,000-entry playlist, against the
100-entry playlist's one page. Its p95 is mostly Python's cyclic garbage collector (a rendered
page allocates enough containers to trigger a collection every few reads), which a server process
pays as well.

It prints p50/p95 per operation and side and the ratios 10,000 / 100 (goal <= 2: the cost of an
edit does not grow with the playlist), the longest ordering key afterwards, and one summary line.
It reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import random
import time

from tests.benchmarks.harness import admin_sql, isolated_django, percentile, run

ENV = isolated_django("playlists")
SCRATCH, POSTGRES_SERVER, BENCH_DATABASE = ENV.scratch, ENV.postgres_server, ENV.database

# Imported only now: Django and the project modules read the environment set above.
import django  # noqa: E402

django.setup()
# Every item edit enqueues a cover refresh (apps.playlists.tasks) on commit; the filesystem broker
# has no host, which kombu warns about once per process.
logging.getLogger("kombu.connection").setLevel(logging.ERROR)

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models.functions import Length  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402

from apps.catalog.api.market import market_listener  # noqa: E402
from apps.playlists import selectors, services  # noqa: E402
from apps.playlists.api.representations import items_paging  # noqa: E402
from apps.playlists.models import Playlist, PlaylistEntry  # noqa: E402
from apps.playlists.services import RemoveItem  # noqa: E402
from apps.playlists.snapshots import snapshot_id  # noqa: E402
from tests.factories import AlbumFactory, TrackFactory, UserFactory  # noqa: E402

BIG, SMALL = 10_000, 100
TRACKS, ALBUMS = 500, 50
PAGE = 100
OPERATIONS = ("add", "move", "remove")


def fixtures():
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        owner = UserFactory(email="bench@example.test")
        albums = [AlbumFactory() for _ in range(ALBUMS)]
        track_ids = [TrackFactory(album=albums[n % ALBUMS]).public_id for n in range(TRACKS)]
    playlists = {}
    for size in (BIG, SMALL):
        playlist = services.playlist_create(owner=owner, name=f"{size:,} entries")
        services.items_add(actor=owner, playlist=playlist, track_ids=[track_ids[n % TRACKS] for n in range(size)])
        playlists[size] = playlist
    return owner, track_ids, playlists


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def edit_triple(owner, playlist_pk: int, track_ids: list[str], rng: random.Random, samples: dict) -> None:
    """One removal, one add and one move on the playlist, each prepared as a client would (a
    fresh read of the playlist, positions in range of its length) and timed alone."""
    playlist = Playlist.objects.get(pk=playlist_pk)
    position = rng.randrange(playlist.length)
    held = PlaylistEntry.objects.filter(playlist=playlist).order_by("key").values_list("track__public_id", flat=True)
    items = [RemoveItem(track_id=held[position], positions=(position,))]
    snapshot = snapshot_id(playlist.public_id, playlist.version)
    samples["remove"].append(
        timed(lambda: services.items_remove(actor=owner, playlist=playlist, items=items, snapshot=snapshot))
    )

    playlist = Playlist.objects.get(pk=playlist_pk)
    position, track_id = rng.randint(0, playlist.length), rng.choice(track_ids)
    samples["add"].append(
        timed(lambda: services.items_add(actor=owner, playlist=playlist, track_ids=[track_id], position=position))
    )

    playlist = Playlist.objects.get(pk=playlist_pk)
    start = rng.randrange(playlist.length)
    before = start
    while before in (start, start + 1):  # those leave the entry where it is
        before = rng.randint(0, playlist.length)
    samples["move"].append(
        timed(
            lambda: services.items_reorder(
                actor=owner, playlist=playlist, range_start=start, range_length=1, insert_before=before
            )
        )
    )


def read_page(owner, playlist_pk: int, rng: random.Random) -> float:
    """One page of 100 entries as the items endpoint builds it, without HTTP."""
    playlist = Playlist.objects.get(pk=playlist_pk)
    offset = rng.randint(0, max(playlist.length - PAGE, 0))
    path = f"playlists/{playlist.public_id}/items"
    django_request = APIRequestFactory().get(f"/v1/{path}", {"offset": offset, "limit": PAGE, "market": "from_token"})
    request = Request(django_request, authenticators=[])
    request.user = owner

    def build():
        entries = selectors.entries_page(playlist, offset=offset, limit=PAGE)
        market = market_listener(request, "market")
        page = items_paging(request, playlist, entries, market=market, offset=offset, limit=PAGE, path=path)
        assert len(page["items"]) == min(PAGE, playlist.length - offset)

    return timed(build)


def ms(values: list[float], fraction: float) -> float:
    return percentile(values, fraction) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ops", type=int, default=100, help="edits of each kind per round and side")
    parser.add_argument("--pages", type=int, default=20, help="page reads per round and side")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL to run against instead of SQLite")
    args = parser.parse_args(argv)
    if args.postgres:
        admin_sql(POSTGRES_SERVER, f"CREATE DATABASE {BENCH_DATABASE}")

    started = time.perf_counter()
    owner, track_ids, playlists = fixtures()
    built = time.perf_counter() - started
    rng = random.Random(args.seed)  # noqa: S311 (picks positions and tracks; nothing secret)
    samples = {size: {name: [] for name in (*OPERATIONS, "page")} for size in playlists}
    for playlist in playlists.values():  # warm up both sides (imports, caches, query plans)
        for _ in range(10):
            edit_triple(owner, playlist.pk, track_ids, rng, {name: [] for name in OPERATIONS})
            read_page(owner, playlist.pk, rng)
    for round_number in range(args.rounds):
        order = (BIG, SMALL) if round_number % 2 == 0 else (SMALL, BIG)
        for size in order:
            for _ in range(args.ops):
                edit_triple(owner, playlists[size].pk, track_ids, rng, samples[size])
        for size in order:
            samples[size]["page"] += [read_page(owner, playlists[size].pk, rng) for _ in range(args.pages)]

    backend = "PostgreSQL" if args.postgres else "SQLite"
    lengths = {size: Playlist.objects.get(pk=playlist.pk).length for size, playlist in playlists.items()}
    longest = (
        PlaylistEntry.objects.filter(playlist=playlists[BIG])
        .annotate(size=Length("key"))
        .order_by("-size")
        .values_list("key", flat=True)
        .first()
    )
    print(
        f"playlist edits: service functions in-process, {backend}, {BIG:,} vs {SMALL} entries "
        f"(built in {built:.1f} s), {args.rounds} rounds x {args.ops} per operation and side, interleaved; "
        f"{args.pages} page reads per round and side"
    )
    print(f"{'':<22}{f'{BIG:,} entries':>18}{f'{SMALL} entries':>18}{'ratio':>14}")
    print(f"{'':<22}{'p50 ms':>9}{'p95 ms':>9}{'p50 ms':>9}{'p95 ms':>9}{'p50':>7}{'p95':>7}")
    labels = {
        "add": "add 1 at random",
        "move": "move 1 (reorder)",
        "remove": "remove 1 by position",
        "page": "page of 100 (read)",
    }
    ratios = {}
    for name, label in labels.items():
        big, small = samples[BIG][name], samples[SMALL][name]
        ratios[name] = ms(big, 0.5) / ms(small, 0.5)
        print(
            f"{label:<22}{ms(big, 0.5):>9.2f}{ms(big, 0.95):>9.2f}{ms(small, 0.5):>9.2f}{ms(small, 0.95):>9.2f}"
            f"{ratios[name]:>7.2f}{ms(big, 0.95) / ms(small, 0.95):>7.2f}"
        )
    print(
        f"afterwards: {lengths[BIG]:,} and {lengths[SMALL]} entries; the longest key of the big playlist "
        f"is {len(longest or '')} characters ({longest!r})"
    )
    print()
    edits = ", ".join(
        f"{name} p50 {ms(samples[BIG][name], 0.5):.2f} ms ({ratios[name]:.2f}x)" for name in ("add", "move", "remove")
    )
    print(
        f"playlists ({backend}): {edits} at {BIG:,} vs {SMALL} entries (goal <= 2x); "
        f"page of 100 at a random offset p95 {ms(samples[BIG]['page'], 0.95):.1f} ms "
        f"({ratios['page']:.2f}x the {SMALL}-entry page at p50)"
    )
    return 0


if __name__ == "__main__":
    run(main, scratch=SCRATCH, postgres_server=POSTGRES_SERVER, database=BENCH_DATABASE)
