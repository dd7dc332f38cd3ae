"""Search in a real browser (Playwright driving the system Chromium): results appear as one types,
without Enter; the arrow keys move a highlight through the sections while the focus stays in the
box; Enter opens the highlighted album or artist in place, the player bar living on; a slow answer
to an earlier query never replaces the latest one's. Screenshots land in var/test-artifacts/web/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db(transaction=True)

BOX = "Search songs, artists and albums"
HIGHLIGHTED = "[data-search-results] .search-highlight"

# Holds back the answers to one query (`window.__slowQuery`) by `window.__slowMs`: as if the
# server took that long for them. nav.js calls the global fetch, so it goes through this; the
# delay comes after the headers, where an abort still errors the body as it would on the wire.
SLOW_FETCH = """() => {
  const original = window.fetch;
  window.fetch = async (url, options) => {
    const response = await original(url, options);
    if (String(url).endsWith(`?q=${window.__slowQuery}`)) {
      await new Promise((resolve) => setTimeout(resolve, window.__slowMs));
    }
    return response;
  };
}"""


@pytest.fixture
def catalog():
    aurora = ArtistFactory(name="Aurora Fields")
    album = AlbumFactory(title="Aurora Borealis", artists=[aurora])
    for number, title in enumerate(["Northern Sky", "Polar Night"], start=1):
        TrackFactory(album=album, title=title, track_number=number)
    other = ArtistFactory(name="Sahara Sands")
    TrackFactory(album=AlbumFactory(title="Desert Songs", artists=[other]), title="Dune")
    return {"aurora": aurora, "album": album}


def highlighted_name(page) -> str:
    """The result the box's aria-activedescendant names ("" for none), checked against the one
    that shows the highlight."""
    active = page.get_by_role("searchbox", name=BOX).get_attribute("aria-activedescendant")
    if not active:
        expect(page.locator(HIGHLIGHTED)).to_have_count(0)
        return ""
    option = page.locator(f"#{active}")
    expect(page.locator(HIGHLIGHTED)).to_have_count(1)
    expect(page.locator(HIGHLIGHTED).locator(f"#{active}")).to_have_count(1)
    return option.inner_text().strip()


def test_it_shows_results_as_one_types_and_opens_the_one_the_arrows_reach(open_page, catalog, free_listener, artifacts):
    page = open_page(free_listener)
    expect(page.locator("[data-player-bar]")).to_be_visible()
    page.evaluate("window.__sameDocument = true")

    # "/" from anywhere on the page puts the focus in the box.
    page.locator("main").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    box = page.get_by_role("searchbox", name=BOX)
    expect(box).to_be_focused()

    # Typed one key at a time, nothing pressed after: the results come on their own.
    page.keyboard.type("aurora", delay=80)
    expect(page.get_by_role("heading", name="Results for “aurora”", level=1)).to_be_visible()
    assert page.url.endswith("/search?q=aurora")
    expect(box).to_be_focused()
    expect(box).to_have_value("aurora")
    results = page.locator("[data-search-results]")
    expect(results.get_by_role("heading", level=2)).to_have_text(["Songs", "Artists", "Albums"])
    expect(box).to_have_attribute("aria-controls", "search-results")

    # Down through the songs and into the artists; Up goes back; past the first, back to the text.
    box.press("ArrowDown")
    first_song = highlighted_name(page)
    assert first_song in ("Northern Sky", "Polar Night")
    box.press("ArrowDown")
    box.press("ArrowDown")
    assert highlighted_name(page) == "Aurora Fields"
    page.screenshot(path=artifacts / "search-keys.png")
    box.press("ArrowUp")
    box.press("ArrowUp")
    assert highlighted_name(page) == first_song
    box.press("ArrowUp")
    assert highlighted_name(page) == ""
    expect(box).to_be_focused()  # all along: the keys only moved the highlight

    # Escape drops the highlight and keeps the text; a second one would clear the box.
    box.press("ArrowDown")
    box.press("Escape")
    assert highlighted_name(page) == ""
    expect(box).to_have_value("aurora")

    # Up from the box wraps to the last result, the album; Enter opens it in place.
    box.press("ArrowUp")
    assert highlighted_name(page) == "Aurora Borealis"
    box.press("Enter")
    expect(page.get_by_role("heading", name="Aurora Borealis", level=1)).to_be_visible()
    assert page.url.endswith(f"/album/{catalog['album'].public_id}")
    expect(page.locator("[data-player-bar]")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # only <main> was swapped
    assert not page.errors


def test_enter_on_a_highlighted_artist_opens_their_page_and_escape_in_the_results_returns_to_the_box(
    open_page, catalog, free_listener
):
    page = open_page(free_listener)
    page.evaluate("window.__sameDocument = true")
    box = page.get_by_role("searchbox", name=BOX)
    box.press_sequentially("sahara", delay=60)
    expect(page.get_by_role("heading", name="Results for “sahara”", level=1)).to_be_visible()

    # From inside the results (tabbed into), Escape brings the focus back to the box.
    page.locator("[data-search-results] .card__title a").first.focus()
    page.keyboard.press("Escape")
    expect(box).to_be_focused()

    box.press("ArrowDown")  # Dune, the one song
    box.press("ArrowDown")
    assert highlighted_name(page) == "Sahara Sands"
    box.press("Enter")
    expect(page.get_by_role("heading", name="Sahara Sands", level=1)).to_be_visible()
    expect(page.locator("[data-player-bar]")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    assert not page.errors


def test_a_slow_answer_to_an_earlier_query_never_replaces_the_latest(open_page, catalog, free_listener):
    page = open_page(free_listener)
    page.evaluate(SLOW_FETCH)
    page.evaluate("window.__slowQuery = 'no'; window.__slowMs = 2000")
    box = page.get_by_role("searchbox", name=BOX)

    box.press_sequentially("no", delay=60)
    page.wait_for_timeout(600)  # past the pause: "no" is asked for, and its answer held back
    box.press_sequentially("rthern", delay=60)
    expect(page.get_by_role("heading", name="Results for “northern”", level=1)).to_be_visible()

    page.wait_for_timeout(2_500)  # the held-back answer to "no" would have landed by now
    expect(page.get_by_role("heading", name="Results for “northern”", level=1)).to_be_visible()
    expect(page.locator("[data-search-results] .track-title a")).to_have_text(["Northern Sky"])
    assert page.url.endswith("/search?q=northern")
    assert not page.errors
