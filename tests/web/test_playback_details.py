"""The web player's audio details in a real browser: the next track preloaded on the idle deck and
started the moment the current one ends, the crossfade between the two decks (a setting of the
tab, kept in localStorage), the queue panel, play events that wait in localStorage while the
browser is offline, and stream URLs refreshed before they expire. The assertions are on what the
tab and the server did, never on how fast: the two cores of a CI machine make every gap vary, so
the measured ones are only printed."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from apps.playback.models import PlayerState, PlayEvent
from apps.playback.player.timeline import Timeline
from tests.web.test_player import player_title, wait_until_playing

pytestmark = pytest.mark.django_db(transaction=True)

# Both decks, as the tab's engine sees them: which track each holds, whether its <audio> plays,
# and its crossfade gain (null before Web Audio is attached).
DECKS = """() => {
  const engine = window.streamifyPlayer.engine;
  return engine.decks.map((deck, index) => ({
    index, track: deck.trackId, paused: deck.audio.paused, time: deck.audio.currentTime,
    fade: deck.fade ? deck.fade.gain.value : null, current: deck === engine.current,
  }));
}"""

# Play events not yet answered by the server: this user's keys in localStorage.
PENDING_EVENTS = """() => Object.keys(localStorage)
  .filter((key) => key.startsWith('streamify.events.'))
  .flatMap((key) => JSON.parse(localStorage.getItem(key) || '[]'))"""


def decks(page) -> list[dict]:
    return page.evaluate(DECKS)


def pending_events(page) -> list[dict]:
    return page.evaluate(PENDING_EVENTS)


def flush_events(page) -> None:
    """Until every stored play event has been sent and answered. flush() returns at once while a
    batch is in flight, so it is asked again on each poll rather than once."""
    page.wait_for_function(
        """() => {
          window.streamifyPlayer.events.flush();
          return !Object.keys(localStorage).some((k) => k.startsWith('streamify.events.') && localStorage[k] !== '[]');
        }""",
        polling=250,
        timeout=20_000,
    )


def start_album(page, catalog, *, next_track: int = 1) -> None:
    """Play the album from Song 1, until the tab knows the following track (the queue it fetches
    after each state decides what to preload)."""
    page.goto(f"/album/{catalog.album.public_id}")
    page.get_by_role("button", name="Play Song 1").click()
    wait_until_playing(page, catalog.tracks[0].public_id, past=0.5)
    page.wait_for_function(
        "(next) => window.streamifyPlayer.nextTrackId === next", arg=catalog.tracks[next_track].public_id
    )


def seek_to_remaining(page, remaining_ms: int) -> None:
    """Seek the way the seek bar does (the tab's engine and the server's anchor), `remaining_ms`
    before the end."""
    page.evaluate(
        "(left) => window.streamifyPlayer.seekTo(window.streamifyPlayer.state.item.duration_ms - left)",
        remaining_ms,
    )


def server_track(user) -> int | None:
    return Timeline.from_json(PlayerState.objects.get(user=user).timeline).current


def grant_counter(page) -> dict[str, int]:
    """Requests for a stream grant (/v1/tracks/<id>/stream), per track id, from now on."""
    counts: dict[str, int] = {}

    def count(request) -> None:
        parts = request.url.split("/v1/tracks/", 1)
        if len(parts) == 2 and parts[1].split("?")[0].endswith("/stream"):
            track = parts[1].split("/")[0]
            counts[track] = counts.get(track, 0) + 1

    page.on("request", count)
    return counts


def assert_ended_into(page, listener, ended, following) -> None:
    """The server and the play events agree that `ended` played to its end (no skip counted) and
    `following` started, as the title bar shows."""
    expect(player_title(page)).to_have_text(following.title)
    assert server_track(listener) == following.pk
    assert PlayerState.objects.get(user=listener).recent_skips == []
    flush_events(page)
    played = list(PlayEvent.objects.filter(user=listener).values_list("type", "track_id"))
    assert ("play.end", ended.pk) in played
    assert ("skip", ended.pk) not in played
    assert ("play.start", following.pk) in played
    assert page.errors == []


def test_it_preloads_the_next_track_and_starts_it_when_the_current_one_ends(open_page, publish, free_listener):
    catalog = publish(3)
    first, second = catalog.tracks[0], catalog.tracks[1]
    page = open_page(free_listener)
    grants = grant_counter(page)
    start_album(page, catalog)

    # The end of a track and the start of the next, as the page saw them (printed, not asserted).
    page.evaluate(
        """(second) => {
          window.__gapless = {};
          for (const deck of window.streamifyPlayer.engine.decks) {
            deck.audio.addEventListener("ended", () => { window.__gapless.ended ??= performance.now(); });
            deck.audio.addEventListener("playing", () => {
              if (deck.trackId === second) window.__gapless.playing ??= performance.now();
            });
          }
        }""",
        second.public_id,
    )
    seek_to_remaining(page, 4_000)

    # Before Song 1 is over, Song 2 is already loading on the other deck.
    page.wait_for_function(
        """([first, second]) => {
          const engine = window.streamifyPlayer.engine;
          return engine.current.trackId === first && !engine.current.audio.paused && engine.idle.trackId === second;
        }""",
        arg=[first.public_id, second.public_id],
        timeout=20_000,
    )
    (preloaded,) = [deck["index"] for deck in decks(page) if deck["track"] == second.public_id]

    # Then it plays on that deck: no new load (one grant for it), the other deck is emptied.
    wait_until_playing(page, second.public_id, past=0.5)
    state = {deck["index"]: deck for deck in decks(page)}
    assert state[preloaded]["current"], f"Song 2 should play on the deck that preloaded it: {state}"
    assert state[1 - preloaded]["track"] is None
    assert grants.get(second.public_id) == 1, grants
    gapless = page.evaluate("window.__gapless")
    if "ended" in gapless and "playing" in gapless:
        print(f"ended -> playing: {gapless['playing'] - gapless['ended']:.0f} ms")

    # The server moved on because the track ended, which is no skip for a free listener.
    assert_ended_into(page, free_listener, first, second)


def test_it_crossfades_into_the_next_track_with_the_setting_of_the_tab(open_page, publish, free_listener):
    catalog = publish(3)
    first, second = catalog.tracks[0], catalog.tracks[1]
    page = open_page(free_listener)
    page.goto(f"/album/{catalog.album.public_id}")

    page.get_by_role("button", name="Devices").click()
    page.get_by_label("Crossfade").fill("4")
    expect(page.locator("[data-crossfade-value]")).to_have_text("4 s")
    assert page.evaluate("localStorage.getItem('streamify.crossfade')") == "4000"
    page.keyboard.press("Escape")

    start_album(page, catalog)
    # Both decks sampled every 50 ms from here: the overlap lasts about 4 s, each sample is a
    # moment of it seen from the page.
    page.evaluate(
        f"""() => {{
          const read = {DECKS};
          window.__samples = [];
          window.__sampler = setInterval(() => window.__samples.push(read()), 50);
        }}"""
    )
    seek_to_remaining(page, 8_000)

    # At some moment both <audio> elements play, Song 1's and Song 2's.
    page.wait_for_function(
        """([first, second]) => window.streamifyPlayer.engine.decks.filter((deck) => !deck.audio.paused)
             .map((deck) => deck.trackId).sort().join() === [first, second].sort().join()""",
        arg=[first.public_id, second.public_id],
        timeout=30_000,
    )
    # Afterwards only Song 2's deck plays and Song 1's is unloaded.
    page.wait_for_function(
        """(second) => {
          const engine = window.streamifyPlayer.engine;
          return engine.current.trackId === second && !engine.current.audio.paused &&
            engine.idle.trackId === null && engine.idle.audio.paused;
        }""",
        arg=second.public_id,
        timeout=20_000,
    )
    samples = page.evaluate("clearInterval(window.__sampler) || window.__samples")
    overlap = []
    for sample in samples:
        playing = {deck["track"]: deck for deck in sample if not deck["paused"]}
        if first.public_id in playing and second.public_id in playing:
            overlap.append((playing[first.public_id], playing[second.public_id]))
    assert overlap, "no sample caught both decks playing"
    print(f"overlap: {len(overlap)} samples of 50 ms")
    # Song 1 fades out under Song 2 (its gain below 1) while Song 2 is the current deck.
    assert min(out["fade"] for out, _ in overlap) < 1, overlap
    assert all(incoming["current"] and not out["current"] for out, incoming in overlap), overlap
    assert max(incoming["fade"] for _, incoming in overlap) > min(incoming["fade"] for _, incoming in overlap)

    # For the server and the play events, Song 1 ended when the crossfade began: no skip.
    assert_ended_into(page, free_listener, first, second)

    # The setting belongs to the tab's browser, not to the page: it survives a reload.
    page.reload()
    page.get_by_role("button", name="Devices").click()
    expect(page.get_by_label("Crossfade")).to_have_value("4")
    expect(page.locator("[data-crossfade-value]")).to_have_text("4 s")


def test_the_queue_panel_lists_what_comes_next(open_page, publish, free_listener):
    catalog = publish(4)
    page = open_page(free_listener)
    start_album(page, catalog)

    page.get_by_role("button", name="Queue").click()
    panel = page.get_by_role("region", name="Queue")
    expect(panel).to_be_visible()
    next_up = panel.locator("ol").last.locator(".queue-list__title")
    expect(panel.locator("ol").first.locator(".queue-list__title")).to_have_text(["Song 1"])
    expect(next_up).to_have_text(["Song 2", "Song 3", "Song 4"])

    # The open panel follows the player: after Next it lists what is left.
    page.get_by_role("button", name="Next", exact=True).click()
    expect(player_title(page)).to_have_text("Song 2")
    expect(next_up).to_have_text(["Song 3", "Song 4"])

    # Adding to the queue (the web app has no control for it yet: the player's own command, as a
    # control would send it) puts the track first, and the panel shows it without reopening.
    uri = page.locator(f'.track-row[data-track-id="{catalog.tracks[0].public_id}"] [data-play]').get_attribute(
        "data-track-uri"
    )
    page.evaluate("(uri) => window.streamifyPlayer.command('queue', {uri})", uri)
    expect(next_up).to_have_text(["Song 1", "Song 3", "Song 4"])
    assert page.errors == []


def test_play_events_wait_in_local_storage_while_offline(open_page, publish, free_listener):
    catalog = publish(3)
    first, second = catalog.tracks[0], catalog.tracks[1]
    page = open_page(free_listener)
    start_album(page, catalog)
    flush_events(page)
    assert PlayEvent.objects.filter(user=free_listener).count() == 1  # Song 1's play.start

    # Song 2 preloads while online (its segments are buffered), then the network goes. Chromium's
    # offline emulation keeps the open websocket sending but delivers nothing to it, so a Next
    # would not make events until the state arrives; a track that ends does: the tab records its
    # play.end and starts the preloaded next one by itself.
    seek_to_remaining(page, 4_000)
    page.wait_for_function(
        """(second) => {
          const idle = window.streamifyPlayer.engine.idle;
          return idle.trackId === second && idle.audio.buffered.length > 0 && idle.audio.buffered.end(0) > 8;
        }""",
        arg=second.public_id,
        timeout=20_000,
    )
    page.context.set_offline(True)
    wait_until_playing(page, second.public_id, past=0.5)
    page.evaluate("window.streamifyPlayer.events.flush()")  # (evaluate waits for its promise)
    waiting = pending_events(page)
    assert {(event["type"], event["track"]) for event in waiting} == {
        ("play.end", first.public_id),
        ("play.start", second.public_id),
    }, waiting
    assert PlayEvent.objects.filter(user=free_listener).count() == 1

    # Back online: the `online` event (else the 15 s timer) sends them, and each is stored once.
    page.context.set_offline(False)
    page.wait_for_function(f"() => ({PENDING_EVENTS})().length === 0", polling=250, timeout=20_000)
    stored = PlayEvent.objects.filter(user=free_listener, event_id__in=[event["id"] for event in waiting])
    assert sorted(stored.values_list("type", "track_id")) == [("play.end", first.pk), ("play.start", second.pk)]
    assert PlayEvent.objects.filter(user=free_listener, type="play.end").count() == 1
    assert PlayEvent.objects.filter(user=free_listener, type="play.start").count() == 2
    assert page.errors == []


def test_it_refreshes_the_stream_url_and_plays_on_with_the_new_one(open_page, publish, free_listener, settings):
    # Eight seconds: the engine asks again after max(5 s, expiry - 60 s), and before any request
    # when less than 15 s are left, so the first URL is replaced, then expires, within the test.
    settings.STREAM_URL_LIFETIME_SECONDS = 8
    catalog = publish(1)
    track = catalog.tracks[0]
    page = open_page(free_listener)
    grants = grant_counter(page)
    refused = []
    page.on("response", lambda r: "/stream/" in r.url and r.status >= 400 and refused.append(f"{r.status} {r.url}"))
    page.goto(f"/album/{catalog.album.public_id}")
    with page.expect_response(lambda r: r.url.endswith(f"/v1/tracks/{track.public_id}/stream")) as first_grant:
        page.get_by_role("button", name="Play Song 1").click()
    first_url = first_grant.value.json()["url"]
    wait_until_playing(page, track.public_id, past=0.5)

    # The first URL past its expiry (its <expires> part, a Unix time on this machine's clock, which
    # the in-process server shares); by then the engine has asked for another at least once.
    first_token = first_url.split("/stream/", 1)[1].split("/")[:2]
    while time.time() <= int(first_token[1]) + 1:
        page.wait_for_timeout(250)
    assert grants[track.public_id] >= 2, grants

    # The 30 s track is buffered whole by now, so seeking back would request nothing: switch the
    # rendition instead, as a change of bandwidth would. hls.js flushes the buffer and fetches the
    # other rung's playlist and segments by URLs it resolves against the first master URL; each
    # must go out with the newest token instead.
    later = []
    page.on("request", lambda request: "/stream/" in request.url and later.append(request.url))
    switched = page.evaluate(
        """() => {
          const hls = window.streamifyPlayer.engine.current.hls;
          if (hls.levels.length < 2) return false;
          hls.currentLevel = (Math.max(0, hls.currentLevel) + 1) % hls.levels.length;
          return true;
        }"""
    )
    assert switched, "a free listener's ladder has two rungs (96 and 160 kbps)"
    page.evaluate("window.streamifyPlayer.seekTo(0)")
    wait_until_playing(page, track.public_id, past=1.5)
    assert later, "switching rendition should have fetched its playlist and segments"
    stale = [url for url in later if url.split("/stream/", 1)[1].split("/")[:2] == first_token]
    assert stale == [], stale
    assert refused == []
    assert page.locator("[data-toasts] .toast").count() == 0
    assert page.errors == []
