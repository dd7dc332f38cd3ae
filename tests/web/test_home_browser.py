"""Cold start in a real browser (Playwright driving the system Chromium): sign up, pick two artists,
land on a home made from them, open Discover Weekly from its card and play it. Screenshots land in
var/test-artifacts/web/ (welcome.png, home-made-for-you.png)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.playlists.models import FollowedArtist, Playlist, PlaylistEntry
from tests.factories import PASSWORD
from tests.web.test_player import wait_until_playing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def visitor(transactional_db, browser, django_server, settings):  # noqa: F811 (fixtures of tests.web.conftest)
    """A browser tab of someone without an account yet. Like `open_page`, it asks for the database
    first, so that the browser closes and the server settles before the tables are flushed."""
    settings.SITE_URL = f"http://127.0.0.1:{django_server.port}"
    context = browser.new_context(base_url=settings.SITE_URL, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.console = []
    page.on("console", lambda message: page.console.append(f"{message.type}: {message.text}"))
    yield page
    context.close()
    django_server.settle()


def test_a_new_listener_picks_artists_and_plays_discover_weekly(visitor, publish, artifacts):
    publish(3, title="Northern Lights", artist_name="Aurora Fields")
    publish(3, title="Deep Water", artist_name="Blue Harbour")
    publish(2, title="Elsewhere", artist_name="Someone Else")
    page = visitor

    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("nora@example.test")
    page.get_by_label("Display name").fill("Nora")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("Country").select_option("SE")
    page.get_by_role("button", name="Sign up").click()

    # The picker: popular artists as cards, each a checkbox.
    expect(page.get_by_role("heading", name="Pick a few artists you like", level=1)).to_be_visible()
    assert page.url.endswith("/welcome/artists")
    page.get_by_label("Aurora Fields").check()
    page.get_by_text("Blue Harbour").click()  # the whole card toggles its box
    expect(page.get_by_label("Blue Harbour")).to_be_checked()
    page.screenshot(path=artifacts / "welcome.png", full_page=True)
    page.get_by_role("button", name="Done").click()

    # Home, made from them at once.
    expect(page.get_by_role("heading", name="Made for Nora", level=2)).to_be_visible()
    nora = User.objects.get(email="nora@example.test")
    assert set(FollowedArtist.objects.filter(user=nora).values_list("artist__name", flat=True)) == {
        "Aurora Fields",
        "Blue Harbour",
    }
    page.screenshot(path=artifacts / "home-made-for-you.png", full_page=True)

    page.evaluate("window.__sameDocument = true")
    page.locator('[data-shelf="made-for-you"]').get_by_role("link", name="Discover Weekly").click()
    expect(page.get_by_role("heading", name="Discover Weekly", level=1)).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # opened in place: the player lives on
    weekly = Playlist.live.get(made_for=nora, generator="discover-weekly")
    first = PlaylistEntry.objects.filter(playlist=weekly).order_by("key").select_related("track").first().track

    page.get_by_role("button", name="Play Discover Weekly").click()
    wait_until_playing(page, first.public_id)
    assert page.errors == []


def test_go_to_radio_opens_the_station_in_place_while_the_music_plays_on(open_page, publish, free_listener):
    catalog = publish(3)
    publish(2, title="Deep Water", artist_name="Blue Harbour")
    page = open_page(free_listener)
    page.goto(f"/album/{catalog.album.public_id}")
    page.get_by_role("button", name="Play Song 1").click()
    wait_until_playing(page, catalog.tracks[0].public_id)
    page.evaluate("window.__sameDocument = true")

    page.get_by_role("button", name="Go to radio from Northern Lights").click()

    expect(page.get_by_role("heading", name="Northern Lights Radio", level=1)).to_be_visible()
    station = Playlist.live.get(made_for=free_listener, generator__startswith="radio:")
    assert page.url.endswith(f"/playlist/{station.public_id}")
    assert page.evaluate("window.__sameDocument") is True  # through the API, not a page load
    wait_until_playing(page, catalog.tracks[0].public_id, past=2.0)  # and Song 1 plays on
    assert page.errors == []
