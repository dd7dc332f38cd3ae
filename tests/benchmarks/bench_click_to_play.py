"""Click-to-playing benchmark: from a click on a track's play button to its audio's `playing` event.

    .venv/bin/python -m tests.benchmarks.bench_click_to_play [--rounds 5] [--clicks 10]

Starts the real ASGI app under uvicorn (one process, as `make serve`, DEBUG off, a random
SECRET_KEY, static files collected and served by WhiteNoise) on a throwaway SQLite database and
media root (the embedded mode: the in-memory channel layer). One 30 s track goes through the real
ingest pipeline (ffmpeg); its ladder is copied into an album of ten tracks, and a premium listener
signs in through the login form of a headless Chromium (Playwright), which opens the album page
and waits for the player's websocket to hand it its state. Chromium's HTTP cache is disabled, so
every play fetches its playlists and segments as a first play of a track does. Then, `--rounds`
times, `--clicks` pairs of (alternating which goes first, because the machines here are noisy):

(A) click: inside the page, `performance.now()` just before clicking a track row's play button
    (a different track each time), until a `playing` event on the player's active deck with that
    track: the command over the websocket, the server's state broadcast, the stream grant
    (`GET /v1/tracks/{id}/stream`), hls.js loading the master and media playlists and the first
    segments, decoding. Between clicks the player is paused and left to finish buffering;
(B) floor: a bare <audio> element with the same hls.js (the player's, already loaded) given a
    stream URL granted just before the clock starts, from `loadSource` to `playing`: what any
    HLS player pays on this machine, over the same loopback server.

It prints each round's p50/p95/max per side (with when the click's grant request was sent and
answered, from the page's resource timing), the medians of the rounds, the percentiles over all
rounds with the ratio of the p50s, what went wrong, then one summary line with the goal (p50 <=
300 ms on loopback). It reports; it asserts nothing and exits 0 (also without Chromium).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.benchmarks.harness import free_port, percentile, run, start_uvicorn

ROOT = Path(__file__).resolve().parents[2]
SCRATCH = Path(tempfile.mkdtemp(prefix="streamify-bench-click-"))
SERVER_LOG = SCRATCH / "uvicorn.log"
CHROMIUM = Path("/usr/bin/chromium")
PORT = free_port()  # chosen now: SITE_URL names it
# Before Django reads its settings: our own database and media, the embedded mode.
os.environ["STREAMIFY_VAR_DIR"] = str(SCRATCH / "var")
os.environ["MEDIA_ROOT"] = str(SCRATCH / "media")
os.environ["MEDIA_STORAGE"] = "filesystem"
for _name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SQLITE_PATH", "STREAM_BASE_URL", "ALLOWED_HOSTS"):
    os.environ.pop(_name, None)
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Production settings: DEBUG's query log would measure the debugger.
os.environ["DEBUG"] = "0"
os.environ["SECRET_KEY"] = os.urandom(32).hex()
# The player's websocket states carry absolute URLs (artwork) built on SITE_URL, not a request.
os.environ["SITE_URL"] = f"http://127.0.0.1:{PORT}"
# Loopback has no TLS: secure cookies (the default with DEBUG off) would never be sent back.
os.environ["SESSION_COOKIE_SECURE"] = "0"
os.environ["CSRF_COOKIE_SECURE"] = "0"
# With DEBUG off WhiteNoise serves /static/ from STATIC_ROOT: collected into the scratch folder
# with the production storage (hashed names, compressed copies), as the Dockerfile does.
os.environ["STATIC_ROOT"] = str(SCRATCH / "static")
os.environ["DJANGO_SETTINGS_MODULE"] = "streamify.settings"

# Imported only now: Django and the project modules read the environment set above.
import django  # noqa: E402

django.setup()

from django.core.files import File  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.forms.models import model_to_dict  # noqa: E402

from apps.accounts.models import Product  # noqa: E402
from apps.catalog.models import AudioRendition, IngestState, Track  # noqa: E402
from apps.catalog.services.ingest import track_ingest  # noqa: E402
from tests import audio  # noqa: E402
from tests.factories import PASSWORD, AlbumFactory, ArtistFactory, TrackFactory, UserFactory  # noqa: E402

TRACKS = 10
TRACK_SECONDS = 30.0  # long enough that the player never preloads the next track (20 s before the end)
EMAIL = "click@example.test"
TIMEOUT_MS = 10_000  # a click not playing by then counts as missed
SETTLE_MS = 250  # after the pause, so that one click's trailing requests do not overlap the next
GOAL_P50_MS = 300.0

# (A) Click the row's play button and time it to the `playing` of the active deck with that track.
# Resource timing says when the player asked for the stream grant (the command's round trip and
# the state broadcast are before it) and when the answer was in.
CLICK = """async ([trackId, timeoutMs]) => {
  const player = window.streamifyPlayer;
  const button = document.querySelector(`.track-row[data-track-id="${trackId}"] button[data-play]`);
  const decks = [...document.querySelectorAll("audio[data-deck]")];
  performance.clearResourceTimings();
  let started = 0;
  return await new Promise((resolve) => {
    const done = (ms) => {
      clearTimeout(timer);
      decks.forEach((deck) => deck.removeEventListener("playing", onPlaying));
      const path = `/v1/tracks/${trackId}/stream`;
      const grant = performance.getEntriesByType("resource").find((entry) => entry.name.endsWith(path));
      resolve({ms, grantSent: grant && grant.startTime - started, grantDone: grant && grant.responseEnd - started});
    };
    const onPlaying = (event) => {
      const now = performance.now();
      const deck = player.engine.current;
      if (event.target === deck.audio && deck.trackId === trackId) {
        done(now - started);
      }
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    decks.forEach((deck) => deck.addEventListener("playing", onPlaying));
    started = performance.now();
    button.click();
  });
}"""

# (B) The floor: the same hls.js, configured as the player's decks are, on a bare <audio> element;
# the grant is fetched before the clock starts.
FLOOR = """async ([trackId, timeoutMs]) => {
  const headers = {Accept: "application/json"};
  const response = await fetch(`/v1/tracks/${trackId}/stream`, {credentials: "same-origin", headers});
  const grant = await response.json();
  const audio = document.createElement("audio");
  document.body.append(audio);
  const hls = new window.Hls({startPosition: 0, maxBufferLength: 30});
  let started = 0;
  return await new Promise((resolve) => {
    const done = (ms) => {
      clearTimeout(timer);
      hls.destroy();
      audio.remove();
      resolve({ms});
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    audio.addEventListener("playing", () => done(performance.now() - started), {once: true});
    started = performance.now();
    hls.loadSource(grant.url);
    hls.attachMedia(audio);
    audio.play().catch(() => {});
  });
}"""

# Paused, on the server and in the deck, and done buffering: the paused deck's hls.js goes on
# loading up to 30 s ahead (the whole track here), which would otherwise overlap the next play.
SETTLED = """() => {
  const player = window.streamifyPlayer;
  const audio = player.engine.current.audio;
  const buffered = audio.buffered.length ? audio.buffered.end(audio.buffered.length - 1) : 0;
  const paused = player.state && !player.state.is_playing && audio.paused;
  return paused && buffered >= Math.min(audio.duration, audio.currentTime + 30) - 1;
}"""


def fixtures() -> tuple[str, list[str]]:
    """An album of TRACKS playable copies of one really ingested track, and a premium listener;
    returns the album's and the tracks' public ids."""
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    source = audio.music_like(SCRATCH / "song.flac", seconds=TRACK_SECONDS)
    ingested = Track.objects.create(
        album=AlbumFactory(title="Ingest"), title="Ingest", ingest_state=IngestState.UPLOADED
    )
    with source.open("rb") as handle:
        ingested.master_key = default_storage.save(f"masters/{ingested.public_id}/song.flac", File(handle))
    ingested.save(update_fields=["master_key"])
    track_ingest(track_id=ingested.pk)
    ingested.refresh_from_db()
    if ingested.ingest_state != IngestState.READY:
        sys.exit(f"ingest failed: {ingested.ingest_error}")
    renditions = [model_to_dict(r, exclude=["id", "track"]) for r in ingested.renditions.all()]
    media_root = Path(os.environ["MEDIA_ROOT"])
    attempt = ingested.hls_prefix.rsplit("/", 1)[1]
    album = AlbumFactory(title="Northern Lights", artists=[ArtistFactory(name="Aurora Fields")])
    track_ids = []
    for number in range(1, TRACKS + 1):
        track = TrackFactory(
            album=album,
            title=f"Song {number}",
            track_number=number,
            duration_ms=ingested.duration_ms,
            loudness_lufs=ingested.loudness_lufs,
            true_peak_dbtp=ingested.true_peak_dbtp,
        )
        track.hls_prefix = f"audio/{track.public_id}/{attempt}"
        track.save(update_fields=["hls_prefix"])
        shutil.copytree(media_root / ingested.hls_prefix, media_root / track.hls_prefix)
        for rendition in renditions:
            key = rendition["playlist_key"].replace(ingested.hls_prefix, track.hls_prefix)
            AudioRendition.objects.create(track=track, **{**rendition, "playlist_key": key})
        track_ids.append(track.public_id)
    UserFactory(email=EMAIL, display_name="Pia Premium", product=Product.PREMIUM, country="SE")
    return album.public_id, track_ids


def open_album(browser, album_id: str):
    context = browser.new_context(base_url=f"http://127.0.0.1:{PORT}")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    # Every play fetches its playlists and segments: a first play of a track (signed URLs that
    # repeat within a second would otherwise come from the cache, on either side).
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    page.goto(f"/album/{album_id}")
    page.wait_for_function("() => window.streamifyPlayer && window.streamifyPlayer.socket.ready")
    return page


def click(page, track_id: str) -> dict:
    result = page.evaluate(CLICK, [track_id, TIMEOUT_MS])
    page.evaluate("() => window.streamifyPlayer.command('pause')")
    page.wait_for_function(SETTLED)
    page.wait_for_timeout(SETTLE_MS)
    return result


def floor(page, track_id: str) -> dict:
    result = page.evaluate(FLOOR, [track_id, TIMEOUT_MS])
    page.wait_for_timeout(SETTLE_MS)
    return result


def measure(args, album_id: str, track_ids: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--autoplay-policy=no-user-gesture-required"],
        )  # fmt: skip
        try:
            page = open_album(browser, album_id)
            # Warm-up, not counted: the first play loads hls.js (which side B then uses) and
            # starts Web Audio; both paths' first requests warm the server.
            click(page, track_ids[-1])
            floor(page, track_ids[-2])
            rounds = []
            for round_number in range(args.rounds):
                sides: dict[str, list[dict]] = {"click": [], "floor": []}
                for number in range(args.clicks):
                    # The tracks in turn: a click never names the track the player already has.
                    track_id = track_ids[(round_number * args.clicks + number) % len(track_ids)]
                    order = (("click", click), ("floor", floor))  # which goes first alternates
                    for name, play in order if number % 2 == 0 else reversed(order):
                        sides[name].append(play(page, track_id))
                rounds.append(sides)
            hls_version = page.evaluate("() => window.Hls.version")
            return {"rounds": rounds, "chromium": browser.version, "hls": hls_version, "errors": page.errors}
        finally:
            browser.close()


# --- The report ------------------------------------------------------------------------------


def times(results: list[dict], key: str = "ms") -> list[float]:
    return [r[key] for r in results if r.get(key) is not None]


def report(args, measured: dict, log: str) -> None:
    rounds = measured["rounds"]
    print(
        f"click to playing: uvicorn, 1 process, SQLite, in-memory channel layer; headless Chromium "
        f"{measured['chromium']}, hls.js {measured['hls']}, HTTP cache off; an album of {TRACKS} x "
        f"{TRACK_SECONDS:g} s tracks; {args.rounds} rounds x {args.clicks} clicks per side, interleaved; "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{'round':<7}{'side':<7}{'samples':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'missed':>8}"
        f"{'grant sent p50':>16}{'grant done p50':>16}"
    )
    for number, sides in enumerate(rounds, 1):
        for name, results in sides.items():
            ms = times(results)
            sent, done = times(results, "grantSent"), times(results, "grantDone")
            grants = f"{percentile(sent, 0.5):>16.0f}{percentile(done, 0.5):>16.0f}" if sent else f"{'-':>16}{'-':>16}"
            print(
                f"{number:<7}{name:<7}{len(ms):>8}{percentile(ms, 0.5):>9.0f}{percentile(ms, 0.95):>9.0f}"
                f"{max(ms, default=float('nan')):>9.0f}{len(results) - len(ms):>8}{grants}"
            )
    clicks = [times(sides["click"]) for sides in rounds]
    floors = [times(sides["floor"]) for sides in rounds]
    all_click, all_floor = sum(clicks, []), sum(floors, [])
    print()
    print(f"{'':<20}{'click p50':>10}{'p95':>7}{'floor p50':>11}{'p95':>7}{'p50 ratio':>11}")
    medians = [
        statistics.median(percentile(ms, fraction) for ms in sides)
        for sides, fraction in ((clicks, 0.5), (clicks, 0.95), (floors, 0.5), (floors, 0.95))
    ]
    pooled = [percentile(ms, fraction) for ms in (all_click, all_floor) for fraction in (0.5, 0.95)]
    for name, (c50, c95, f50, f95) in (("median of rounds", medians), ("all rounds", pooled)):
        print(f"{name:<20}{c50:>10.0f}{c95:>7.0f}{f50:>11.0f}{f95:>7.0f}{c50 / f50:>10.1f}x")
    if measured["errors"]:
        print(f"page errors: {measured['errors'][:5]}")
    if log.strip():
        print("the server logged (last lines):")
        for line in log.strip().splitlines()[-10:]:
            print(f"  {line}")
    c50, c95, f50, _ = pooled
    print()
    print(
        f"click to playing: p50 {c50:.0f} ms, p95 {c95:.0f} ms; bare hls.js floor p50 {f50:.0f} ms; "
        f"ratio {c50 / f50:.1f} (goal: p50 <= {GOAL_P50_MS:g} ms)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clicks", type=int, default=10, help="clicks per round and side")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"click to playing: skipped, no Chromium at {CHROMIUM} (apt-get install chromium)")
        return 0

    album_id, track_ids = fixtures()
    # All the rows and files are made before the server starts (it opens the same SQLite file and
    # media root) and before Playwright, whose sync API keeps an asyncio loop running on this
    # thread, where Django refuses ORM calls.
    server = start_uvicorn("streamify.server:application", PORT, cwd=ROOT, log_path=SERVER_LOG)
    try:
        measured = measure(args, album_id, track_ids)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    report(args, measured, SERVER_LOG.read_text(errors="replace"))
    return 0


if __name__ == "__main__":
    run(main, scratch=SCRATCH)
