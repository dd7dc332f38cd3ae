"""Player fan-out benchmark: how fast a state change reaches a user's other devices, 1,000 sockets open.

    .venv/bin/python -m tests.benchmarks.bench_player_fanout [--users 250] [--devices 4] [--rounds 5]
        [--changes 200] [--rate 10] [--postgres URL] [--redis URL]

Starts the real ASGI app under uvicorn (one process, as `make serve`, DEBUG off, a random
SECRET_KEY) through `tests.benchmarks.echo_asgi`, which adds a bare websocket echo at `/ws/echo/`
to the same process and hands everything else to `streamify.server.application` untouched. The
database is a throwaway: SQLite in a temporary directory with the in-memory channel layer (the
embedded mode: every socket lives in that one process), or with `--postgres
postgres://postgres@127.0.0.1:5432` a database it creates there and drops after; `--redis
redis://127.0.0.1:6379/11` switches to the Redis channel layer (REDIS_URL; the group keys of the
run's users are deleted after).

One asyncio client (the `websockets` library, uvloop when installed, compression offered as
browsers do) opens `--users` x `--devices` player sockets, 50 at a time; each says hello with a
JWT and reads its state, then every socket sends a heartbeat every 30 s as a live client would.
Each user starts an album; then rounds alternate, because the machines here are noisy:

(A) fan-out: `--changes` commands at `--rate` a second (open loop), each from a random device of a
    user with no command in flight, cycling seek, pause, volume, play so that every one changes
    the state. Measured: from sending the command to each of the user's other devices receiving
    the `state` with the new version (and, beside it, to the sender's `ack`);
(B) echo floor: `--changes` frames of a command's size sent to `/ws/echo/` from 16 sockets, at the
    pace frames reach the client in (A) (each change's states and ack); measured from send to the
    frame coming back, with the player sockets still open and heart-beating.

It prints each round's p50/p99/max per side, deliveries lost (none within 10 s), errors, player
sockets the server dropped, the server's and the client's CPU (share of one CPU), the medians of
the rounds, the percentiles over all rounds with the ratio of the p99s, what the server logged
(tracebacks by their last line), then one summary line with the goals: fan-out p99 <= 50 ms and
<= 5x the echo p99. It reports; it asserts nothing and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.benchmarks.harness import admin_sql, free_port, isolated_django, option, percentile, run, start_uvicorn

ROOT = Path(__file__).resolve().parents[2]
ENV = isolated_django("fanout", redis=option("--redis"))
SCRATCH, POSTGRES_SERVER, BENCH_DATABASE = ENV.scratch, ENV.postgres_server, ENV.database
REDIS_SERVER = option("--redis")
SERVER_LOG = SCRATCH / "uvicorn.log"

# Imported only now: Django and the project modules read the environment set above.
import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.playback.player.broadcast import player_group  # noqa: E402
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory  # noqa: E402

ECHO_SOCKETS = 16
CONNECT_BATCH = 50  # sockets opening at once: a reconnect storm is another benchmark
HEARTBEAT_SECONDS = 30  # a third of PLAYER_DEVICE_TIMEOUT_SECONDS, so no device is pruned mid-run
TIMEOUT = 10.0  # a delivery later than this is counted lost
COMMANDS = ("seek", "pause", "volume", "play")  # from a playing state, each one changes it
GOAL_P99_MS = 50.0
GOAL_RATIO = 5.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
rng = random.Random(2026)  # noqa: S311 (picks users and positions; nothing secret)


def raise_open_files_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))  # uvicorn inherits it


def fixtures(users: int) -> tuple[str, list[tuple[str, str]]]:
    """An album of ten ready tracks, and `users` listeners with their public ids and JWTs."""
    call_command("migrate", verbosity=0)
    album = AlbumFactory(artists=[ArtistFactory()])
    for number in range(1, 11):
        TrackFactory(album=album, track_number=number)
    unusable = make_password(None)  # tokens only: no password hashing for hundreds of users
    User.objects.bulk_create(
        User(email=f"fanout{n}@example.test", display_name=f"Listener {n}", country="SE", password=unusable)
        for n in range(users)
    )
    listeners = User.objects.filter(email__startswith="fanout").order_by("pk")
    return f"spotify:album:{album.public_id}", [(u.public_id, str(AccessToken.for_user(u))) for u in listeners]


def start_server(port: int) -> subprocess.Popen:
    return start_uvicorn("tests.benchmarks.echo_asgi:application", port, cwd=ROOT, log_path=SERVER_LOG)


def server_errors(log: bytes) -> Counter:
    """What the server logged, one line per problem: a traceback counts as its last exception line."""
    problems: Counter = Counter()
    last = ""
    for line in [*log.decode(errors="replace").splitlines(), "ERROR:"]:
        if line.startswith(("ERROR:", "WARNING:", "CRITICAL:")):
            if last:
                problems[last] += 1
            last = "" if "Exception in ASGI application" in line else line
        elif line and not line[0].isspace() and not line.startswith(("Traceback", "During handling", "The above")):
            last = line
    return problems


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:  # the server is gone; the report says what it logged
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


# --- The client ------------------------------------------------------------------------------


@dataclass(eq=False)
class Device:
    user: int
    index: int
    ws: ClientConnection
    version: int = 0
    open: bool = True
    greeted: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


@dataclass(eq=False)
class Change:
    command_id: str
    before: int  # the version every device had: the next one is this command's
    waiting: set[Device]
    sent_at: float = 0.0
    deliveries: list[tuple[float, int]] = field(default_factory=list)  # (seconds, version)
    acked: tuple[float, dict] | None = None
    dropped: int = 0  # devices that were waited for and lost their socket
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Side:
    """One round of one side: latencies in seconds and what went wrong."""

    name: str
    latencies: list[float] = field(default_factory=list)
    acks: list[float] = field(default_factory=list)
    lost: int = 0
    errors: int = 0
    wrong_version: int = 0
    dropped: int = 0  # player sockets the server closed during the round
    server_cpu: float = 0.0  # share of one CPU during the round
    client_cpu: float = 0.0
    seconds: float = 0.0


@dataclass(eq=False)
class EchoSocket:
    ws: ClientConnection
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Bench:
    def __init__(self, args, port: int, album_uri: str, listeners: list[tuple[str, str]], server_pid: int):
        self.args, self.port, self.album_uri, self.listeners = args, port, album_uri, listeners
        self.server_pid = server_pid
        self.devices: list[list[Device]] = [[] for _ in listeners]
        self.pending: dict[int, Change] = {}
        self.steps = [0] * len(listeners)
        self.order = itertools.cycle(rng.sample(range(len(listeners)), len(listeners)))
        self.echoes: list[EchoSocket] = []
        self.sequence = 0
        self.stray_errors: Counter = Counter()
        self.dropped = 0
        self.closing = False
        self.readers: list[asyncio.Task] = []

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    # --- sockets ---

    async def open_device(self, user: int, index: int) -> None:
        ws = await connect(self.url("/ws/player/"), ping_interval=None, open_timeout=60, close_timeout=10)
        device = Device(user, index, ws)
        self.devices[user].append(device)
        self.readers.append(asyncio.create_task(self.read(device)))
        hello = {
            "type": "hello",
            "token": self.listeners[user][1],
            "device": {"id": f"bench-{index}", "name": f"Bench device {index}", "type": "Computer"},
            "version": 0,
        }
        await ws.send(json.dumps(hello))
        await asyncio.wait_for(device.greeted, 60)

    async def read(self, device: Device) -> None:
        """Every frame a player socket receives, timestamped on arrival."""
        try:
            async for raw in device.ws:
                now = time.perf_counter()
                message = json.loads(raw)
                kind = message.get("type")
                change = self.pending.get(device.user)
                if kind == "state":
                    version = message["version"]
                    device.version = max(device.version, version)
                    if not device.greeted.done():
                        device.greeted.set_result(version)
                    if change is not None and device in change.waiting and version > change.before:
                        change.waiting.discard(device)
                        change.deliveries.append((now - change.sent_at, version))
                elif kind in ("ack", "error"):
                    if change is not None and message.get("id") == change.command_id:
                        change.acked = (now - change.sent_at, message)
                        if kind == "error":
                            change.done.set()
                    elif kind == "error":
                        self.stray_errors[message["error"].get("reason") or message["error"]["status"]] += 1
                if change is not None and change.acked is not None and not change.waiting:
                    change.done.set()
        except ConnectionClosed:
            pass
        # A socket the server closed (a real client would reconnect): what it was awaited for is lost.
        device.open = False
        if not device.greeted.done():
            device.greeted.set_result(0)
        if not self.closing:
            self.dropped += 1
            change = self.pending.get(device.user)
            if change is not None and device in change.waiting:
                change.waiting.discard(device)
                change.dropped += 1
                if change.acked is not None and not change.waiting:
                    change.done.set()

    async def open_all(self) -> None:
        pairs = [(user, index) for index in range(self.args.devices) for user in range(len(self.listeners))]
        for start in range(0, len(pairs), CONNECT_BATCH):
            await asyncio.gather(*(self.open_device(u, i) for u, i in pairs[start : start + CONNECT_BATCH]))
        for _ in range(ECHO_SOCKETS):
            ws = await connect(self.url("/ws/echo/"), ping_interval=None, open_timeout=60, close_timeout=10)
            self.echoes.append(EchoSocket(ws))
        await self.settle()

    async def settle(self, seconds: float = 20) -> None:
        """Until every device of every user has seen the same (last) version."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(len({d.version for d in devices if d.open}) <= 1 for devices in self.devices):
                return
            await asyncio.sleep(0.1)

    async def heartbeats(self) -> None:
        everyone = [device for devices in self.devices for device in devices]
        rng.shuffle(everyone)
        frame = json.dumps({"type": "heartbeat"})
        for device in itertools.cycle(everyone):
            await asyncio.sleep(HEARTBEAT_SECONDS / len(everyone))
            try:
                await device.ws.send(frame)
            except ConnectionClosed:
                pass

    async def close_all(self) -> None:
        self.closing = True
        sockets = [d.ws for devices in self.devices for d in devices] + [e.ws for e in self.echoes]
        for start in range(0, len(sockets), CONNECT_BATCH):
            await asyncio.gather(*(ws.close() for ws in sockets[start : start + CONNECT_BATCH]))
        await asyncio.gather(*self.readers, return_exceptions=True)

    # --- the two sides ---

    async def change(self, user: int, command: str, args: dict, sender_index: int, side: Side | None) -> None:
        devices = [device for device in self.devices[user] if device.open]
        if len(devices) < 2:
            return  # dropped sockets (counted when they went) left nobody to fan out to
        sender = devices[sender_index % len(devices)]
        self.sequence += 1
        change = Change(
            command_id=f"c{self.sequence}",
            before=max(d.version for d in devices),
            waiting={d for d in devices if d is not sender},
        )
        frame = json.dumps({"type": "command", "id": change.command_id, "command": command, "args": args})
        self.pending[user] = change
        try:
            change.sent_at = time.perf_counter()
            await sender.ws.send(frame)
            await asyncio.wait_for(change.done.wait(), TIMEOUT)
        except (TimeoutError, ConnectionClosed):
            pass
        finally:
            del self.pending[user]
        if side is None:
            return
        if change.acked is not None and change.acked[1]["type"] == "error":
            side.errors += 1
            return
        side.latencies += [seconds for seconds, _ in change.deliveries]
        side.lost += len(change.waiting) + change.dropped + (change.acked is None)
        if change.acked is not None:
            side.acks.append(change.acked[0])
            side.wrong_version += sum(version != change.acked[1]["version"] for _, version in change.deliveries)

    async def next_change(self, side: Side) -> None:
        for _ in range(len(self.listeners)):
            user = next(self.order)
            if user not in self.pending:
                break
        else:
            side.lost += 1  # every user has a command in flight: the server has fallen behind
            return
        step = self.steps[user]
        self.steps[user] += 1
        command = COMMANDS[step % len(COMMANDS)]
        args = {
            "seek": lambda: {"position_ms": rng.randrange(0, 170_000)},
            "volume": lambda: {"volume_percent": rng.randrange(0, 101)},
        }.get(command, dict)()
        await self.change(user, command, args, rng.randrange(self.args.devices), side)

    async def echo(self, number: int, side: Side) -> None:
        socket_ = self.echoes[number % len(self.echoes)]
        frame = json.dumps({"type": "command", "id": f"e{number}", "command": "seek", "args": {"position_ms": 123_456}})
        async with socket_.lock:
            started = time.perf_counter()
            try:
                await socket_.ws.send(frame)
                reply = await asyncio.wait_for(socket_.ws.recv(), TIMEOUT)
            except (TimeoutError, ConnectionClosed):
                side.lost += 1
                return
            elapsed = time.perf_counter() - started
        if reply == frame:
            side.latencies.append(elapsed)
        else:
            side.wrong_version += 1

    async def paced(self, side: Side, count: int, rate: float, start) -> Side:
        """`count` starts at `rate` a second (open loop: a slow answer does not slow the pace)."""
        loop = asyncio.get_running_loop()
        server_before, client_before = cpu_seconds(self.server_pid), time.process_time()
        dropped_before = self.dropped
        began = loop.time()
        tasks = []
        for number in range(count):
            delay = began + number / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(start(number, side)))
        await asyncio.gather(*tasks)
        side.seconds = loop.time() - began
        side.dropped = self.dropped - dropped_before
        side.server_cpu = (cpu_seconds(self.server_pid) - server_before) / side.seconds
        side.client_cpu = (time.process_time() - client_before) / side.seconds
        return side

    async def fanout_round(self, changes: int) -> Side:
        return await self.paced(Side("fan-out"), changes, self.args.rate, lambda _, side: self.next_change(side))

    async def echo_round(self, changes: int) -> Side:
        # One echo per change, at the pace frames reach the client in a fan-out round (the states
        # and the ack of each change).
        return await self.paced(Side("echo"), changes, self.args.rate * (self.args.devices + 1), self.echo)

    async def run(self) -> Result:
        result = Result()
        started = time.monotonic()
        await self.open_all()
        result.connect_seconds = time.monotonic() - started
        heartbeats = asyncio.create_task(self.heartbeats())
        try:
            # Every user starts the album (a few at a time), so that pause, seek and play apply.
            playing = asyncio.Semaphore(8)

            async def start(user: int) -> None:
                async with playing:
                    await self.change(user, "play", {"context_uri": self.album_uri}, 0, None)

            await asyncio.gather(*(start(user) for user in range(len(self.listeners))))
            await self.settle()
            await self.fanout_round(min(20, self.args.changes))  # warm-up, not counted
            await self.echo_round(min(20, self.args.changes))
            for _ in range(self.args.rounds):
                fanout = await self.fanout_round(self.args.changes)
                await self.settle(2)
                echo = await self.echo_round(self.args.changes)
                result.rounds.append((fanout, echo))
        finally:
            heartbeats.cancel()
            result.dropped, result.stray_errors = self.dropped, self.stray_errors
            result.log_bytes = SERVER_LOG.stat().st_size  # what the server logged before the teardown
            await self.close_all()
        return result


@dataclass
class Result:
    rounds: list[tuple[Side, Side]] = field(default_factory=list)
    connect_seconds: float = 0.0
    dropped: int = 0
    stray_errors: Counter = field(default_factory=Counter)
    log_bytes: int = 0


def run_client(args, port: int, album_uri: str, listeners: list[tuple[str, str]], server_pid: int) -> Result:
    try:
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(Bench(args, port, album_uri, listeners, server_pid).run())


def forget_groups(listeners: list[tuple[str, str]]) -> None:
    """The Redis channel layer's groups of our users (emptied by the disconnects, but keyed)."""
    import redis

    client = redis.Redis.from_url(REDIS_SERVER)
    try:
        client.delete(*(f"asgi:group:{player_group(public_id)}" for public_id, _ in listeners))
    finally:
        client.close()


# --- The report ------------------------------------------------------------------------------


def ms(values: list[float], fraction: float) -> float:
    return percentile(values, fraction) * 1000


def report(args, result: Result, log: bytes) -> None:
    sockets = args.users * args.devices
    backend = "PostgreSQL" if POSTGRES_SERVER else "SQLite"
    layer = "Redis channel layer" if REDIS_SERVER else "in-memory channel layer"
    print(
        f"player fan-out: uvicorn, 1 process, {backend}, {layer}; {sockets} player websockets "
        f"({args.users} users x {args.devices} devices, opened in {result.connect_seconds:.1f} s) "
        f"+ {ECHO_SOCKETS} echo; {args.changes} changes per round at {args.rate:g}/s, "
        f"{args.rounds} rounds interleaved; {os.cpu_count()} CPUs"
    )
    print(
        f"{'round':<7}{'side':<9}{'samples':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'ack p50':>9}"
        f"{'lost':>6}{'errors':>8}{'dropped':>9}{'server CPU':>12}{'client CPU':>12}"
    )
    for number, pair in enumerate(result.rounds, 1):
        for side in pair:
            ack = f"{ms(side.acks, 0.5):.2f}" if side.acks else "-"
            print(
                f"{number:<7}{side.name:<9}{len(side.latencies):>8}{ms(side.latencies, 0.5):>9.2f}"
                f"{ms(side.latencies, 0.99):>9.2f}{max(side.latencies, default=0) * 1000:>9.2f}{ack:>9}"
                f"{side.lost:>6}{side.errors + side.wrong_version:>8}{side.dropped:>9}"
                f"{side.server_cpu:>11.0%}{side.client_cpu:>12.0%}"
            )
    fanouts, echoes = [pair[0] for pair in result.rounds], [pair[1] for pair in result.rounds]
    all_fanout = [value for side in fanouts for value in side.latencies]
    all_echo = [value for side in echoes for value in side.latencies]
    print()
    print(f"{'':<22}{'fan-out p50':>12}{'p99':>9}{'echo p50':>10}{'p99':>9}{'p99 ratio':>11}")
    medians = [
        statistics.median(ms(side.latencies, fraction) for side in sides) if sides else float("nan")
        for sides, fraction in ((fanouts, 0.5), (fanouts, 0.99), (echoes, 0.5), (echoes, 0.99))
    ]
    pooled = [ms(all_fanout, 0.5), ms(all_fanout, 0.99), ms(all_echo, 0.5), ms(all_echo, 0.99)]
    for name, (f50, f99, e50, e99) in (("median of rounds", medians), ("all rounds", pooled)):
        print(f"{name:<22}{f50:>12.2f}{f99:>9.2f}{e50:>10.2f}{e99:>9.2f}{f99 / e99:>10.1f}x")
    lost = sum(side.lost for side in fanouts + echoes)
    errors = sum(side.errors + side.wrong_version for side in fanouts + echoes)
    print(
        f"deliveries: {len(all_fanout):,} states to other devices, {len(all_echo):,} echoes; lost {lost}, "
        f"errors or wrong versions {errors}; player sockets dropped by the server: {result.dropped} of {sockets}"
    )
    if result.stray_errors:
        print(f"errors answering no command: {dict(result.stray_errors)}")
    for when, problems in (
        ("while measuring", server_errors(log[: result.log_bytes])),
        (f"at the teardown (closing the sockets {CONNECT_BATCH} at a time)", server_errors(log[result.log_bytes :])),
    ):
        if problems:
            print(f"the server logged {when}:")
            for line, count in problems.most_common(5):
                print(f"  {count:>5} x {line}")
    f50, f99, e50, e99 = pooled
    print()
    print(
        f"player fan-out: p50 {f50:.1f} ms, p99 {f99:.1f} ms with {sockets} connections; "
        f"echo floor p50 {e50:.1f} ms, p99 {e99:.1f} ms; p99 ratio {f99 / e99:.1f} "
        f"(goals: p99 <= {GOAL_P99_MS:g} ms, <= {GOAL_RATIO:g}x floor)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=250)
    parser.add_argument("--devices", type=int, default=4, help="player sockets per user (at least 2)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--changes", type=int, default=200, help="state changes per fan-out round")
    parser.add_argument("--rate", type=float, default=10.0, help="state changes a second, all users together")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL to run against instead of SQLite")
    parser.add_argument("--redis", default="", help="a Redis URL for the channel layer instead of the in-memory one")
    args = parser.parse_args(argv)
    args.devices = max(2, args.devices)
    raise_open_files_limit(args.users * args.devices + ECHO_SOCKETS + 1024)
    if args.postgres:
        admin_sql(POSTGRES_SERVER, f"CREATE DATABASE {BENCH_DATABASE}")

    album_uri, listeners = fixtures(args.users)
    port = free_port()
    server = start_server(port)
    try:
        result = run_client(args, port, album_uri, listeners, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if REDIS_SERVER:
            forget_groups(listeners)
    report(args, result, SERVER_LOG.read_bytes())
    return 0


if __name__ == "__main__":
    run(main, scratch=SCRATCH, postgres_server=POSTGRES_SERVER, database=BENCH_DATABASE)
