"""Delivery benchmark: signed segments through the nginx edge against plain static files.

    .venv/bin/python -m tests.benchmarks.bench_delivery [--rounds 5] [--seconds 5] [--connections 32]

It writes a segment-like file set (`--segments` files of 96 KB of random bytes, the size of a
6 s segment at ~128 kbps) under a ladder prefix in a throwaway media root, renders the shipped edge
(docker/nginx/templates/, `render_edge`) with one worker process, adds a plain static `server` on
another port of the same nginx serving that media root, and then measures requests/s, `--rounds`
times interleaved:

- (A) **signed edge**: `/stream/<signature>/<expires>/<asset>/160/seg_NNNNN.m4s` through the edge:
  secure_link_md5, the request maps, then a `proxy_cache` hit (the cache is warmed first, and every
  response is checked to be `X-Cache-Status: HIT`): what a listener's player costs the edge.
- (B) **static**: the same files by path from the same nginx (`root`, sendfile), no checks and
  no cache: the cheapest nginx can serve them. The ratio A / B has a goal of >= 0.9.
- (C) **Django fallback**: the same signed URLs from the real ASGI application
  (`streamify.server:application` under one uvicorn worker, DEBUG off), the embedded mode's path.

The load is `wrk` (one thread, `--connections` keep-alive connections, cycling through the
segment URLs) when it is installed, else a Python client with one keep-alive connection per thread,
which saturates long before nginx does: its figures say little about nginx, and the output says
which client ran. Medians of the rounds are compared. It runs in the embedded mode (filesystem
media, no database needed) whatever the environment says, reports, asserts nothing and exits 0;
without nginx it says so and exits 0.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.benchmarks.harness import free_port, free_ports

SCRATCH = Path(tempfile.mkdtemp(prefix="streamify-bench-delivery-"))
# Before Django reads its settings: a media root of our own, the embedded mode, and a signing
# secret that the uvicorn child process (C) shares.
os.environ["DJANGO_SETTINGS_MODULE"] = "streamify.settings"
os.environ["STREAMIFY_VAR_DIR"] = str(SCRATCH / "var")
os.environ["MEDIA_ROOT"] = str(SCRATCH / "media")
os.environ["MEDIA_STORAGE"] = "filesystem"
os.environ.pop("DATABASE_URL", None)
os.environ["STREAM_SIGNING_SECRET"] = secrets.token_hex(32)
os.environ.setdefault("LOG_LEVEL", "WARNING")  # a 404 would log a line per request

# Imported only now: Django and the project modules read the environment set above.
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from apps.common.ids import new_public_id  # noqa: E402
from apps.playback.streaming import signing  # noqa: E402
from apps.playback.streaming.edge import EdgeOptions, nginx_binary, render_edge  # noqa: E402

GOAL_RATIO = 0.9
SEGMENT_BYTES = 96 * 1024
RUNG = 160


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on 127.0.0.1:{port}")


def write_segments(count: int) -> str:
    """A ladder prefix holding `count` 96 KB segments of the rung; returns the prefix."""
    prefix = f"audio/{new_public_id()}/bench"
    folder = Path(settings.MEDIA_ROOT) / prefix / str(RUNG)
    folder.mkdir(parents=True)
    for number in range(count):
        (folder / f"seg_{number:05d}.m4s").write_bytes(os.urandom(SEGMENT_BYTES))
    return prefix


def static_server(port: int) -> str:
    return f"""# The benchmark's baseline: the same files, plain static, from the same nginx.
server {{
    listen 127.0.0.1:{port};
    root {Path(settings.MEDIA_ROOT).resolve()};
    location /audio/ {{
        types {{ }}
        default_type audio/mp4;
    }}
}}
"""


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def check_responses(port: int, paths: list[str], *, cache_hit: bool) -> None:
    for path in paths:
        status, headers, body = get(port, path)
        if status != 200 or len(body) != SEGMENT_BYTES:
            sys.exit(f"{path} on {port}: {status}, {len(body)} bytes")
        if cache_hit and headers.get("X-Cache-Status") != "HIT":
            sys.exit(f"{path}: X-Cache-Status {headers.get('X-Cache-Status')}, expected HIT")


class Wrk:
    name = "wrk"

    def __init__(self, binary: str, connections: int) -> None:
        self.binary = binary
        self.connections = connections

    def run(self, port: int, paths: list[str], seconds: float) -> float:
        script = SCRATCH / f"paths-{port}.lua"
        entries = ", ".join(f'"{path}"' for path in paths)
        script.write_text(
            f"local paths = {{{entries}}}\nlocal i = 0\n"
            "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
        )
        command = [self.binary, "-t1", f"-c{self.connections}", f"-d{seconds:g}s", "-s", str(script)]
        result = subprocess.run([*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True)  # noqa: S603
        if "Non-2xx" in result.stdout:
            sys.exit(f"wrk saw errors on {port}:\n{result.stdout}")
        return float(re.search(r"Requests/sec:\s+([0-9.]+)", result.stdout)[1])


class ThreadClient:
    name = "python threads (wrk not installed: apt-get install wrk)"

    def __init__(self, connections: int) -> None:
        self.connections = connections

    def run(self, port: int, paths: list[str], seconds: float) -> float:
        counts = [0] * self.connections
        deadline = time.monotonic() + seconds

        def worker(index: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            number = index
            while time.monotonic() < deadline:
                connection.request("GET", paths[number % len(paths)])
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{response.status} from {port}")
                counts[index] += 1
                number += 1
            connection.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(self.connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(counts) / seconds


def start_nginx(binary: str, segments: list[str]) -> tuple[subprocess.Popen, int, int]:
    edge_port, static_port = free_ports(2)
    prefix = SCRATCH / "nginx"
    options = EdgeOptions(
        listen=f"127.0.0.1:{edge_port}", app_upstream="127.0.0.1:9", origin_port=free_port(), workers="1"
    )
    render_edge(out_dir=prefix, options=options)
    (prefix / "conf.d" / "static-baseline.conf").write_text(static_server(static_port))
    command = [binary, "-p", str(prefix), "-c", "nginx.conf", "-e", str(prefix / "logs" / "startup.log")]
    process = subprocess.Popen([*command, "-g", "daemon off;"])  # noqa: S603
    wait_for_port(edge_port)
    wait_for_port(static_port)
    return process, edge_port, static_port


def start_django() -> tuple[subprocess.Popen, int]:
    port = free_port()
    environment = {**os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1"}
    command = [sys.executable, "-m", "uvicorn", "streamify.server:application", "--port", str(port)]
    command += ["--lifespan", "off", "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env=environment)  # noqa: S603
    wait_for_port(port)
    return process, port


def nginx_version(binary: str) -> str:
    result = subprocess.run([binary, "-v"], capture_output=True, text=True, check=True)  # noqa: S603
    return result.stderr.strip().removeprefix("nginx version: ")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measurement (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections (default 32)")
    parser.add_argument("--segments", type=int, default=16, help="distinct segment files (default 16)")
    args = parser.parse_args(argv)

    binary = nginx_binary()
    if binary is None:
        print("delivery: nginx is not installed (apt-get install nginx-light); nothing measured")
        return 0
    wrk = shutil.which("wrk")
    client = Wrk(wrk, args.connections) if wrk else ThreadClient(min(args.connections, 8))

    prefix = write_segments(args.segments)
    asset = signing.asset_for(prefix, RUNG)
    expires = signing.new_expiry() + 3600  # outlives the run
    files = [f"{RUNG}/seg_{n:05d}.m4s" for n in range(args.segments)]
    signed = [signing.signed_path(asset, expires=expires, file=file) for file in files]
    static = [f"/{prefix}/{file}" for file in files]

    nginx, edge_port, static_port = start_nginx(binary, signed)
    django_server, django_port = start_django()
    try:
        check_responses(edge_port, signed, cache_hit=False)  # warms the cache
        check_responses(edge_port, signed, cache_hit=True)
        check_responses(static_port, static, cache_hit=False)
        check_responses(django_port, signed, cache_hit=False)
        print(
            f"delivery benchmark: {args.segments} x {SEGMENT_BYTES // 1024} KB segments, {args.rounds} rounds of "
            f"{args.seconds:g} s interleaved, {os.cpu_count()} CPUs, {nginx_version(binary)} (1 worker)"
        )
        print(f"load: {client.name}, {client.connections} keep-alive connections, loopback")

        sides = {"signed edge (A)": (edge_port, signed), "static (B)": (static_port, static)}
        sides["Django fallback (C)"] = (django_port, signed)
        rates: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(args.rounds):
            for name, (port, paths) in sides.items():
                rates[name].append(client.run(port, paths, args.seconds))
    finally:
        stop(django_server)
        stop(nginx)

    medians = {name: statistics.median(values) for name, values in rates.items()}
    edge, plain, fallback = medians.values()
    ratio = edge / plain
    label = 22
    print()
    header = "".join(f"{f'round {n}':>10}" for n in range(1, args.rounds + 1))
    print(f"{'requests/s':<{label}}{header}{'median':>10}")
    for name, values in rates.items():
        print(f"{name:<{label}}{''.join(f'{v:>10,.0f}' for v in values)}{medians[name]:>10,.0f}")
    print(f"{'A / B':<{label}}{'':>{10 * args.rounds}}{ratio:>10.2f}  (goal >= {GOAL_RATIO})")
    print(f"{'MB/s through A':<{label}}{'':>{10 * args.rounds}}{edge * SEGMENT_BYTES / 1e6:>10,.0f}")
    print()
    print(
        f"delivery: signed edge {edge:,.0f} req/s, static {plain:,.0f} req/s, ratio {ratio:.2f} "
        f"(goal >= {GOAL_RATIO}), Django fallback {fallback:,.0f} req/s ({client.name.split(' ')[0]}, "
        f"{SEGMENT_BYTES // 1024} KB segments)"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
