"""Search benchmark: 1,000 queries against a catalog of 1,000,000 tracks on PostgreSQL.

    .venv/bin/python -m tests.benchmarks.bench_search [--tracks 1000000] [--queries 1000] [--baseline 100]
                                                     [--postgres-url URL] [--reseed]

It seeds `--tracks` generated tracks (`manage.py seed_catalog`: artists, albums, Zipf popularity,
names in ten languages) into its own database, `streamify_bench_search` on the server
(default postgres://postgres@127.0.0.1:5432): seeding a million tracks takes a while, so the
database is kept and reused by later runs while it holds that many tracks (`--reseed` starts
over). DEBUG off, no Redis (so the search cache is per process; it is turned off for the
measured runs, SEARCH_CACHE_SECONDS=0, and measured apart).

Queries are drawn with a fixed seed from the catalog itself, the source track picked by
popularity the way listeners search (Zipf: most searches are for popular things): a third exact
(the title, the artist's name, or title and artist), a third with a typo (one edit in one word of
four letters or more: a substitution, a transposition, a deletion or an insertion), a third
prefixes (cut inside the last word, as typed). For each query, interleaved, it times:

- search: the service call of `GET /v1/search?type=track,artist,album,playlist&limit=10`
  (`apps.catalog.search.service.search`: parse, spelling, candidates, ranking, availability);
- suggest: `apps.catalog.search.service.suggest` (the search box's mixed top 8);
- baseline (every `1000 / --baseline`-th query): a naive `title ILIKE '%q%'` scan of the track
  table, most popular first, limit 10 (a full scan each time, so only a sample is run).

It prints p50/p95/p99 of each, the ratios to the baseline, typo recall@10 (a typo query is
answered when the top 10 of its kind holds what was meant: a track of that title, the track
itself for title and artist, the artist), recall@10 of the exact and prefix queries alike, the
same for suggest's answer (the suggestions of that kind, at most 4 of the 8), the
latency of a cached answer, and the sizes of the table and its indexes. Goals on this machine:
search p95 <= 20 ms, suggest p95 <= 10 ms, typo recall@10 >= 0.95. It reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass

from tests.benchmarks.harness import percentile, seeded_database

DATABASE = "streamify_bench_search"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432"
KINDS = ["track", "artist", "album", "playlist"]


def _configure(server: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "streamify.settings"
    os.environ["DATABASE_URL"] = f"{server.rstrip('/')}/{DATABASE}"
    for variable in ("REDIS_URL", "CELERY_BROKER_URL", "SQLITE_PATH", "ELASTICSEARCH_URL"):
        os.environ.pop(variable, None)
    os.environ["STREAMIFY_VAR_DIR"] = "/tmp/streamify-bench-search-var"  # noqa: S108 (a scratch folder)
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = os.urandom(32).hex()
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["SEARCH_CACHE_SECONDS"] = "0"


@dataclass
class Probe:
    q: str
    family: str  # exact | typo | prefix
    kind: str  # the kind whose top 10 must hold the answer
    want_key: str  # that answer's folded name
    want_id: int | None = None  # the very document, when the query names it (title and artist)


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    letters = "abcdefghijklmnopqrstuvwxyz" if word.isascii() else word
    edit = rng.choice(("substitute", "transpose", "delete", "insert"))
    if edit == "transpose" and i < len(word) - 1 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if edit == "delete":
        return word[:i] + word[i + 1 :]
    if edit == "insert":
        return word[:i] + rng.choice(letters) + word[i:]
    replacement = rng.choice([c for c in letters if c != word[i]] or ["x"])
    return word[:i] + replacement + word[i + 1 :]


def probes(count: int, seed: int = 42) -> list[Probe]:
    from django.db import connection

    from apps.catalog.search import analysis

    rng = random.Random(seed)  # noqa: S311
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM catalog_searchdocument WHERE kind = 'track'")
        low, high = cursor.fetchone()
    made: list[Probe] = []
    while len(made) < count:
        # Popular tracks are searched for more: ranks 1..N drawn with a Zipf-like bias.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT d.id, d.name, d.subtitle, d.popularity FROM catalog_searchdocument d "
                "WHERE d.kind = 'track' AND d.id >= %s ORDER BY d.id LIMIT 1",
                [rng.randint(low, high)],
            )
            row = cursor.fetchone()
        if row is None or rng.random() > (row[3] + 5) / 105:
            continue
        doc_id, title, artists, _ = row
        artist = artists.split(", ")[0]
        family = ("exact", "typo", "prefix")[len(made) % 3]
        shape = rng.choice(("title", "artist", "both"))
        text = {"title": title, "artist": artist, "both": f"{title} {artist}"}[shape]
        kind = "artist" if shape == "artist" else "track"
        want_key = analysis.key(artist if shape == "artist" else title)
        words = text.split()
        if family == "typo":
            candidates = [i for i, w in enumerate(words) if len(w) >= 4 and analysis.fuzzy_allowed(analysis.key(w))]
            if not candidates:
                continue
            i = rng.choice(candidates)
            words[i] = _typo(words[i], rng)
        elif family == "prefix":
            last = words[-1]
            if len(last) < 3:
                continue
            words[-1] = last[: rng.randint(2, len(last) - 1)]
        made.append(Probe(" ".join(words), family, kind, want_key, doc_id if shape == "both" else None))
    return made


def answered(probe: Probe, top: list[int]) -> bool:
    """Whether the top 10 holds what was meant: for title and artist, that track or another of the
    same title by the same artists (generated artists repeat titles across their albums)."""
    from apps.catalog.search.models import SearchDocument

    rows = SearchDocument.objects.filter(kind=probe.kind, object_id__in=top).values_list("name_key", "subtitle")
    if probe.want_id is None:
        return probe.want_key in {key for key, _ in rows}
    wanted = SearchDocument.objects.filter(pk=probe.want_id).values_list("name_key", "subtitle").first()
    return wanted in set(rows)


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def ms(values: list[float], fraction: float) -> float:
    return percentile(values, fraction) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracks", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--baseline", type=int, default=100, help="how many queries also run the ILIKE scan")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    _configure(args.postgres_url)
    seeded_database(
        args.postgres_url,
        DATABASE,
        tracks=args.tracks,
        reseed=args.reseed,
        count_sql="SELECT count(*) FROM catalog_searchdocument WHERE kind = 'track'",
    )

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from apps.catalog.search.service import search, suggest

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_searchdocument")
    queries = probes(args.queries)
    every = max(1, len(queries) // max(1, args.baseline))

    def baseline(q: str):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM catalog_track WHERE title ILIKE %s ORDER BY popularity DESC LIMIT 10", [f"%{q}%"]
            )
            return cursor.fetchall()

    for probe in queries[:20]:  # warm the connection and the caches of both sides
        search(q=probe.q, kinds=KINDS, limit=10, offset=0)
        suggest(q=probe.q)
    samples: dict[str, list[float]] = {"search": [], "suggest": [], "baseline": []}
    by_family: dict[str, list[float]] = {"exact": [], "typo": [], "prefix": []}
    hits: dict[str, list[bool]] = {"exact": [], "typo": [], "prefix": []}
    suggest_hits: dict[str, list[bool]] = {"exact": [], "typo": [], "prefix": []}
    for index, probe in enumerate(queries):
        seconds, result = timed(lambda p=probe: search(q=p.q, kinds=KINDS, limit=10, offset=0))
        samples["search"].append(seconds)
        by_family[probe.family].append(seconds)
        hits[probe.family].append(answered(probe, result[probe.kind].object_ids))
        seconds, suggested = timed(lambda p=probe: suggest(q=p.q))
        samples["suggest"].append(seconds)
        suggest_hits[probe.family].append(answered(probe, [s.object_id for s in suggested if s.kind == probe.kind]))
        if index % every == 0:
            samples["baseline"].append(timed(lambda p=probe: baseline(p.q))[0])

    # A cached answer: the same query again with the cache on (per process here; Redis in production).
    from django.test.utils import override_settings

    with override_settings(SEARCH_CACHE_SECONDS=60):
        cached = []
        for probe in queries[:100]:
            search(q=probe.q, kinds=KINDS, limit=10, offset=0)
            cached.append(timed(lambda p=probe: search(q=p.q, kinds=KINDS, limit=10, offset=0))[0])

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
            "WHERE i.indrelid IN ('catalog_searchdocument'::regclass, 'catalog_searchterm'::regclass, "
            "'catalog_searchtermvariant'::regclass) ORDER BY 2 DESC"
        )
        indexes = cursor.fetchall()
        cursor.execute("SELECT pg_table_size('catalog_searchdocument'), (SELECT count(*) FROM catalog_searchdocument)")
        table_bytes, documents = cursor.fetchone()

    print(f"\n{len(queries):,} queries ({sum(len(v) for v in by_family.values()):,}: a third each exact, typo, "
          f"prefix) over {documents:,} search documents\n")  # fmt: skip
    print(f"{'':10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'n':>6}")
    for name, values in samples.items():
        print(f"{name:10} {ms(values, 0.5):8.2f} {ms(values, 0.95):8.2f} {ms(values, 0.99):8.2f} {len(values):6}")
    for family, values in by_family.items():
        print(f"  {family:8} {ms(values, 0.5):8.2f} {ms(values, 0.95):8.2f} {ms(values, 0.99):8.2f} {len(values):6}")
    print(f"{'cached':10} {ms(cached, 0.5):8.2f} {ms(cached, 0.95):8.2f} {ms(cached, 0.99):8.2f} {len(cached):6}")
    base = statistics.median(samples["baseline"])
    print(f"\nbaseline / search p50: {base / statistics.median(samples['search']):.1f}x;"
          f" baseline / suggest p50: {base / statistics.median(samples['suggest']):.1f}x")  # fmt: skip
    recall = {family: sum(values) / len(values) for family, values in hits.items()}
    print("recall@10: " + ", ".join(f"{family} {value:.3f}" for family, value in recall.items()))
    print("suggest (at most 4 of a kind among 8): " + ", ".join(
        f"{family} {sum(values) / len(values):.3f}" for family, values in suggest_hits.items()))  # fmt: skip
    print(f"\nsizes: table {table_bytes / 2**20:,.0f} MiB; " + ", ".join(
        f"{name} {size / 2**20:,.1f} MiB" for name, size in indexes))  # fmt: skip
    print(
        f"\nsearch: p95 {ms(samples['search'], 0.95):.1f} ms (goal <= 20), suggest p95 "
        f"{ms(samples['suggest'], 0.95):.1f} ms (goal <= 10), typo recall@10 {recall['typo']:.3f} (goal >= 0.95), "
        f"ILIKE baseline p50 {base * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
