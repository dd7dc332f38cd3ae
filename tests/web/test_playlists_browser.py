"""Playlists and the library in a real browser (Playwright driving the system Chromium): make a
playlist from the library, add songs to it from an album's row menu, like a song and find it in
Liked Songs, reorder by drag and drop and by keyboard, remove a row, invite a second listener who
joins (signing in on the way) and adds a song, and play the playlist from a row. Screenshots land
in var/test-artifacts/web/ (library.png, playlist.png, add-to-playlist.png)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from apps.playlists import services
from apps.playlists.models import Playlist, PlaylistCollaborator, PlaylistEntry, SavedTrack
from tests.factories import PASSWORD, UserFactory
from tests.web.test_player import wait_until_playing

pytestmark = pytest.mark.django_db(transaction=True)


def order(playlist: Playlist) -> list[str]:
    return list(PlaylistEntry.objects.filter(playlist=playlist).order_by("key").values_list("track__title", flat=True))


def eventually(check, *, timeout: float = 10.0):
    """Until `check()` is true: the browser's API calls land on the server a moment after the click."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def row_titles(page) -> list[str]:
    return page.locator("ol[data-rows] > .track-row .track-title a").all_inner_texts()


def items_call(method: str):
    return lambda response: response.request.method == method and re.search(r"/v1/playlists/\w+/items$", response.url)


def toast(page):
    return page.locator("[data-toasts] .toast").last


def dismiss_toasts(page) -> None:
    """So that screenshots show the page rather than the last few confirmations over it."""
    page.evaluate("document.querySelector('[data-toasts]').replaceChildren()")


def test_it_makes_a_playlist_fills_it_from_an_album_and_reorders_it(open_page, publish, free_listener, artifacts):
    catalog = publish(3)
    page = open_page(free_listener)

    # The library: the nav links to it; "New playlist" makes one and opens it in place.
    page.get_by_role("link", name="Library").click()
    expect(page.get_by_role("heading", name="Your Library", level=1)).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="New playlist").click()
    expect(page.get_by_role("heading", name="My Playlist #1", level=1)).to_be_visible()
    playlist = Playlist.live.get(owner=free_listener)
    assert page.url.endswith(f"/playlist/{playlist.public_id}")
    assert page.evaluate("window.__sameDocument") is True  # the player lived on
    expect(page.get_by_text("This playlist is empty.")).to_be_visible()

    # Rename it and describe it, inline.
    page.get_by_role("button", name="Edit details").click()
    page.get_by_label("Name").fill("Road trip")
    page.get_by_label("Description").fill("Long drives north")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Road trip", level=1)).to_be_visible()
    expect(page.get_by_text("Long drives north")).to_be_visible()
    playlist.refresh_from_db()
    assert (playlist.name, playlist.description) == ("Road trip", "Long drives north")

    # From the album's rows: the menu lists the playlist; keyboard first (Enter opens it with the
    # focus on its first item, arrows move, Escape closes it and gives the focus back).
    page.goto(f"/album/{catalog.album.public_id}")
    add_first = page.get_by_role("button", name="Add Song 1 to a playlist")
    add_first.focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="Add Song 1 to a playlist")
    expect(menu.get_by_role("menuitem", name="Road trip")).to_be_visible()
    expect(add_first).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("menuitem", name="New playlist…")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(add_first).to_be_focused()
    expect(add_first).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("ArrowDown")  # opens the menu too
    expect(menu.get_by_role("menuitem", name="Road trip")).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Road trip")).to_be_focused()
    page.screenshot(path=artifacts / "add-to-playlist.png")
    with page.expect_response(items_call("POST")):
        page.keyboard.press("Enter")
    expect(toast(page)).to_contain_text("Added to Road trip")

    for number in (2, 3):
        page.get_by_role("button", name=f"Add Song {number} to a playlist").click()
        with page.expect_response(items_call("POST")):
            page.get_by_role("menuitem", name="Road trip").click()
    assert eventually(lambda: order(playlist) == ["Song 1", "Song 2", "Song 3"]), order(playlist)

    # The library now shows the playlist with its cover and count.
    page.get_by_role("link", name="Library").click()
    card = page.locator(f'[data-playlist-card="{playlist.public_id}"]')
    expect(card).to_contain_text("Road trip")
    expect(card).to_contain_text("3 songs")
    expect(card.locator("img.cover")).to_be_visible()
    dismiss_toasts(page)
    page.screenshot(path=artifacts / "library.png", full_page=True)

    card.get_by_role("link", name="Road trip").click()
    expect(page.get_by_role("heading", name="Road trip", level=1)).to_be_visible()
    assert row_titles(page) == ["Song 1", "Song 2", "Song 3"]
    dismiss_toasts(page)
    page.screenshot(path=artifacts / "playlist.png", full_page=True)

    # Drag and drop by the handle: Song 3 onto the top half of Song 1 lands before it.
    song1 = page.locator(".track-row", has_text="Song 1")
    with page.expect_response(items_call("PUT")) as moved:
        page.get_by_role("button", name="Move Song 3", exact=True).drag_to(song1, target_position={"x": 200, "y": 4})
    assert moved.value.ok
    expect(page.locator("ol[data-rows] > .track-row .num")).to_have_text(["1", "2", "3"])
    assert row_titles(page) == ["Song 3", "Song 1", "Song 2"]
    assert eventually(lambda: order(playlist) == ["Song 3", "Song 1", "Song 2"]), order(playlist)

    # The keyboard: Arrow Up / Arrow Down on a focused handle; the focus stays with the song.
    handle = page.get_by_role("button", name="Move Song 1", exact=True)
    handle.focus()
    with page.expect_response(items_call("PUT")):
        page.keyboard.press("ArrowUp")
    expect(handle).to_be_focused()
    assert row_titles(page) == ["Song 1", "Song 3", "Song 2"]
    with page.expect_response(items_call("PUT")):
        page.keyboard.press("ArrowDown")
    with page.expect_response(items_call("PUT")):
        page.keyboard.press("ArrowDown")
    assert row_titles(page) == ["Song 3", "Song 2", "Song 1"]
    assert eventually(lambda: order(playlist) == ["Song 3", "Song 2", "Song 1"]), order(playlist)

    # Removing a row.
    with page.expect_response(items_call("DELETE")):
        page.get_by_role("button", name="Remove Song 2 from this playlist").click()
    assert row_titles(page) == ["Song 3", "Song 1"]
    expect(page.locator("[data-playlist-length]")).to_have_text("2 songs")
    assert eventually(lambda: order(playlist) == ["Song 3", "Song 1"]), order(playlist)

    # All of it holds after a reload.
    page.reload()
    assert row_titles(page) == ["Song 3", "Song 1"]
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "playlist-phone.png", full_page=True)
    assert page.errors == []


def test_it_loads_the_rest_of_a_long_playlist_as_you_scroll(open_page, publish, free_listener):
    catalog = publish(3)
    playlist = services.playlist_create(owner=free_listener, name="Marathon")
    ids = [catalog.tracks[n % 3].public_id for n in range(250)]
    services.items_add(actor=free_listener, playlist=playlist, track_ids=ids)
    page = open_page(free_listener)
    page.goto(f"/playlist/{playlist.public_id}")
    rows = page.locator("ol[data-rows] > .track-row")
    expect(rows).to_have_count(100)  # the server's first page

    # Scrolling down fetches the next hundred, then the last fifty, as the end comes near.
    with page.expect_response(lambda r: "/rows?offset=100" in r.url):
        page.mouse.wheel(0, 100_000)
    expect(rows).to_have_count(200)
    with page.expect_response(lambda r: "/rows?offset=200" in r.url):
        rows.nth(199).scroll_into_view_if_needed()
    expect(rows).to_have_count(250)
    expect(page.locator("[data-rows-more]")).to_have_count(0)
    numbers = page.locator("ol[data-rows] > .track-row .num").all_inner_texts()
    assert numbers == [str(n) for n in range(1, 251)]
    assert [t.split()[-1] for t in row_titles(page)] == [str(n % 3 + 1) for n in range(250)]

    # A row from a later page moves like any other: the last goes up one.
    handle = rows.nth(249).get_by_role("button", name=re.compile("^Move "))
    handle.focus()
    with page.expect_response(items_call("PUT")):
        page.keyboard.press("ArrowUp")
    titles = order(playlist)
    assert titles[247:] == ["Song 2", "Song 1", "Song 3"] and len(titles) == 250
    assert [t for t in row_titles(page)][247:] == titles[247:]
    assert page.errors == []


def test_a_stale_page_reloads_its_rows_when_someone_else_edited(open_page, publish, free_listener):
    catalog = publish(3)
    playlist = services.playlist_create(owner=free_listener, name="Busy")
    services.items_add(actor=free_listener, playlist=playlist, track_ids=[t.public_id for t in catalog.tracks])
    page = open_page(free_listener)
    page.goto(f"/playlist/{playlist.public_id}")
    assert row_titles(page) == ["Song 1", "Song 2", "Song 3"]

    # Meanwhile, elsewhere: Song 3 goes. The page's move still names the entries it showed.
    services.items_remove(
        actor=free_listener, playlist=playlist, items=[services.RemoveItem(track_id=catalog.tracks[2].public_id)]
    )
    handle = page.get_by_role("button", name="Move Song 1", exact=True)
    handle.focus()
    with page.expect_response(items_call("PUT")):
        page.keyboard.press("ArrowDown")
    expect(toast(page)).to_contain_text("Someone else edited this playlist")
    expect(page.locator("ol[data-rows] > .track-row")).to_have_count(2)
    assert row_titles(page) == ["Song 2", "Song 1"]
    assert order(playlist) == ["Song 2", "Song 1"]

    # A position that no longer holds (a 400): the rows are reloaded and the page says so.
    page.evaluate("document.querySelector('[data-playlist-page]').dataset.snapshotId = 'bm9uc2Vuc2U'")
    with page.expect_response(items_call("DELETE")) as refused:
        page.get_by_role("button", name="Remove Song 1 from this playlist").click()
    assert refused.value.status == 400
    expect(toast(page)).to_contain_text("The songs were reloaded")
    expect(page.locator("ol[data-rows] > .track-row")).to_have_count(2)
    assert order(playlist) == ["Song 2", "Song 1"]
    assert page.errors == []


def test_it_likes_a_song_and_plays_it_from_liked_songs(open_page, publish, free_listener, artifacts):
    catalog = publish(2)
    second = catalog.tracks[1]
    page = open_page(free_listener)
    page.goto(f"/album/{catalog.album.public_id}")

    heart = page.get_by_role("button", name="Like Song 2")
    expect(heart).to_have_attribute("data-like-state", "known")  # asked for in one call for the page
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(toast(page)).to_contain_text("Added to Liked Songs")
    assert eventually(lambda: SavedTrack.objects.filter(user=free_listener, track=second).exists())

    page.reload()
    expect(page.get_by_role("button", name="Like Song 2")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Like Song 1")).to_have_attribute("aria-pressed", "false")

    page.get_by_role("link", name="Library").click()
    page.get_by_role("link", name="Liked Songs").click()
    expect(page.get_by_role("heading", name="Liked Songs", level=1)).to_be_visible()
    assert row_titles(page) == ["Song 2"]
    dismiss_toasts(page)
    page.screenshot(path=artifacts / "liked-songs.png")
    page.get_by_role("button", name="Play Song 2").click()
    wait_until_playing(page, second.public_id, past=0.5)
    context = page.evaluate("window.streamifyPlayer.state.context.uri")
    assert context == f"spotify:user:{free_listener.public_id}:collection"

    # Unliking it here takes it off the list.
    page.get_by_role("button", name="Like Song 2").click()
    expect(page.locator("ol[data-rows] > .track-row")).to_have_count(0)
    assert eventually(lambda: not SavedTrack.objects.filter(user=free_listener).exists())
    assert page.errors == []


def test_it_plays_the_playlist_from_a_row_and_from_its_start(open_page, publish, free_listener):
    catalog = publish(3)
    playlist = services.playlist_create(owner=free_listener, name="Evening")
    ids = [catalog.tracks[2].public_id, catalog.tracks[0].public_id, catalog.tracks[1].public_id]
    services.items_add(actor=free_listener, playlist=playlist, track_ids=ids)
    page = open_page(free_listener)
    page.goto(f"/playlist/{playlist.public_id}")

    page.get_by_role("button", name="Play Song 1").click()
    wait_until_playing(page, catalog.tracks[0].public_id, past=0.5)
    assert page.evaluate("window.streamifyPlayer.state.context.uri") == f"spotify:playlist:{playlist.public_id}"
    expect(page.locator(f'.track-row[data-track-id="{catalog.tracks[0].public_id}"]')).to_have_attribute(
        "aria-current", "true"
    )
    # "Next" goes on in the playlist's order, not the album's.
    page.get_by_role("button", name="Next", exact=True).click()
    wait_until_playing(page, catalog.tracks[1].public_id, past=0.2)

    # The header's Play starts at the first item.
    page.get_by_role("button", name="Play Evening").click()
    wait_until_playing(page, catalog.tracks[2].public_id, past=0.2)
    assert page.errors == []


def test_an_invited_listener_signs_in_joins_and_adds_a_song(open_page, publish, free_listener, browser, django_server):
    catalog = publish(2)
    playlist = services.playlist_create(owner=free_listener, name="Together")
    services.items_add(actor=free_listener, playlist=playlist, track_ids=[catalog.tracks[0].public_id])
    owner_page = open_page(free_listener)
    owner_page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    owner_page.goto(f"/playlist/{playlist.public_id}")

    owner_page.get_by_role("button", name="Invite collaborators").click()
    link = owner_page.get_by_label("Invite link")
    expect(link).to_have_value(re.compile(rf"/playlist/{playlist.public_id}/join\?token=\S+$"))
    expect(owner_page.locator("[data-playlist-kind]")).to_have_text("Collaborative playlist")
    expect(owner_page.get_by_label("Collaborative")).to_be_checked()
    expect(owner_page.get_by_label("Public")).to_be_disabled()
    owner_page.get_by_role("button", name="Copy link").click()
    expect(toast(owner_page)).to_contain_text("Link copied")
    invite_url = link.input_value()
    assert owner_page.evaluate("navigator.clipboard.readText()") == invite_url

    # A second listener, in a browser of their own and not signed in: the link sends them to sign
    # in and back; they join, and add a song from an album page.
    friend = UserFactory(email="friend@example.test", display_name="Finn Friend")
    context = browser.new_context(base_url=f"http://127.0.0.1:{django_server.port}")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(invite_url)
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
        page.get_by_label("Email").fill(friend.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Join “Together” as a collaborator")).to_be_visible()
        page.get_by_role("button", name="Join").click()
        expect(page.get_by_role("heading", name="Together", level=1)).to_be_visible()
        expect(page.get_by_text("You joined “Together”")).to_be_visible()
        assert PlaylistCollaborator.objects.filter(playlist=playlist, user=friend).exists()

        page.goto(f"/album/{catalog.album.public_id}")
        page.get_by_role("button", name="Add Song 2 to a playlist").click()
        with page.expect_response(items_call("POST")):
            page.get_by_role("menuitem", name="Together").click()
        expect(toast(page)).to_contain_text("Added to Together")
        assert errors == []
    finally:
        context.close()

    entries = list(PlaylistEntry.objects.filter(playlist=playlist).order_by("key").select_related("added_by"))
    assert [(e.track_id, e.added_by_id) for e in entries] == [
        (catalog.tracks[0].pk, free_listener.pk),
        (catalog.tracks[1].pk, friend.pk),
    ]
    # The owner sees who added what.
    owner_page.reload()
    row = owner_page.locator(f'.track-row[data-track-id="{catalog.tracks[1].public_id}"]')
    expect(row.locator(".col-added-by")).to_contain_text("Finn Friend")
    assert owner_page.errors == []


def test_the_owner_changes_who_may_see_and_edit_then_deletes(open_page, free_listener):
    playlist = services.playlist_create(owner=free_listener, name="Short-lived")
    page = open_page(free_listener)
    page.goto(f"/playlist/{playlist.public_id}")

    # Public / private, collaborative or not: saved as they change, and said in words.
    kind = page.locator("[data-playlist-kind]")
    expect(kind).to_have_text("Public playlist")
    with page.expect_response(lambda r: r.request.method == "PUT" and r.url.endswith(playlist.public_id)):
        page.get_by_label("Public").uncheck()
    expect(kind).to_have_text("Private playlist")
    assert eventually(lambda: not Playlist.objects.get(pk=playlist.pk).public)
    with page.expect_response(lambda r: r.request.method == "PUT" and r.url.endswith(playlist.public_id)):
        page.get_by_label("Collaborative").check()
    expect(kind).to_have_text("Collaborative playlist")
    expect(page.get_by_label("Public")).to_be_disabled()  # a collaborative playlist is private
    assert eventually(lambda: Playlist.objects.get(pk=playlist.pk).collaborative)
    with page.expect_response(lambda r: r.request.method == "PUT" and r.url.endswith(playlist.public_id)):
        page.get_by_label("Collaborative").uncheck()
    expect(page.get_by_label("Public")).to_be_enabled()
    assert eventually(lambda: not Playlist.objects.get(pk=playlist.pk).collaborative)

    page.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("alertdialog", name="Delete this playlist?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    dialog.get_by_role("button", name="Delete playlist").click()
    expect(page.get_by_role("heading", name="Your Library", level=1)).to_be_visible()
    assert page.url.endswith("/collection")
    expect(toast(page)).to_contain_text("Playlist deleted")
    playlist.refresh_from_db()
    assert playlist.deleted_at is not None
    assert page.errors == []
