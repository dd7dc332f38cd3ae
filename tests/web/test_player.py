"""The web player in a real browser: sign in through the form, search, play an album through hls.js,
pause and skip, move playback between two devices (two browser contexts of one user), the free
tier's skip limit, greyed-out tracks. Screenshots land in var/test-artifacts/web/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Role
from apps.playback.models import PlayEvent
from apps.rights.services import licence_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# What the tab's player is doing, read from its own objects: the active deck's <audio> element.
AUDIO = """() => {
  const player = window.streamifyPlayer;
  const deck = player && player.engine.current;
  return deck ? {time: deck.audio.currentTime, paused: deck.audio.paused, track: deck.trackId,
                 hls: Boolean(deck.hls), device: player.device.id} : null;
}"""


def audio(page) -> dict:
    return page.evaluate(AUDIO)


def wait_until_playing(page, track_id: str, *, past: float = 1.0) -> None:
    """Until the tab's audio for `track_id` has really advanced past `past` seconds."""
    try:
        _wait_playing(page, track_id, past)
    except Exception:
        print("audio:", audio(page), "errors:", page.errors, "console:", page.console[-30:])
        raise


def _wait_playing(page, track_id: str, past: float) -> None:
    page.wait_for_function(
        """([track, past]) => {
          const deck = window.streamifyPlayer && window.streamifyPlayer.engine.current;
          return deck && deck.trackId === track && !deck.audio.paused && deck.audio.currentTime > past;
        }""",
        arg=[track_id, past],
        timeout=20_000,
    )


def player_title(page):
    return page.locator("[data-player-bar] [data-title]")


def test_it_plays_an_album_from_a_track_then_pauses_and_skips(open_page, publish, free_listener, artifacts):
    catalog = publish(3)
    page = open_page(free_listener)
    expect(page.get_by_role("heading", name="New releases")).to_be_visible()
    expect(page.locator("[data-player-bar]")).to_be_visible()
    page.screenshot(path=artifacts / "home.png", full_page=True)

    # Navigation swaps <main> only: the page (and the player in it) is not reloaded.
    page.evaluate("window.__sameDocument = true")

    # Search as you type: results replace <main> while the box keeps the focus and the text.
    box = page.get_by_role("searchbox", name="Search songs, artists and albums")
    box.press_sequentially("north", delay=60)
    expect(page.get_by_role("heading", name="Results for “north”", level=1)).to_be_visible()
    expect(box).to_be_focused()
    expect(box).to_have_value("north")
    assert page.url.endswith("/search?q=north")
    results = page.locator("[data-search-results]")
    expect(results.get_by_role("button", name="Play Song 2")).to_be_visible()
    page.screenshot(path=artifacts / "search.png")
    results.get_by_role("link", name="Northern Lights").first.click()
    expect(page.get_by_role("heading", name="Northern Lights", level=1)).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    page.screenshot(path=artifacts / "album.png", full_page=True)

    page.get_by_role("button", name="Play Song 2").click()
    second, third = catalog.tracks[1], catalog.tracks[2]
    wait_until_playing(page, second.public_id)
    state = audio(page)
    assert state["hls"], "Chromium has Media Source Extensions: hls.js, not native HLS, should play"
    expect(player_title(page)).to_have_text("Song 2")
    expect(page.locator(f'.track-row[data-track-id="{second.public_id}"]')).to_have_attribute("aria-current", "true")
    page.screenshot(path=artifacts / "player.png")

    page.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_function("() => window.streamifyPlayer.engine.current.audio.paused")
    paused_at = audio(page)["time"]
    page.wait_for_timeout(700)
    assert audio(page)["time"] == pytest.approx(paused_at, abs=0.05)
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()

    # Keyboard: M mutes and unmutes (the volume goes to 0 and back, on the server too).
    page.locator("main").click(position={"x": 5, "y": 5})
    page.keyboard.press("m")
    expect(page.get_by_role("button", name="Unmute")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("m")
    expect(page.get_by_role("button", name="Mute", exact=True)).to_have_attribute("aria-pressed", "false")

    # Next while paused moves on and stays paused (the server keeps is_playing); play resumes there.
    page.get_by_role("button", name="Next", exact=True).click()
    expect(player_title(page)).to_have_text("Song 3")
    page.get_by_role("button", name="Play", exact=True).click()
    wait_until_playing(page, third.public_id, past=0.5)

    # The play events reach the server: a start for each track, and a skip for the one left.
    page.evaluate("window.streamifyPlayer.events.flush()")
    page.wait_for_function(
        "() => !Object.keys(localStorage).some((k) => k.startsWith('streamify.events.') && localStorage[k] !== '[]')"
    )
    events = set(PlayEvent.objects.filter(user=free_listener).values_list("type", "track_id"))
    assert ("play.start", second.pk) in events
    assert ("skip", second.pk) in events
    assert ("play.start", third.pk) in events
    device = audio(page)["device"]
    assert set(PlayEvent.objects.filter(user=free_listener).values_list("device_id", flat=True)) == {device}
    assert page.errors == []


def test_it_moves_playback_to_another_device_with_the_device_picker(open_page, publish, premium_listener, artifacts):
    catalog = publish(2)
    first = open_page(premium_listener)
    first.goto(f"/album/{catalog.album.public_id}")
    first.get_by_role("button", name="Play Song 1").click()
    wait_until_playing(first, catalog.tracks[0].public_id)

    second = open_page(premium_listener)
    second.goto(f"/album/{catalog.album.public_id}")
    # The second tab mirrors the first: same song, a moving position, and where it plays.
    expect(player_title(second)).to_have_text("Song 1")
    expect(second.locator("[data-device-note]")).to_contain_text("Playing on")
    assert audio(second)["track"] is None  # no audio in a mirroring tab

    second.get_by_role("button", name="Devices").click()
    second_id = audio(second)["device"]
    picker = second.locator(f'[data-device-id="{second_id}"]')
    expect(picker).to_contain_text("This tab")
    second.screenshot(path=artifacts / "device-picker.png")
    picker.click()

    wait_until_playing(second, catalog.tracks[0].public_id, past=1.0)
    first.wait_for_function("() => window.streamifyPlayer.engine.current.trackId === null")
    expect(first.locator("[data-device-note]")).to_contain_text("Playing on")

    # The account page lists both tabs, says which one it is and where the music plays.
    first_id = audio(first)["device"]
    first.goto("/accounts/")
    expect(first.get_by_role("heading", name="Your devices")).to_be_visible()
    listed = first.locator("[data-account-device-list]")
    expect(listed.locator(f'[data-account-device-id="{second_id}"]')).to_contain_text("playing")
    expect(listed.locator(f'[data-account-device-id="{first_id}"]')).to_contain_text("this tab")  # kept per tab
    first.screenshot(path=artifacts / "account.png", full_page=True)
    assert first.errors == [] and second.errors == []


def test_it_tells_a_free_listener_when_the_skip_limit_is_reached(open_page, publish, free_listener, artifacts):
    catalog = publish(9)
    page = open_page(free_listener)
    page.goto(f"/album/{catalog.album.public_id}")
    page.get_by_role("button", name="Play Song 1").click()
    wait_until_playing(page, catalog.tracks[0].public_id, past=0.2)

    for number in range(2, 8):  # six skips are allowed in an hour
        page.get_by_role("button", name="Next", exact=True).click()
        expect(player_title(page)).to_have_text(f"Song {number}")

    page.get_by_role("button", name="Next", exact=True).click()
    toast = page.locator("[data-toasts] .toast")
    expect(toast).to_contain_text("Premium required")
    expect(toast).to_contain_text("Free listeners can skip 6 times an hour")
    expect(player_title(page)).to_have_text("Song 7")
    page.screenshot(path=artifacts / "skip-limit.png")


def test_it_greys_out_a_track_that_cannot_play_here(open_page, publish, free_listener, artifacts):
    catalog = publish(2)
    staff = UserFactory(role=Role.STAFF)
    blocked = catalog.tracks[1]
    licence_create(actor=staff, track=blocked, kind="block", territories=["SE"])

    page = open_page(free_listener)
    page.goto(f"/album/{catalog.album.public_id}")
    row = page.locator(f'.track-row[data-track-id="{blocked.public_id}"]')
    expect(row).to_have_class("track-row track-row--unplayable")
    expect(row).to_have_attribute("title", "Not available in your country")
    expect(row).to_contain_text("Not available in your country")
    expect(row.get_by_role("button")).to_be_disabled()
    expect(page.get_by_role("button", name="Play Song 1")).to_be_enabled()
    page.set_viewport_size({"width": 390, "height": 844})
    row.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "album-phone.png")
