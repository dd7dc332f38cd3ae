"""The home view's rules for what a listener may see (apps.recommendations.products.home): new
releases from followed artists only where the listener may play them; before there are charts, the
popular shelf from the week's streams on the API's home as on the web page, playable for the
listener and under their explicit-content setting; and the chart-backed popular shelf under that
setting too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Product, Role
from apps.playlists import library
from apps.playlists.models import Playlist
from apps.recommendations.products.charts import refresh_charts
from apps.rights.services import licence_create, takedown_create
from tests.conftest import api_client_for, web_client_for
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory
from tests.recommendations.catalog import planted_catalog
from tests.recommendations.listening import report

pytestmark = pytest.mark.django_db

HOME = "/v1/views/home"


def sections(user) -> dict[str, dict]:
    response = api_client_for(user).get(HOME)
    assert response.status_code == 200, response.content
    return {section["id"]: section for section in response.json()["sections"]}


def popular_ids(user) -> list[str]:
    return [track["id"] for track in sections(user)["popular"]["items"]]


def streamed(tracks, *, listeners: int = 1, country: str = "SE") -> None:
    """Each of `tracks` streamed today by `listeners` other listeners in `country`."""
    for user in (UserFactory(country=country) for _ in range(listeners)):
        for track in tracks:
            report(user, track, hours_ago=3)


def hits(count: int, **fields) -> list:
    """Tracks each by an artist of its own, ranked by this week's Swedish streams (first most)."""
    tracks = [TrackFactory(title=f"Hit {n}", **fields) for n in range(count)]
    for rank, track in enumerate(tracks):
        streamed([track], listeners=count - rank)
    return tracks


# --- New releases from artists you follow -------------------------------------------------------


def test_new_releases_from_followed_artists_are_only_those_the_listener_may_play():
    artist = ArtistFactory()
    staff = UserFactory(role=Role.STAFF)
    recent = timezone.localdate() - timedelta(days=10)
    fine, gone, elsewhere, premium_only = (
        AlbumFactory(title=title, artists=[artist], release_date=recent)
        for title in ("Fine", "Taken down", "Blocked here", "Premium only")
    )
    for album in (fine, gone, elsewhere, premium_only):
        TrackFactory(album=album)
    takedown_create(actor=staff, track=gone.tracks.get(), territories=["*"], reason="claim")
    licence_create(actor=staff, track=elsewhere.tracks.get(), kind="block", territories=["SE"])
    licence_create(actor=staff, track=premium_only.tracks.get(), kind="grant", territories=["*"], premium_only=True)
    free, premium = UserFactory(country="SE"), UserFactory(country="SE", product=Product.PREMIUM)
    for user in (free, premium):
        library.save(user=user, kind="artist", ids=[artist.public_id])

    shown_free = {album["name"] for album in sections(free)["new-from-followed"]["items"]}
    shown_premium = {album["name"] for album in sections(premium)["new-from-followed"]["items"]}

    assert shown_free == {"Fine"}
    assert shown_premium == {"Fine", "Premium only"}


def test_a_followed_artist_with_nothing_playable_here_gets_no_shelf():
    artist = ArtistFactory()
    album = AlbumFactory(artists=[artist], release_date=timezone.localdate() - timedelta(days=3))
    track = TrackFactory(album=album)
    takedown_create(actor=UserFactory(role=Role.STAFF), track=track, territories=["SE"], reason="claim")
    listener = UserFactory(country="SE")
    library.save(user=listener, kind="artist", ids=[artist.public_id])

    assert "new-from-followed" not in sections(listener)


# --- Popular, before there are charts -----------------------------------------------------------


def test_a_listener_with_no_history_gets_what_is_popular_in_their_country_before_any_chart():
    tracks = hits(12)
    newcomer = UserFactory(country="SE")

    home = sections(newcomer)

    assert home["popular"]["title"] == "Popular in Sweden"
    assert [t["id"] for t in home["popular"]["items"]] == [t.public_id for t in tracks[:10]]
    assert all(t["is_playable"] for t in home["popular"]["items"])
    assert "charts" not in home and "made-for-you" not in home
    assert not Playlist.objects.exists()  # reading the home makes no chart


def test_the_web_page_and_the_api_show_the_same_popular_shelf():
    hits(12)
    newcomer = UserFactory(country="SE")

    page = web_client_for(newcomer).get(reverse("web:home"))
    shelf = next(s for s in page.context["shelves"] if s.key == "popular")

    assert shelf.title == sections(newcomer)["popular"]["title"]
    assert [t.public_id for t in shelf.items] == popular_ids(newcomer)
    assert shelf.context_uri == ""  # no chart behind it: its rows play the shelf itself


def test_with_too_few_streams_in_their_country_it_is_everyones():
    abroad = TrackFactory(title="Abroad")
    streamed([abroad], listeners=3, country="DE")
    local = TrackFactory(title="Local")
    streamed([local])

    home = sections(UserFactory(country="SE"))

    assert home["popular"]["title"] == "Popular now"
    assert [t["name"] for t in home["popular"]["items"]] == ["Abroad", "Local"]


def test_before_any_chart_popular_leaves_out_what_the_listener_may_not_play_or_want():
    staff = UserFactory(role=Role.STAFF)
    blocked, explicit, premium_only, *rest = hits(12)
    explicit.explicit = True
    explicit.save(update_fields=["explicit"])
    licence_create(actor=staff, track=blocked, kind="block", territories=["SE"])
    licence_create(actor=staff, track=premium_only, kind="grant", territories=["*"], premium_only=True)
    filtered = UserFactory(country="SE", explicit_filter=True)
    premium = UserFactory(country="SE", product=Product.PREMIUM)

    assert popular_ids(filtered) == [t.public_id for t in rest[:10]]
    assert popular_ids(premium) == [t.public_id for t in (explicit, premium_only, *rest[:8])]


def test_before_any_chart_popular_plays_two_tracks_of_one_artist_in_ten():
    album = AlbumFactory()  # one artist's twelve tracks stream most
    prolific = [TrackFactory(album=album, title=f"Same {n}") for n in range(12)]
    streamed(prolific, listeners=2)
    others = [TrackFactory(title=f"Other {n}") for n in range(10)]
    streamed(others)  # once each: ranked as they were made

    shown = popular_ids(UserFactory(country="SE"))

    assert shown == [t.public_id for t in (*prolific[:2], *others[:8])]


# --- Popular, from the chart --------------------------------------------------------------------


def test_the_charts_popular_shelf_leaves_out_explicit_songs_for_a_filtered_listener():
    planted = planted_catalog(artists_per_genre=6, tracks_per_artist=2)
    techno = planted.tracks["techno"]
    top = techno[0]
    top.explicit = True
    top.save(update_fields=["explicit"])
    streamed([top], listeners=4)
    streamed(techno[1:], listeners=2)
    refresh_charts()

    everyone = popular_ids(UserFactory(country="SE"))
    filtered = popular_ids(UserFactory(country="SE", explicit_filter=True))

    assert everyone[0] == top.public_id
    assert top.public_id not in filtered
    assert filtered[:9] == everyone[1:] and len(filtered) == 10  # the next one in the chart moves up
