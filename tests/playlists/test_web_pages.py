"""The playlists' and the library's web pages with Django's test client: the library, a playlist page
(and its public share page), its rows as scroll fragments, Liked Songs, the invite link; who sees
what (owner, collaborator, follower, outsider, anonymous), and the share tags of playlists, albums
and tracks."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from apps.common.ids import new_public_id
from apps.playlists import library, services
from apps.playlists.models import Playlist, PlaylistCollaborator, PlaylistFollow
from apps.playlists.snapshots import snapshot_id
from tests.conftest import web_client_for
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

COVER = [
    {"key": "images/albums/abc-640.jpg", "width": 640, "height": 640},
    {"key": "images/albums/abc-300.jpg", "width": 300, "height": 300},
    {"key": "images/albums/abc-64.jpg", "width": 64, "height": 64},
]


def rows_in(content: str) -> list[str]:
    """The track ids of the rows, in order."""
    return re.findall(r'<li class="track-row[^"]*" data-track-id="([0-9A-Za-z]{22})"', content)


def numbers_in(content: str) -> list[int]:
    return [int(n) for n in re.findall(r'<span class="num">(\d+)</span>', content)]


@pytest.fixture
def people():
    return {
        name: UserFactory(email=f"{name}@example.test", display_name=name.title())
        for name in ("owner", "collaborator", "follower", "outsider")
    }


@pytest.fixture
def tracks():
    artist = ArtistFactory(name="Aurora Fields")
    album = AlbumFactory(title="Northern Lights", artists=[artist], images=COVER)
    return [TrackFactory(album=album, title=f"Song {n}", duration_ms=61_000) for n in range(1, 6)]


@pytest.fixture
def playlists(people, tracks):
    owner = people["owner"]
    public = services.playlist_create(owner=owner, name="Road trip", description="Long drives")
    collab = services.playlist_create(owner=owner, name="Shared mix", collaborative=True)
    private = services.playlist_create(owner=owner, name="Secret mix", public=False)
    ids = [t.public_id for t in tracks[:3]]
    for playlist in (public, collab, private):
        services.items_add(actor=owner, playlist=playlist, track_ids=ids)
    services.collaborators_add(actor=owner, playlist=collab, users=[people["collaborator"]])
    services.items_add(actor=people["collaborator"], playlist=collab, track_ids=[tracks[4].public_id])
    services.playlist_follow(user=people["follower"], playlist=public)
    for playlist in (public, collab, private):
        playlist.refresh_from_db()
    return {"public": public, "collab": collab, "private": private}


def page_url(playlist) -> str:
    return reverse("playlists:playlist", args=[playlist.public_id])


def rows_url(playlist, offset) -> str:
    return f"{reverse('playlists:rows', args=[playlist.public_id])}?offset={offset}"


def client_as(people, name) -> Client:
    return Client() if name == "anonymous" else web_client_for(people[name])


# --- The library --------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_from_the_library_to_sign_in(client):
    for name in ("playlists:library", "playlists:liked", "playlists:liked-rows"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=/collection")


def test_it_lists_the_playlists_owned_followed_and_collaborated_on(people, playlists, tracks):
    others = services.playlist_create(owner=people["outsider"], name="Not yours", public=False)
    album = tracks[0].album
    library.save(user=people["collaborator"], kind="album", ids=[album.public_id])
    library.save(user=people["collaborator"], kind="artist", ids=[album.album_artists.first().artist.public_id])
    library.save(user=people["collaborator"], kind="track", ids=[tracks[0].public_id, tracks[1].public_id])

    content = web_client_for(people["collaborator"]).get(reverse("playlists:library")).content.decode()

    assert "Your Library" in content
    assert page_url(playlists["collab"]) in content
    owner = playlists["collab"].owner
    assert f'Collaborative · <a href="/user/{owner.public_id}" dir="auto">Owner</a> · 4 songs' in content
    assert page_url(playlists["public"]) not in content  # neither followed nor collaborated on
    assert page_url(others) not in content
    assert reverse("playlists:liked") in content and "Playlist · 2 songs" in content
    assert reverse("web:album", args=[album.public_id]) in content  # a saved album, with its cover
    assert "/media/images/albums/abc-300.jpg" in content
    assert "Aurora Fields" in content  # a followed artist
    assert 'data-new-playlist data-name="My Playlist #1"' in content


def test_the_owners_library_shows_their_playlists_with_cover_and_count(people, playlists):
    content = web_client_for(people["owner"]).get(reverse("playlists:library")).content.decode()
    for playlist in playlists.values():
        assert page_url(playlist) in content
    assert "Playlist · You · 3 songs" in content
    assert 'src="/media/images/albums/abc-300.jpg"' in content  # the first track's album stands in
    assert 'data-name="My Playlist #4"' in content


def test_it_makes_a_new_playlist_without_javascript(people):
    client = web_client_for(people["owner"])
    response = client.post(reverse("playlists:new"))
    playlist = Playlist.live.get(owner=people["owner"])
    assert response.status_code == 302 and response["Location"] == page_url(playlist)
    assert playlist.name == "My Playlist #1"
    assert client.get(reverse("playlists:new")).status_code == 405


def test_the_main_nav_links_to_the_library_for_signed_in_listeners(client, people):
    assert 'href="/collection"' not in client.get("/").content.decode()
    content = web_client_for(people["owner"]).get(reverse("playlists:library")).content.decode()
    assert '<a href="/collection" aria-current="page">Library</a>' in content
    assert 'href="/collection" aria-current' not in web_client_for(people["owner"]).get("/").content.decode()


# --- A playlist: who sees it --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "viewer", "status"),
    [
        ("public", "anonymous", 200),
        ("public", "outsider", 200),
        ("public", "follower", 200),
        ("collab", "owner", 200),
        ("collab", "collaborator", 200),
        ("collab", "outsider", 404),
        ("collab", "anonymous", 404),
        ("private", "owner", 200),
        ("private", "collaborator", 404),
        ("private", "follower", 404),
        ("private", "anonymous", 404),
    ],
)
def test_it_shows_a_playlist_only_to_those_who_may_see_it(people, playlists, kind, viewer, status):
    playlist = playlists[kind]
    client = client_as(people, viewer)
    response = client.get(page_url(playlist))
    assert response.status_code == status
    assert client.get(rows_url(playlist, 0)).status_code == status
    if status == 404:
        assert playlist.name.encode() not in response.content


def test_it_answers_404_for_deleted_unknown_and_malformed_playlists(people, playlists):
    client = web_client_for(people["owner"])
    services.playlist_delete(actor=people["owner"], playlist=playlists["public"])
    assert client.get(page_url(playlists["public"])).status_code == 404
    assert client.get(reverse("playlists:playlist", args=[new_public_id()])).status_code == 404
    assert client.get("/playlist/not-an-id").status_code == 404
    assert client.get("/playlist/" + "a" * 23).status_code == 404


def test_the_owner_sees_every_control(people, playlists):
    playlist = playlists["public"]
    content = web_client_for(people["owner"]).get(page_url(playlist)).content.decode()

    assert '<h1 id="playlist-title" dir="auto" data-playlist-name>Road trip</h1>' in content
    assert "Long drives" in content
    assert "Public playlist" in content
    assert "<span data-playlist-length>3 songs</span>" in content
    assert "3 min 3 sec" in content  # 3 × 61 s
    for control in ("data-edit-details", "data-invite", "data-delete", 'data-setting="public"', "data-drag-handle"):
        assert control in content, control
    assert content.count("data-remove-row") == 3
    assert "data-follow" not in content
    assert f'data-snapshot-id="{snapshot_id(playlist.public_id, playlist.version)}"' in content
    # The header plays the playlist from its start; each row plays it from itself.
    assert f'data-play data-context-uri="spotify:playlist:{playlist.public_id}" data-playlist-play' in content
    assert content.count(f'data-context-uri="spotify:playlist:{playlist.public_id}" data-track-uri=') == 3
    assert "Added by" not in content  # only on collaborative playlists


def test_a_collaborator_edits_items_but_not_the_details(people, playlists, tracks):
    playlist = playlists["collab"]
    content = web_client_for(people["collaborator"]).get(page_url(playlist)).content.decode()

    assert content.count("data-drag-handle") == 4
    assert content.count("data-remove-row") == 4
    for owner_only in ("data-edit-details", "data-invite", "data-delete", "data-setting="):
        assert owner_only not in content, owner_only
    assert 'data-follow="false">Follow' in content  # added by account: not in their library until they follow
    # Who added what, on a collaborative playlist.
    assert "Added by" in content
    assert '<span class="visually-hidden">Added by </span><span dir="auto">Collaborator</span>' in content
    assert '<span class="visually-hidden">Added by </span><span dir="auto">Owner</span>' in content


@pytest.mark.parametrize("viewer", ["follower", "outsider"])
def test_viewers_can_play_and_follow_but_not_edit(people, playlists, viewer):
    content = web_client_for(people[viewer]).get(page_url(playlists["public"])).content.decode()
    assert "data-drag-handle" not in content and "data-remove-row" not in content
    assert "data-edit-details" not in content
    assert content.count("data-add-to-playlist=") == 3 and content.count("data-like=") == 3
    following = viewer == "follower"
    expected = 'data-follow="true">Unfollow' if following else 'data-follow="false">Follow'
    assert expected in content


def test_the_public_share_page_works_for_anonymous_visitors_with_share_tags(client, people, playlists):
    playlist = playlists["public"]
    response = client.get(page_url(playlist))
    content = response.content.decode()

    assert response.status_code == 200
    assert len(rows_in(content)) == 3
    assert not re.search(r"data-play[\s>]", content)  # playing needs an account
    assert "data-like" not in content and "data-drag-handle" not in content
    assert f'href="/accounts/login/?next=/playlist/{playlist.public_id}">Sign in to listen' in content
    assert '<meta property="og:type" content="music.playlist">' in content
    assert '<meta property="og:title" content="Road trip">' in content
    assert '<meta property="og:description" content="Long drives">' in content
    assert f'<meta property="og:url" content="http://testserver/playlist/{playlist.public_id}">' in content
    assert '<meta property="og:image" content="http://testserver/media/images/albums/abc-640.jpg">' in content
    assert '<meta name="twitter:card" content="summary">' in content


def test_a_private_playlist_carries_no_share_tags(people, playlists):
    content = web_client_for(people["owner"]).get(page_url(playlists["private"])).content.decode()
    assert "og:title" not in content
    assert '<meta name="robots" content="noindex">' in content
    assert "Private playlist" in content


def test_an_empty_playlist_says_so_and_shows_a_placeholder_cover(people):
    playlist = services.playlist_create(owner=people["owner"], name="Empty")
    content = web_client_for(people["owner"]).get(page_url(playlist)).content.decode()
    assert "This playlist is empty." in content
    assert "cover--placeholder" in content
    assert "data-playlist-play hidden" in content
    assert "og:image" not in content


def test_it_greys_out_rows_that_cannot_play_here(people, tracks):
    from apps.accounts.models import Role
    from apps.rights.services import licence_create

    licence_create(actor=UserFactory(role=Role.STAFF), track=tracks[1], kind="block", territories=["SE"])
    playlist = services.playlist_create(owner=people["owner"], name="Mixed")
    services.items_add(actor=people["owner"], playlist=playlist, track_ids=[tracks[0].public_id, tracks[1].public_id])

    content = web_client_for(people["owner"]).get(page_url(playlist)).content.decode()

    blocked = re.search(rf'<li class="([^"]*)" data-track-id="{tracks[1].public_id}"[^>]*>', content)
    assert "track-row--unplayable" in blocked.group(1)
    assert 'title="Not available in your country"' in blocked.group(0)
    assert "Play Song 2: Not available in your country" in content
    assert content.count("data-remove-row") == 2  # an editor can still take it out


# --- Rows: the first hundred, then fragments ------------------------------------------------------


@pytest.fixture
def long_playlist(people, tracks):
    playlist = services.playlist_create(owner=people["owner"], name="Long")
    ids = [tracks[n % 5].public_id for n in range(250)]
    services.items_add(actor=people["owner"], playlist=playlist, track_ids=ids)
    playlist.refresh_from_db()
    return playlist, ids


def test_it_renders_the_first_hundred_rows_then_asks_for_more(people, long_playlist):
    playlist, ids = long_playlist
    content = web_client_for(people["owner"]).get(page_url(playlist)).content.decode()

    assert rows_in(content) == ids[:100]
    assert numbers_in(content) == list(range(1, 101))
    assert f'data-rows-more="/playlist/{playlist.public_id}/rows"' in content
    assert "250 songs" in content and "4 hr 14 min" in content  # 250 × 61 s


def test_the_rows_fragment_pages_on_by_offset(people, long_playlist):
    playlist, ids = long_playlist
    client = web_client_for(people["owner"])

    second = client.get(rows_url(playlist, 100))
    assert second.status_code == 200
    assert second["X-Snapshot-Id"] == snapshot_id(playlist.public_id, playlist.version)
    assert second["X-Total"] == "250"
    assert "X-Duration" not in second  # only a reload from the first row redraws the header
    content = second.content.decode()
    assert "<html" not in content  # a fragment, not a page
    assert rows_in(content) == ids[100:200]
    assert numbers_in(content) == list(range(101, 201))
    assert "data-rows-more" in content and content.count("data-drag-handle") == 100

    last = client.get(rows_url(playlist, 200)).content.decode()
    assert rows_in(last) == ids[200:]
    assert numbers_in(last) == list(range(201, 251))
    assert "data-rows-more" not in last

    first = client.get(rows_url(playlist, 0))
    assert rows_in(first.content.decode()) == ids[:100] and first["X-Duration"] == "4 hr 14 min"
    assert rows_in(client.get(rows_url(playlist, 250)).content.decode()) == []


@pytest.mark.parametrize("offset", ["-1", "ten", "1e3", ""])
def test_the_rows_fragment_refuses_a_bad_offset(people, long_playlist, offset):
    playlist, _ = long_playlist
    response = web_client_for(people["owner"]).get(rows_url(playlist, offset))
    assert response.status_code == (200 if offset == "" else 400)


def test_a_viewers_fragment_has_no_editing_controls(people, long_playlist):
    playlist, _ = long_playlist
    content = Client().get(rows_url(playlist, 100)).content.decode()
    assert len(rows_in(content)) == 100
    assert "data-drag-handle" not in content and "data-remove-row" not in content
    assert not re.search(r"data-play[\s>]", content)


def test_the_page_costs_the_same_queries_whatever_the_playlists_length(people, tracks):
    client = web_client_for(people["owner"])

    def queries_for(length: int) -> int:
        playlist = services.playlist_create(owner=people["owner"], name=f"{length} songs")
        services.items_add(
            actor=people["owner"], playlist=playlist, track_ids=[tracks[n % 5].public_id for n in range(length)]
        )
        client.get(page_url(playlist))  # warm the session and the content types
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(playlist)).status_code == 200
        return len(captured)

    assert queries_for(1_000) == queries_for(120)


# --- Liked Songs ------------------------------------------------------------------------------------


def test_liked_songs_lists_the_newest_first_and_plays_the_collection(people, tracks):
    user = people["follower"]
    for track in tracks[:3]:
        library.save(user=user, kind="track", ids=[track.public_id])

    content = web_client_for(user).get(reverse("playlists:liked")).content.decode()

    assert rows_in(content) == [t.public_id for t in reversed(tracks[:3])]
    assert "3 songs" in content
    assert f'data-context-uri="spotify:user:{user.public_id}:collection"' in content
    assert content.count('aria-pressed="true"') == 3  # every heart is already known to be on
    assert 'data-like-state="unknown"' not in content


def test_liked_songs_pages_on_by_offset(people, tracks):
    user = people["follower"]
    extra = [TrackFactory(album=tracks[0].album, title=f"More {n}") for n in range(120)]
    for track in extra:
        library.save(user=user, kind="track", ids=[track.public_id])
    client = web_client_for(user)
    newest_first = [t.public_id for t in reversed(extra)]

    content = client.get(reverse("playlists:liked")).content.decode()
    assert rows_in(content) == newest_first[:100]
    assert 'data-rows-more="/collection/tracks/rows"' in content

    more = client.get(f"{reverse('playlists:liked-rows')}?offset=100")
    assert rows_in(more.content.decode()) == newest_first[100:]
    assert numbers_in(more.content.decode()) == list(range(101, 121))
    assert more["X-Total"] == "120" and "data-rows-more" not in more.content.decode()


def test_liked_songs_are_each_users_own(people, tracks):
    library.save(user=people["owner"], kind="track", ids=[tracks[0].public_id])
    content = web_client_for(people["outsider"]).get(reverse("playlists:liked")).content.decode()
    assert rows_in(content) == []
    assert "Songs you like appear here." in content


# --- The invite link -----------------------------------------------------------------------------------


@pytest.fixture
def invited(people, playlists):
    playlist = playlists["collab"]
    token = services.invite_link_rotate(actor=people["owner"], playlist=playlist)
    url = f"{reverse('playlists:join', args=[playlist.public_id])}?token={token}"
    return playlist, token, url


def test_an_anonymous_visitor_signs_in_first_and_comes_back(client, invited):
    _, _, url = invited
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert "token%3D" in response["Location"]  # back to this very link


def test_it_asks_before_joining_and_joins_on_post(people, invited):
    playlist, token, url = invited
    newcomer = people["outsider"]
    client = web_client_for(newcomer)

    page = client.get(url)
    content = page.content.decode()
    assert page.status_code == 200
    assert 'Join “<span dir="auto">Shared mix</span>” as a collaborator' in content
    assert 'name="csrfmiddlewaretoken"' in content and f'value="{token}"' in content
    assert not PlaylistCollaborator.objects.filter(playlist=playlist, user=newcomer).exists()  # a GET writes nothing

    response = client.post(url, {"token": token})

    assert response.status_code == 302 and response["Location"] == page_url(playlist)
    assert PlaylistCollaborator.objects.filter(playlist=playlist, user=newcomer).exists()
    assert PlaylistFollow.objects.filter(playlist=playlist, user=newcomer).exists()
    shown = client.get(page_url(playlist)).content.decode()
    assert "You joined “Shared mix”" in shown
    assert "data-drag-handle" in shown  # now an editor


def test_the_join_form_needs_its_csrf_token(people, invited):
    playlist, token, url = invited
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["outsider"])
    assert client.post(url, {"token": token}).status_code == 403
    assert not PlaylistCollaborator.objects.filter(playlist=playlist, user=people["outsider"]).exists()


@pytest.mark.parametrize("token", ["", "wrong", "x" * 43])
def test_a_wrong_token_is_a_404_and_joins_nobody(people, invited, token):
    playlist, _, _ = invited
    client = web_client_for(people["outsider"])
    url = f"{reverse('playlists:join', args=[playlist.public_id])}?token={token}"
    assert client.get(url).status_code == 404
    assert client.post(url, {"token": token}).status_code == 404
    assert not PlaylistCollaborator.objects.filter(playlist=playlist, user=people["outsider"]).exists()
    assert b"Shared mix" not in client.get(url).content


def test_a_renewed_link_revokes_the_old_one(people, invited):
    playlist, _, old_url = invited
    services.invite_link_rotate(actor=people["owner"], playlist=playlist)
    assert web_client_for(people["outsider"]).get(old_url).status_code == 404


def test_the_owner_and_collaborators_are_told_they_are_in_already(people, invited):
    _, _, url = invited
    assert "This is your own playlist" in web_client_for(people["owner"]).get(url).content.decode()
    assert "You already collaborate" in web_client_for(people["collaborator"]).get(url).content.decode()


# --- Track rows everywhere, and the catalog's share tags ---------------------------------------------


def test_track_rows_carry_the_heart_and_add_to_playlist_for_signed_in_listeners(client, people, tracks):
    url = reverse("web:album", args=[tracks[0].album.public_id])
    anonymous = client.get(url).content.decode()
    assert "data-like=" not in anonymous and "data-add-to-playlist" not in anonymous

    content = web_client_for(people["owner"]).get(url).content.decode()
    assert content.count('data-like-state="unknown"') == 5  # asked for by static/js/library.js
    assert f'data-like="spotify:track:{tracks[0].public_id}"' in content
    assert 'aria-label="Add Song 1 to a playlist"' in content and 'aria-haspopup="menu"' in content


def test_the_album_and_track_pages_carry_share_tags(client, tracks):
    album = tracks[0].album
    content = client.get(reverse("web:album", args=[album.public_id])).content.decode()
    assert '<meta property="og:type" content="music.album">' in content
    assert '<meta property="og:title" content="Northern Lights">' in content
    assert "Album · Aurora Fields · " in content and " · 5 songs" in content
    assert f'<meta property="og:url" content="http://testserver/album/{album.public_id}">' in content
    assert '<meta property="og:image" content="http://testserver/media/images/albums/abc-300.jpg">' in content
    assert '<meta name="twitter:card" content="summary">' in content

    track = tracks[0]
    content = client.get(reverse("web:track", args=[track.public_id])).content.decode()
    assert '<meta property="og:type" content="music.song">' in content
    assert '<meta property="og:title" content="Song 1">' in content
    assert '<meta property="og:description" content="Song · Aurora Fields · Northern Lights">' in content
    assert f'<meta property="og:url" content="http://testserver/track/{track.public_id}">' in content
    assert 'og:image" content="http://testserver/media/images/albums/abc-300.jpg"' in content
    assert '<meta property="music:duration" content="61">' in content


def test_share_tags_are_escaped(client):
    title = '"Quoted" <b>& more</b>'
    playlist = services.playlist_create(owner=UserFactory(), name=title, description=title)
    content = client.get(page_url(playlist)).content.decode()
    assert f'<meta property="og:title" content="{escape(title)}">' in content
    assert "<b>& more" not in content
