"""Recommendations benchmark: ALS training on 1,000,000 interactions, and the latency of a
recommendation request and of the home view with that model loaded, on PostgreSQL.

    .venv/bin/python -m tests.benchmarks.bench_recommendations [--tracks 100000] [--users 20000]
        [--interactions 1000000] [--requests 300] [--postgres-url URL] [--reseed]

It keeps its own database, `streamify_bench_recs` (default server postgres://postgres@127.0.0.1:5432),
reused by later runs while it holds the data asked for (`--reseed` starts over): `--tracks` tracks
from `manage.py seed_catalog` (ten genres), an audio-feature vector per track planted around its
genre's centre, `--users` listeners who each mix two or three genres, and `--interactions`
(listener, track) affinities drawn by genre taste and Zipf popularity within the genre, written
straight into the affinity table (as the incremental reader would have left them). DEBUG off, no
Redis (caches are per process).

It prints, then:
- training: `train_and_publish` (read every strength, build the matrix, fit, store, publish) and
  the fit alone, and their ratio (the pipeline's overhead). Goal: <= 60 s.
- `GET /v1/recommendations?seed_tracks=...&limit=20` through Django's full request stack for
  `--requests` listeners, alternating with `GET /v1/tracks/{id}` (the cheapest API read, as the
  floor): p50/p95/p99 of each and the ratio. Goal: p95 <= 20 ms.
- `GET /v1/views/home`, warm (the day's mixes already made), alternating with `GET /v1/me`; and
  the first visit of the day (Discover Weekly and the Daily Mixes made on the spot) apart.
  Goal: p95 <= 100 ms warm.
It reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import time

import numpy as np

from tests.benchmarks.harness import percentile, seeded_database

DATABASE = "streamify_bench_recs"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432"


def _configure(server: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "streamify.settings"
    os.environ["DATABASE_URL"] = f"{server.rstrip('/')}/{DATABASE}"
    for variable in ("REDIS_URL", "CELERY_BROKER_URL", "SQLITE_PATH", "ELASTICSEARCH_URL"):
        os.environ.pop(variable, None)
    os.environ["STREAMIFY_VAR_DIR"] = "/tmp/streamify-bench-recs-var"  # noqa: S108 (a scratch folder)
    os.environ["MEDIA_ROOT"] = "/tmp/streamify-bench-recs-media"  # noqa: S108 (the model files)
    os.environ["MEDIA_STORAGE"] = "filesystem"
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = os.urandom(32).hex()
    os.environ["LOG_LEVEL"] = "WARNING"


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def plant(users: int, interactions: int, seed: int = 7) -> None:
    """Features by genre, listeners and their affinities (see the module docstring)."""
    from django.db import connection
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.catalog.media.features import VECTOR_COMPONENTS
    from apps.catalog.models import Track
    from apps.common.ids import new_public_id

    rng = np.random.default_rng(seed)
    rows = list(
        Track.objects.ready().values_list("pk", "genres__pk", "popularity").order_by("genres__pk", "-popularity")
    )
    by_genre: dict[int, list[int]] = {}
    for pk, genre, _ in rows:
        by_genre.setdefault(genre or 0, []).append(pk)
    genres = sorted(by_genre)
    centres = {g: rng.normal(size=len(VECTOR_COMPONENTS)) for g in genres}
    now = timezone.now().isoformat()
    print(f"Planting features for {len(rows):,} tracks in {len(genres)} genres ...", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE catalog_audiofeatures")
        raw = cursor.cursor
        features = []
        for genre, tracks in by_genre.items():
            noisy = centres[genre] + rng.normal(scale=0.6, size=(len(tracks), len(VECTOR_COMPONENTS)))
            noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
            for pk, vector in zip(tracks, noisy, strict=True):
                values = "[" + ",".join(f"{v:.5f}" for v in vector) + "]"
                features.append((pk, 120, 0, 1, 4, 0.6, -9, 0.5, 2000, 2200, 4200, 0.01, 0.07, 3, 1.6, 0.5, 0, 0,
                                 values, now, 1))  # fmt: skip
        _copy(raw, "catalog_audiofeatures", (
            "track_id", "tempo", "key", "mode", "time_signature", "energy", "loudness", "danceability",
            "spectral_centroid", "spectral_bandwidth", "spectral_rolloff", "spectral_flatness", "zero_crossing_rate",
            "onset_rate", "beat_strength", "key_confidence", "excerpt_start_ms", "excerpt_ms", "vector",
            "analysed_at", "analyser_version"), features)  # fmt: skip

    print(f"Planting {users:,} listeners and {interactions:,} affinities ...", flush=True)
    accounts = [
        User(email=f"bench{n}@bench.invalid", display_name=f"Bench {n}", country="SE", public_id=new_public_id())
        for n in range(users)
    ]
    for account in accounts:
        account.set_unusable_password()
    User.objects.bulk_create(accounts, batch_size=5_000)
    user_ids = list(User.objects.filter(email__endswith="@bench.invalid").values_list("pk", flat=True))
    per_user = rng.lognormal(mean=np.log(interactions / users) - 0.5, sigma=1.0, size=len(user_ids))
    # 8% over: draws that land on a track the listener already has merge into one pair.
    per_user = np.maximum(3, 1.08 * per_user * interactions / per_user.sum()).astype(int)
    affinities = []
    for user, count in zip(user_ids, per_user, strict=True):
        tastes = rng.choice(genres, size=rng.integers(2, 4), replace=False)
        weights = rng.dirichlet(np.ones(len(tastes)))
        chosen = set()
        for genre, share in zip(tastes, weights, strict=True):
            pool, want = by_genre[genre], max(1, int(count * share))
            mine: set[int] = set()
            for _ in range(8):  # Zipf draws repeat the hits: draw until this many distinct tracks
                ranks = np.minimum(rng.zipf(1.2, size=2 * (want - len(mine))), len(pool)) - 1
                mine.update(pool[r] for r in ranks[: want - len(mine)])
                if len(mine) >= want:
                    break
            chosen |= mine
        for track in chosen:
            streams = int(rng.geometric(0.4))
            skips = int(rng.random() < 0.1)
            affinities.append((user, track, streams, skips, streams * 180_000, streams, now))  # heard to the end
    with connection.cursor() as cursor:
        _copy(cursor.cursor, "recommendations_trackaffinity",
              ("user_id", "track_id", "streams", "early_skips", "ms_played", "full_listens", "last_played_at"),
              affinities)  # fmt: skip
        cursor.execute("ANALYZE")
    print(f"Planted {len(affinities):,} affinities.")


def ms(values: list[float], fraction: float) -> float:
    return percentile(values, fraction) * 1000


def row(name: str, values: list[float]) -> str:
    return f"{name:24} {ms(values, 0.5):8.2f} {ms(values, 0.95):8.2f} {ms(values, 0.99):8.2f} {len(values):6}"


def timed(call) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]  # noqa: S101 (a broken request is no timing)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    _configure(args.postgres_url)
    fresh = seeded_database(
        args.postgres_url,
        DATABASE,
        tracks=args.tracks,
        reseed=args.reseed,
        count_sql="SELECT count(*) FROM catalog_track",
    )

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from apps.accounts.models import User
    from apps.catalog.models import Track
    from apps.recommendations.models import TrackAffinity
    from apps.recommendations.serving import current_model
    from apps.recommendations.training import train_and_publish

    call_command("migrate", verbosity=0)
    if fresh or TrackAffinity.objects.count() < args.interactions:
        TrackAffinity.objects.all().delete()
        User.objects.filter(email__endswith="@bench.invalid").delete()
        plant(args.users, args.interactions)

    print("\nTraining ...", flush=True)
    started = time.perf_counter()
    model = train_and_publish()
    pipeline = time.perf_counter() - started
    print(f"training on {model.interactions:,} interactions ({model.users:,} listeners x {model.tracks:,} tracks, "
          f"{model.factors} factors): pipeline {pipeline:.1f} s, fit alone {model.seconds:.1f} s, "
          f"ratio {pipeline / model.seconds:.2f}")  # fmt: skip
    assert current_model() is not None  # noqa: S101 (no model loaded: the timings would mean nothing)

    rng = random.Random(11)  # noqa: S311 (a benchmark's sample, not a secret)
    listeners = list(User.objects.filter(email__endswith="@bench.invalid").order_by("?")[: args.requests])
    popular = list(Track.objects.ready().order_by("-popularity").values_list("public_id", flat=True)[:5000])
    clients = {}
    for user in listeners:
        client = Client()
        client.force_login(user)
        clients[user.pk] = client

    def recommendation(user):
        seed = rng.choice(popular)
        return clients[user.pk].get("/v1/recommendations", {"seed_tracks": seed, "limit": 20})

    def floor(user):
        return clients[user.pk].get(f"/v1/tracks/{rng.choice(popular)}")

    for user in listeners[:10]:  # warm: the feature index, the model, connections
        recommendation(user)
        floor(user)
    samples: dict[str, list[float]] = {"recommendations": [], "tracks (floor)": []}
    for user in listeners:
        samples["recommendations"].append(timed(lambda u=user: recommendation(u)))
        samples["tracks (floor)"].append(timed(lambda u=user: floor(u)))

    first_visit = [
        timed(lambda u=user: clients[u.pk].get("/v1/views/home")) for user in listeners[: args.requests // 5]
    ]
    for user in listeners[args.requests // 5 :]:
        clients[user.pk].get("/v1/views/home")  # the day's mixes, made once
    home: dict[str, list[float]] = {"home (warm)": [], "me (floor)": []}
    for user in listeners:
        home["home (warm)"].append(timed(lambda u=user: clients[u.pk].get("/v1/views/home")))
        home["me (floor)"].append(timed(lambda u=user: clients[u.pk].get("/v1/me")))

    print(f"\n{'':24} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'n':>6}")
    for name, values in {**samples, **home, "home (first of the day)": first_visit}.items():
        print(row(name, values))
    ratio = statistics.median(samples["recommendations"]) / statistics.median(samples["tracks (floor)"])
    home_ratio = statistics.median(home["home (warm)"]) / statistics.median(home["me (floor)"])
    print(f"\nrecommendations / tracks p50: {ratio:.1f}x; home / me p50: {home_ratio:.1f}x")
    print(
        f"\nrecommendations: training {model.seconds:.1f} s fit, {pipeline:.1f} s pipeline (goal <= 60 s); "
        f"request p95 {ms(samples['recommendations'], 0.95):.1f} ms (goal <= 20); "
        f"home p95 {ms(home['home (warm)'], 0.95):.1f} ms (goal <= 100)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
