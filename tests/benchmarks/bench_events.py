"""Play-event ingestion benchmark: events stored per second, at the service and over HTTP.

    .venv/bin/python -m tests.benchmarks.bench_events [--rounds 5] [--batches 300] [--clients 8]
                                                      [--workers <CPUs>] [--no-postgres]

Every batch carries 50 events, the shape a client sends (plays of five events each: play.start,
three play.progress, then play.end or skip), each with a fresh random UUID for its id as real
clients make them, for one of eight listeners, on 100 ready tracks. Two sides:

(A) service: `play_events_ingest` called in-process, one batch after another;
(B) HTTP: `POST /v1/me/player/events` with a JWT against the real ASGI app (streamify.server) served
    by uvicorn (httptools, uvloop, no access log), from `--clients` concurrent keep-alive
    connections. The client is a small asyncio loop writing pre-encoded requests, so it takes as
    little of the shared CPUs as a client can; every answer is checked (200, all 50 accepted).
    The uvicorn processes' CPU time per batch (not the database server's) is read from /proc.

Rounds alternate A, B, A, B, ... because the machines here are noisy: both sides see the same load
and the same growing table, and the medians are compared. The goal is 20,000 events/s. The table
grows by 2 x 15,000 rows a round (the defaults), and inserts slow down as it grows: random ids land
all over the unique (user, event id) index. The first round shows a young table, the last an
older one; the table's size is printed under each round.

It runs in the embedded mode (SQLite in WAL mode, a throwaway database in a temporary directory),
then, if PostgreSQL answers at 127.0.0.1:5432 (`--postgres-url` points elsewhere), against a
throwaway database it creates and drops there. Each backend runs in a child process of its own,
because Django reads its database settings once. Both run with DEBUG off (DEBUG records every
query, which no deployment pays) and without Redis (no cache is on this path); PostgreSQL with
DB_CONN_MAX_AGE=0, as Django advises under ASGI, where each request opens its own connection (so
does SQLite's: opening it, reading the schema and warming its page cache cost ~7 ms a request). It prints a table
per backend and one summary line; it reports, asserts nothing, and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from tests.benchmarks.harness import free_port

BATCH_SIZE = 50
GOAL_EVENTS_PER_S = 20_000
LISTENERS = 8
TRACKS = 100
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
EVENTS_PATH = "/v1/me/player/events"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- The parent: prepares each backend's environment, runs it as a child, sums up ----------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="A/B pairs per backend (default 5)")
    parser.add_argument("--batches", type=int, default=300, help="batches of 50 per side and round (default 300)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP connections (default 8)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="uvicorn worker processes (default: one per CPU)"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="an admin connection to PostgreSQL")
    parser.add_argument("--no-postgres", action="store_true", help="measure the embedded mode only")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)  # a child's role
    args = parser.parse_args(argv)
    if args.backend:
        return run_backend(args)

    print(
        f"play-event ingestion: batches of {BATCH_SIZE} events, {args.batches} batches per side and round, "
        f"{args.rounds} rounds interleaved; HTTP: {args.clients} clients, {args.workers} uvicorn worker(s); "
        f"{os.cpu_count()} CPUs",
        flush=True,
    )
    scratch = Path(tempfile.mkdtemp(prefix="streamify-bench-events-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "streamify.settings",
        "STREAMIFY_VAR_DIR": str(scratch / "var"),
        "MEDIA_ROOT": str(scratch / "media"),
        "MEDIA_STORAGE": "filesystem",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),  # throwaway: its tokens live as long as this run
        "LOG_LEVEL": "WARNING",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SQLITE_PATH"):
        env.pop(name, None)

    results: dict[str, dict | str | None] = {}
    try:
        results["SQLite"] = run_child(args, "sqlite", env)
        results["PostgreSQL"] = "not measured" if args.no_postgres else run_postgres(args, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    parts = []
    for name, result in results.items():
        if isinstance(result, dict):
            parts.append(f"{name} service {result['service']:,.0f}/s, HTTP {result['http']:,.0f}/s")
        else:
            parts.append(f"{name} {result or 'failed (see above)'}")
    print()
    print(f"events: {'; '.join(parts)} (goal >= {GOAL_EVENTS_PER_S:,} events/s, batches of {BATCH_SIZE})")
    return 0


def run_postgres(args, env: dict[str, str]) -> dict | str | None:
    import psycopg

    admin_url = args.postgres_url
    where = admin_url.rsplit("@", 1)[-1]
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=2)
    except psycopg.OperationalError as error:
        print(f"\nPostgreSQL at {where}: not reachable ({str(error).strip().splitlines()[0]}); skipped.")
        return "not measured (not reachable)"
    database = f"streamify_bench_events_{os.getpid()}"
    with admin:
        admin.execute(f'CREATE DATABASE "{database}"')
        try:
            url = admin_url.rsplit("/", 1)[0] + "/" + database
            # Under ASGI each request runs on a fresh thread, so a "persistent" connection is never
            # reused and lingers until it is garbage-collected: with DB_CONN_MAX_AGE > 0 a busy
            # server exhausts PostgreSQL's max_connections. Django's advice for ASGI is 0.
            return run_child(args, "postgres", {**env, "DATABASE_URL": url, "DB_CONN_MAX_AGE": "0"})
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def run_child(args, backend: str, env: dict[str, str]) -> dict | None:
    command = [sys.executable, "-m", "tests.benchmarks.bench_events", "--backend", backend]
    command += ["--rounds", str(args.rounds), "--batches", str(args.batches)]
    command += ["--clients", str(args.clients), "--workers", str(args.workers)]
    result = None
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as child:  # noqa: S603
        for line in child.stdout:
            if line.startswith("RESULT "):
                result = json.loads(line.removeprefix("RESULT "))
            else:
                print(line, end="", flush=True)
    return result


# --- A child: one backend; Django is set up from the environment the parent prepared -------


def run_backend(args) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from apps.playback.models import PlayEvent

    call_command("migrate", verbosity=0)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    label = "SQLite, WAL (embedded mode)" if engine == "sqlite3" else "PostgreSQL (services mode)"
    listeners, tokens, track_ids = seed()
    port = free_port()
    server = start_server(port, args.workers)
    try:
        # Warm up both sides (imports, connections, the page cache) before anything is timed.
        service_round(listeners, track_ids, "warm-service", batches=20)
        asyncio.run(http_round(port, tokens, track_ids, "warm-http", batches=20, clients=args.clients, server=server))
        service, http, server_cpu, rows = [], [], [], []
        for number in range(1, args.rounds + 1):
            service.append(service_round(listeners, track_ids, f"s{number}", batches=args.batches))
            rate, cpu_ms = asyncio.run(
                http_round(
                    port, tokens, track_ids, f"h{number}", batches=args.batches, clients=args.clients, server=server
                )
            )
            http.append(rate)
            server_cpu.append(cpu_ms)
            rows.append(PlayEvent.objects.count())  # the table grows, and inserts slow with it
    finally:
        stop_server(server)

    report(label, service, http, server_cpu, rows)
    print("RESULT " + json.dumps({"service": statistics.median(service), "http": statistics.median(http)}))
    return 0


def seed():
    from rest_framework_simplejwt.tokens import RefreshToken

    from apps.accounts.models import Product, User
    from tests.factories import AlbumFactory, TrackFactory

    listeners = [
        User.objects.create(
            email=f"bench{n}@example.test",
            display_name=f"Bench {n}",
            country="SE",
            product=Product.PREMIUM if n % 2 else Product.FREE,
        )
        for n in range(LISTENERS)
    ]
    albums = [AlbumFactory() for _ in range(TRACKS // 10)]
    tracks = [TrackFactory(album=albums[n % len(albums)], duration_ms=200_000) for n in range(TRACKS)]
    tokens = [str(RefreshToken.for_user(user).access_token) for user in listeners]
    return listeners, tokens, [(t.public_id, t.album.public_id) for t in tracks]


def make_batch(prefix: str, track_ids: list[tuple[str, str]], now_ms: int) -> list[dict]:
    """Ten plays of five events: start, three progress reports, then an end or (one in three) a skip."""
    events = []
    for play in range(BATCH_SIZE // 5):
        track_id, album_id = track_ids[hash((prefix, play)) % len(track_ids)]
        started = now_ms - 600_000 + play * 1_000
        for kind, ms in (
            ("play.start", 0),
            ("play.progress", 30_000),
            ("play.progress", 60_000),
            ("play.progress", 90_000),
            ("skip", 95_000) if play % 3 == 0 else ("play.end", 120_000),
        ):
            events.append(
                {
                    "id": str(uuid.uuid4()),  # what real clients send: random, so inserts scatter in the index
                    "type": kind,
                    "track": f"spotify:track:{track_id}",
                    "ms_played": ms,
                    "timestamp": started + ms,
                    "context_uri": f"spotify:album:{album_id}",
                    "device_id": "bench-phone",
                    "offline": False,
                }
            )
    return events


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def service_round(listeners, track_ids, tag: str, *, batches: int) -> float:
    from apps.playback.events.services import play_events_ingest

    stamp = now_ms()
    work = [
        (listeners[n % len(listeners)], make_batch(f"{tag}-{n}", track_ids, stamp)) for n in range(batches)
    ]  # built before the clock starts: a client's JSON arrives parsed
    started = time.perf_counter()
    for user, events in work:
        result = play_events_ingest(user=user, country=user.country, product=user.product, events=events)
        if result["accepted"] != BATCH_SIZE:
            sys.exit(f"service: a batch was not stored whole: {result}")
    return batches * BATCH_SIZE / (time.perf_counter() - started)


# --- HTTP: uvicorn serving the real ASGI app, a lean asyncio client ------------------------


def start_server(port: int, workers: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", "streamify.server:application", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--lifespan", "off", "--no-access-log"]
    command += ["--log-level", "warning", "--loop", "uvloop", "--http", "httptools"]
    server = subprocess.Popen(command, start_new_session=True)  # noqa: S603 (our own interpreter and module)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                sys.exit("uvicorn exited before serving")
            time.sleep(0.1)
    stop_server(server)
    sys.exit("uvicorn did not start within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()  # uvicorn's supervisor stops its workers on SIGTERM
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)  # the session we started it in, and nothing else
        server.wait()


def process_tree_cpu_seconds(root_pid: int) -> float:
    """User + system CPU time of a process and its children (uvicorn's workers), from /proc."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == root_pid or ppid == root_pid:
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return total


def encode_request(port: int, token: str, events: list[dict]) -> bytes:
    body = json.dumps({"events": events}, separators=(",", ":")).encode()
    head = (
        f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def send_all(connection, requests: list[bytes]) -> int:
    """One keep-alive connection sending its requests one after another; returns the failures."""
    reader, writer = connection
    failures = 0
    for request in requests:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            None,
        )
        if length is None:
            sys.exit(f"HTTP: an answer without Content-Length: {head!r}")
        body = await reader.readexactly(length)
        if status != 200 or json.loads(body).get("accepted") != BATCH_SIZE:
            failures += 1
            if failures == 1:
                print(f"HTTP: unexpected answer {status}: {body[:300]!r}", file=sys.stderr)
    writer.close()
    return failures


async def http_round(port, tokens, track_ids, tag: str, *, batches: int, clients: int, server) -> tuple[float, float]:
    stamp = now_ms()
    per_client: list[list[bytes]] = [[] for _ in range(clients)]
    for n in range(batches):
        client = n % clients
        per_client[client].append(
            encode_request(port, tokens[client % len(tokens)], make_batch(f"{tag}-{n}", track_ids, stamp))
        )
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(clients)]

    cpu_before = process_tree_cpu_seconds(server.pid)
    started = time.perf_counter()
    failures = sum(await asyncio.gather(*(send_all(c, r) for c, r in zip(connections, per_client, strict=True))))
    elapsed = time.perf_counter() - started
    server_cpu_ms_per_batch = (process_tree_cpu_seconds(server.pid) - cpu_before) * 1000 / batches
    if failures:
        sys.exit(f"HTTP: {failures} of {batches} batches were not stored whole")
    return batches * BATCH_SIZE / elapsed, server_cpu_ms_per_batch


def report(label: str, service: list[float], http: list[float], server_cpu: list[float], rows: list[int]) -> None:
    rounds = len(service)
    width, name = 10, 34
    header = "".join(f"{f'round {n}':>{width}}" for n in range(1, rounds + 1))
    lines = [
        ("service (events/s)", service, "{:>10,.0f}"),
        ("service (ms per batch)", [BATCH_SIZE * 1000 / r for r in service], "{:>10.2f}"),
        ("HTTP (events/s)", http, "{:>10,.0f}"),
        ("HTTP (requests/s)", [r / BATCH_SIZE for r in http], "{:>10,.0f}"),
        ("HTTP server CPU (ms per batch)", server_cpu, "{:>10.2f}"),
    ]
    print()
    print(f"{label:<{name}}{header}{'median':>{width}}")
    for title, values, form in lines:
        cells = "".join(form.format(v) for v in values)
        print(f"{title:<{name}}{cells}{form.format(statistics.median(values))}")
    print(f"{'rows in the table after the round':<{name}}{''.join(f'{n:>{width},}' for n in rows)}")
    http_median, service_median = statistics.median(http), statistics.median(service)
    print(
        f"{'HTTP / service':<{name}}{'':>{width * rounds}}{http_median / service_median:>{width}.2f}"
        f"  (goal >= {GOAL_EVENTS_PER_S:,} events/s on both)"
    )


if __name__ == "__main__":
    sys.exit(main())
