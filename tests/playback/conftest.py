"""Delivery fixtures: a real ingested ladder, the Django fallback on a real ASGI server, and a real
nginx running the shipped edge configuration (docker/nginx/, rendered by apps/playback/streaming/edge.py)."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from django.test import override_settings

from apps.catalog.models import Artist, IngestState, Track
from apps.catalog.services.ingest import track_ingest
from apps.common.ids import new_public_id
from apps.common.socketdb import close_socket_connections
from apps.playback.streaming import signing
from apps.playback.streaming.edge import EdgeOptions, nginx_binary, render_edge
from tests import audio
from tests.factories import AlbumFactory
from tests.ports import free_ports

TRACK_SECONDS = 8.0
NGINX_MISSING = "nginx is not installed (apt-get install nginx-light): the delivery edge cannot be tested"


# --- The ladder -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ladder:
    """A published ladder in the current test's MEDIA_ROOT, and signed paths into it."""

    hls_prefix: str  # audio/<track public id>/<attempt>
    media_root: Path

    @property
    def folder(self) -> Path:
        return self.media_root / self.hls_prefix

    def asset(self, cap: int) -> signing.Asset:
        return signing.asset_for(self.hls_prefix, cap)

    def path(self, cap: int, file: str = "master.m3u8", *, expires: int | None = None) -> str:
        return signing.signed_path(self.asset(cap), expires=expires or signing.new_expiry(), file=file)

    def files(self, rung: int) -> list[str]:
        """The rung's playlist, init segment and media segments, as `<rung>/<name>`."""
        return [f"{rung}/{p.name}" for p in sorted((self.folder / str(rung)).iterdir())]

    def init_file(self, rung: int) -> str:
        """The rung's init segment (ffmpeg names it init_<variant index>.mp4; see signing.FILE_RE)."""
        (init,) = (self.folder / str(rung)).glob("init*.mp4")
        return f"{rung}/{init.name}"

    def read(self, file: str) -> bytes:
        return (self.folder / file).read_bytes()


@pytest.fixture(scope="session")
def ingested_ladder_source(django_db_setup, django_db_blocker, tmp_path_factory) -> str:
    """One real track, ingested once per session by the real pipeline (ffmpeg) into a folder of
    its own; returns its hls_prefix. The rows are deleted again at once: serving a stream needs
    only the files, and the other tests must not see a stray track."""
    media_root = tmp_path_factory.mktemp("delivery-media")
    source = audio.music_like(tmp_path_factory.mktemp("delivery-source") / "song.flac", seconds=TRACK_SECONDS)
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root):
        album = AlbumFactory(title="Delivery")
        artist_ids = list(album.artists.values_list("pk", flat=True))
        track = Track.objects.create(album=album, title="Delivery", ingest_state=IngestState.UPLOADED)
        with source.open("rb") as handle:
            track.master_key = default_storage.save(f"masters/{track.public_id}/song.flac", File(handle))
        track.save(update_fields=["master_key"])
        track_ingest(track_id=track.pk)
        track.refresh_from_db()
        assert track.ingest_state == IngestState.READY, track.ingest_error
        hls_prefix = track.hls_prefix
        track.delete()
        album.delete()
        Artist.objects.filter(pk__in=artist_ids).delete()
    (media_root / ".delivery-ladder").write_text(hls_prefix)
    return str(media_root)


def _copy_ladder(source_root: Path, hls_prefix: str, media_root: Path, *, as_track: str | None = None) -> str:
    _, track_id, attempt = hls_prefix.split("/")
    target_prefix = f"audio/{as_track or track_id}/{attempt}"
    shutil.copytree(source_root / hls_prefix, media_root / target_prefix)
    return target_prefix


@pytest.fixture
def ladder(ingested_ladder_source, _media_root, db) -> Ladder:
    """The session's ingested ladder, copied into this test's MEDIA_ROOT. (`db`: pytest-django
    creates the test database only for a session with tests that ask for it, and the ingest
    needs it; serving never queries it.)"""
    source_root = Path(ingested_ladder_source)
    hls_prefix = (source_root / ".delivery-ladder").read_text()
    return Ladder(_copy_ladder(source_root, hls_prefix, _media_root), _media_root)


@pytest.fixture
def other_ladder(ladder) -> Ladder:
    """The same audio published as another track: a second asset to aim a token at."""
    other_prefix = _copy_ladder(ladder.media_root, ladder.hls_prefix, ladder.media_root, as_track=new_public_id())
    return Ladder(other_prefix, ladder.media_root)


# --- HTTP ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def header_values(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []

    def json(self):
        return json.loads(self.body)


def fetch(port: int, path: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> Reply:
    """One request with the path sent exactly as written (no client-side normalisation of `..`
    or escapes, which requests/urllib3 would apply)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def wait_for_port(port: int, *, process: subprocess.Popen | None = None, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


# --- The Django fallback on a real ASGI server -------------------------------------------------


@dataclass(frozen=True)
class Server:
    port: int
    uvicorn: object | None = None

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until the server holds no open connection (a closed browser's websockets have run
        their disconnect handlers), then close the player sockets' kept database connection on
        its own thread, behind any work still queued there. Browser tests call this before the
        test database is flushed: a socket transaction still running then would deadlock with
        the flush's TRUNCATE."""
        if self.uvicorn is not None:
            deadline = time.monotonic() + timeout
            while self.uvicorn.server_state.connections and time.monotonic() < deadline:
                time.sleep(0.02)
        close_socket_connections()


@pytest.fixture(scope="session")
def django_server(django_db_setup) -> Iterator[Server]:
    """The real ASGI application (streamify.asgi) under uvicorn, in a thread of this process, so it
    sees each test's settings (MEDIA_ROOT). The stream views need no database; pytest-django's
    blocker would turn any query from this thread into an error. It asks for the test database
    only so that the database outlives it: the player sockets keep a connection open until the
    server goes, and a database with a session open cannot be dropped."""
    import uvicorn

    from streamify.asgi import application

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(application, lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    wait_for_port(port)
    try:
        yield Server(port, server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
        # The player socket's kept connection (apps.common.socketdb), before the test database goes.
        close_socket_connections()


# --- nginx -----------------------------------------------------------------------------------


class _EchoHandler(BaseHTTPRequestHandler):
    """Stands in for the app behind the edge: answers with the headers it was sent."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.dumps({name.lower(): value for name, value in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def echo_app() -> Iterator[Server]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Edge:
    port: int
    prefix: Path

    @property
    def origin_log(self) -> Path:
        return self.prefix / "logs" / "origin.access.log"

    def origin_requests(self) -> list[str]:
        """The paths the origin was asked for, in order."""
        if not self.origin_log.exists():
            return []
        return [line.split('"')[1].split(" ")[1] for line in self.origin_log.read_text().splitlines() if line]


@pytest.fixture
def nginx_edge(tmp_path, _media_root, echo_app) -> Iterator[Edge]:
    """A real nginx on free ports running the shipped edge, rendered from this test's settings:
    the origin serves this test's MEDIA_ROOT, the cache starts empty, the app is the echo server."""
    binary = nginx_binary()
    if binary is None:
        pytest.skip(NGINX_MISSING)
    prefix = tmp_path / "nginx"
    edge_port, origin_port = free_ports(2)
    options = EdgeOptions(
        listen=f"127.0.0.1:{edge_port}", app_upstream=f"127.0.0.1:{echo_app.port}", origin_port=origin_port, workers="1"
    )
    render_edge(out_dir=prefix, options=options)
    startup_log = prefix / "logs" / "startup.log"
    process = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", "nginx.conf", "-e", str(startup_log), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_for_port(edge_port, process=process)
            wait_for_port(origin_port, process=process)
        except RuntimeError as exc:
            raise RuntimeError(f"nginx did not start: {exc}: {startup_log.read_text()}") from exc
        yield Edge(edge_port, prefix)
    finally:
        process.terminate()
        process.wait(timeout=10)
