"""What the benchmarks share: ports, percentiles, options read before Django's settings are, and
a throwaway PostgreSQL database that is dropped however the run ends. Only the standard library
and psycopg at import: benchmarks import this before they configure Django."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.ports import free_port, free_ports  # noqa: F401 (re-exported: benchmarks import them from here)


def option(name: str) -> str:
    """An option's value before argparse runs (Django reads its settings at import)."""
    for index, arg in enumerate(sys.argv):
        if arg == name and index + 1 < len(sys.argv):
            return sys.argv[index + 1]
        if arg.startswith(f"{name}="):
            return arg.split("=", 1)[1]
    return ""


@dataclass(frozen=True)
class Isolation:
    scratch: Path  # the benchmark's own var dir and media root live here
    postgres_server: str  # "" for SQLite
    database: str  # the throwaway PostgreSQL database's name, when there is one


def isolated_django(name: str, *, redis: str = "") -> Isolation:
    """Point Django, before it reads its settings, at a scratch var dir, media root and database of
    the benchmark's own (SQLite, or with `--postgres URL` a database created there and dropped by
    `run`), with production settings (DEBUG's query log would measure the debugger) and no Redis
    unless given. Call before `import django`."""
    scratch = Path(tempfile.mkdtemp(prefix=f"streamify-bench-{name}-"))
    postgres_server = option("--postgres")
    database = f"streamify_bench_{name.replace('-', '_')}_{os.getpid()}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "streamify.settings"
    os.environ["STREAMIFY_VAR_DIR"] = str(scratch / "var")
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ["MEDIA_STORAGE"] = "filesystem"
    for variable in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SQLITE_PATH"):
        os.environ.pop(variable, None)
    if postgres_server:
        os.environ["DATABASE_URL"] = f"{postgres_server.rstrip('/')}/{database}"
    if redis:
        os.environ["REDIS_URL"] = redis
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = os.urandom(32).hex()
    return Isolation(scratch, postgres_server, database)


def start_uvicorn(app: str, port: int, *, cwd: Path, log_path: Path | None = None) -> subprocess.Popen:
    """One uvicorn process serving `app` on 127.0.0.1:`port` with this process's environment,
    returned once it accepts connections; exits the benchmark if it does not within 30 s."""
    with open(log_path or os.devnull, "w") as log:  # the child keeps its own copy of the descriptor
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "uvicorn", app, "--port", str(port),
             "--lifespan", "off", "--log-level", "warning", "--no-access-log"],
            env=os.environ.copy(), cwd=cwd, stderr=log if log_path else None,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit(f"uvicorn did not start:\n{log_path.read_text() if log_path else ''}")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def admin_sql(server: str, statement: str) -> None:
    """One statement on the server's `postgres` database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as admin:
        admin.execute(statement)


def run(main: Callable[[], int], *, scratch: Path, postgres_server: str = "", database: str = "") -> None:
    """Runs a benchmark's main(), then removes its scratch folder and, if it ran on PostgreSQL,
    its database (after closing this process's connections to it)."""
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if postgres_server:
            from django.db import connections

            connections.close_all()
            admin_sql(postgres_server, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def seeded_database(server: str, database: str, *, tracks: int, reseed: bool, count_sql: str) -> bool:
    """A benchmark's own database of `tracks` seeded tracks (`manage.py seed_catalog`), kept between
    runs because seeding a large catalog takes a while: reused while `count_sql` finds at least
    `tracks` rows and `--reseed` was not given, else dropped, migrated and seeded. Needs
    DATABASE_URL already pointing at it. True when it was (re)seeded."""
    import psycopg

    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    if exists and not reseed:
        with psycopg.connect(f"{server.rstrip('/')}/{database}") as db:
            try:
                have = db.execute(count_sql).fetchone()[0]
            except psycopg.Error:
                have = 0
        if have >= tracks:
            print(f"Reusing {database}: {have:,} tracks.")
            return False
    admin_sql(server, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    admin_sql(server, f"CREATE DATABASE {database}")
    manage = [sys.executable, "manage.py"]
    print(f"Seeding {tracks:,} tracks into {database} (once; later runs reuse it) ...", flush=True)
    started = time.perf_counter()
    subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True, env=os.environ.copy())  # noqa: S603
    subprocess.run(  # noqa: S603
        [*manage, "seed_catalog", "--tracks", str(tracks)], check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL
    )
    print(f"Seeded in {time.perf_counter() - started:.0f} s.")
    return True
