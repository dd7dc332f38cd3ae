"""Browser tests of the web player: the real ASGI app under uvicorn in a thread of this process
(tests.playback.conftest's `django_server`), real ingested audio, and Playwright driving the
system Chromium, which plays AAC in fMP4 through Media Source Extensions, so hls.js really decodes."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from django.forms.models import model_to_dict
from django.test import override_settings

from apps.accounts.models import Product
from apps.catalog.demo.covers import album_cover
from apps.catalog.models import Album, Artist, AudioRendition, IngestState, Track
from apps.catalog.services.catalog import album_cover_set
from apps.catalog.services.ingest import track_ingest
from tests import audio
from tests.factories import PASSWORD, AlbumFactory, ArtistFactory, TrackFactory, UserFactory
from tests.playback.conftest import django_server  # noqa: F401 (a fixture, used by the tests here)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Chromium is not installed at /usr/bin/chromium (apt-get install chromium): no browser to drive"
TRACK_SECONDS = 30.0
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "web"


# --- Audio: one real ladder per session ------------------------------------------------------


@dataclass(frozen=True)
class IngestedAudio:
    media_root: Path
    hls_prefix: str
    duration_ms: int
    loudness_lufs: float | None
    true_peak_dbtp: float | None
    renditions: list[dict]


@pytest.fixture(scope="session")
def ingested_audio(django_db_setup, django_db_blocker, tmp_path_factory) -> IngestedAudio:
    """One track through the real pipeline (ffmpeg), once per session; its rows are deleted again
    at once (transaction=True tests flush the tables anyway) and each test publishes copies of the
    ladder as its own tracks."""
    media_root = tmp_path_factory.mktemp("web-media")
    source = audio.music_like(tmp_path_factory.mktemp("web-source") / "song.flac", seconds=TRACK_SECONDS)
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root):
        album = AlbumFactory(title="Ingest")
        artist_ids = list(album.artists.values_list("pk", flat=True))
        track = Track.objects.create(album=album, title="Ingest", ingest_state=IngestState.UPLOADED)
        with source.open("rb") as handle:
            track.master_key = default_storage.save(f"masters/{track.public_id}/song.flac", File(handle))
        track.save(update_fields=["master_key"])
        track_ingest(track_id=track.pk)
        track.refresh_from_db()
        assert track.ingest_state == IngestState.READY, track.ingest_error
        renditions = [model_to_dict(r, exclude=["id", "track"]) for r in track.renditions.all()]
        ingested = IngestedAudio(
            media_root=media_root,
            hls_prefix=track.hls_prefix,
            duration_ms=track.duration_ms,
            loudness_lufs=track.loudness_lufs,
            true_peak_dbtp=track.true_peak_dbtp,
            renditions=renditions,
        )
        track.delete()
        album.delete()
        Artist.objects.filter(pk__in=artist_ids).delete()
    return ingested


@dataclass
class Catalog:
    album: Album
    tracks: list[Track]


@pytest.fixture
def publish(ingested_audio, _media_root):
    """Makes an album of `count` playable tracks, each a copy of the session's ladder under its
    own id, with generated cover art."""

    def make(count: int, *, title: str = "Northern Lights", artist_name: str = "Aurora Fields") -> Catalog:
        artist = ArtistFactory(name=artist_name)
        album = AlbumFactory(title=title, artists=[artist], label="Polar Records")
        cover = io.BytesIO()
        album_cover(title=title, artist=artist_name, genre="electronic", seed=7).save(cover, "JPEG")
        cover.seek(0)
        album_cover_set(album=album, cover=cover)
        _, _, attempt = ingested_audio.hls_prefix.split("/")
        tracks = []
        for number in range(1, count + 1):
            track = TrackFactory(
                album=album,
                title=f"Song {number}",
                track_number=number,
                duration_ms=ingested_audio.duration_ms,
                loudness_lufs=ingested_audio.loudness_lufs,
                true_peak_dbtp=ingested_audio.true_peak_dbtp,
            )
            prefix = f"audio/{track.public_id}/{attempt}"
            shutil.copytree(ingested_audio.media_root / ingested_audio.hls_prefix, _media_root / prefix)
            track.hls_prefix = prefix
            track.save(update_fields=["hls_prefix"])
            for rendition in ingested_audio.renditions:
                key = rendition["playlist_key"].replace(ingested_audio.hls_prefix, prefix)
                AudioRendition.objects.create(track=track, **{**rendition, "playlist_key": key})
            tracks.append(track)
        return Catalog(album=album, tracks=tracks)

    return make


# --- People ------------------------------------------------------------------------------------


@pytest.fixture
def free_listener():
    return UserFactory(email="free@example.test", display_name="Frida Free", product=Product.FREE, country="SE")


@pytest.fixture
def premium_listener():
    return UserFactory(email="premium@example.test", display_name="Pia Premium", product=Product.PREMIUM, country="SE")


# --- The browser ---------------------------------------------------------------------------------


# A browser is a service of the services mode (CI installs Chromium for that run): the browser tests
# drive the same pages whatever the database, so they run there, once, and not again in the embedded
# run. STREAMIFY_BROWSER_TESTS=1 runs them in the embedded mode too (with Chromium installed).
IN_SERVICES_MODE = bool(os.environ.get("DATABASE_URL")) or os.environ.get("STREAMIFY_BROWSER_TESTS") == "1"
EMBEDDED_SKIP = "browser tests run in the services mode (make test-services), or with STREAMIFY_BROWSER_TESTS=1"


@pytest.fixture(scope="session")
def browser(django_db_setup) -> Iterator:
    if not IN_SERVICES_MODE:
        pytest.skip(EMBEDDED_SKIP)
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running on this thread, and Django refuses ORM
    # calls from a thread with a running loop. The tests' own ORM calls (fixtures, assertions,
    # the database flush between tests) are plain synchronous code between browser steps, so the
    # check does not apply to them; it is lifted only while the browser lives (to the session's end).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def artifacts() -> Path:
    """Screenshots go under var/test-artifacts/web/ (git-ignored with /var/)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def open_page(transactional_db, browser, django_server, settings):  # noqa: F811 (the imported fixture)
    """A fresh browser context (a device of its own), signed in as `user` through the login form.
    It asks for the database first so that it is torn down before the database is flushed: the
    browsers close and the server settles while the tables still exist."""
    # The player's websocket states are rendered without a request, on SITE_URL (artwork URLs).
    settings.SITE_URL = f"http://127.0.0.1:{django_server.port}"
    contexts = []

    def open_for(user, *, viewport=None):
        context = browser.new_context(
            base_url=f"http://127.0.0.1:{django_server.port}", viewport=viewport or {"width": 1280, "height": 800}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.console = []
        page.on("console", lambda message: page.console.append(f"{message.type}: {message.text}"))
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login" not in url)
        return page

    yield open_for
    for context in contexts:
        context.close()
    django_server.settle()
