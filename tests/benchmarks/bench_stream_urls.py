"""Stream-URL issuance benchmark: `GET /v1/tracks/{id}/stream` over HTTP, against `GET /v1/me`.

    .venv/bin/python -m tests.benchmarks.bench_stream_urls [--rounds 5] [--requests 300] [--postgres URL]

Starts the real ASGI app under uvicorn (one process, as `make serve`, with DEBUG off) on a
throwaway database (SQLite, or with `--postgres postgres://postgres@127.0.0.1:5432` a database it
creates there and drops after) and media root, with a free listener, a track that has a three-rung ladder and a
licence (so the rights read has rows to combine), and a JWT. Each round sends `--requests`
sequential keep-alive requests to (A) the stream endpoint (authentication, the track and its
renditions, the availability read, relinking check, signing) and (B) `/v1/me`, the cheapest
authenticated call (authentication and one row), alternating A and B rounds because the machines
here are noisy. It prints p50/p95 latency per side and the p50 ratio A / B: what issuing a URL
costs over the framework's floor. It reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.benchmarks.harness import admin_sql, free_port, isolated_django, percentile, run, start_uvicorn

ENV = isolated_django("stream")
SCRATCH, POSTGRES_SERVER, BENCH_DATABASE = ENV.scratch, ENV.postgres_server, ENV.database

# Imported only now: Django and the project modules read the environment set above.
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from apps.accounts.models import Role  # noqa: E402
from apps.rights.services import licence_create  # noqa: E402
from tests.factories import RenditionFactory, TrackFactory, UserFactory  # noqa: E402


def fixtures() -> tuple[str, str]:
    call_command("migrate", verbosity=0)
    listener = UserFactory(email="bench@example.test", country="SE")
    staff = UserFactory(email="staff@example.test", role=Role.STAFF)
    track = TrackFactory(isrc="SEBEN2600001", loudness_lufs=-9.0, true_peak_dbtp=-1.0)
    for kbps in (96, 160, 320):
        RenditionFactory(track=track, bitrate_kbps=kbps)
    licence_create(actor=staff, track=track, territories=["*"])
    licence_create(actor=staff, track=track, territories=["US"], kind="block")
    return str(RefreshToken.for_user(listener).access_token), track.public_id


def start_server(port: int) -> subprocess.Popen:
    return start_uvicorn("streamify.server:application", port, cwd=Path.cwd())


def timed_requests(port: int, path: str, token: str, count: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            sys.exit(f"{path} answered {response.status}")
    connection.close()
    return latencies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300, help="sequential requests per round and side")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL to run against instead of SQLite")
    args = parser.parse_args(argv)
    if args.postgres:
        admin_sql(POSTGRES_SERVER, f"CREATE DATABASE {BENCH_DATABASE}")

    token, track_id = fixtures()
    port = free_port()
    server = start_server(port)
    try:
        stream_path, me_path = f"/v1/tracks/{track_id}/stream", "/v1/me"
        timed_requests(port, stream_path, token, 50)  # warm up both paths (imports, caches)
        timed_requests(port, me_path, token, 50)
        stream, me = [], []
        for _ in range(args.rounds):
            stream += timed_requests(port, stream_path, token, args.requests)
            me += timed_requests(port, me_path, token, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=10)

    rows = [("stream URL", stream), ("/v1/me (floor)", me)]
    print(
        f"stream-URL issuance: uvicorn, 1 process, {'PostgreSQL' if args.postgres else 'SQLite'}, "
        "sequential keep-alive requests, "
        f"{args.rounds} rounds x {args.requests} per side, interleaved"
    )
    print(f"{'':<18}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}")
    for name, values in rows:
        print(
            f"{name:<18}{percentile(values, 0.5) * 1000:>9.2f}{percentile(values, 0.95) * 1000:>9.2f}"
            f"{len(values) / sum(values):>9.0f}"
        )
    ratio = statistics.median(stream) / statistics.median(me)
    print()
    print(
        f"stream-urls: p50 {percentile(stream, 0.5) * 1000:.2f} ms, p95 {percentile(stream, 0.95) * 1000:.2f} ms "
        f"({ratio:.2f}x the /v1/me floor of {percentile(me, 0.5) * 1000:.2f} ms)"
    )
    return 0


if __name__ == "__main__":
    run(main, scratch=SCRATCH, postgres_server=POSTGRES_SERVER, database=BENCH_DATABASE)
