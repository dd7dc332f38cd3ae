"""The charts' rules (apps.recommendations.products.charts): a chart that no longer qualifies is
retired in the refresh that finds it so, a refresh that fails part-way changes nothing, a chart
lists at most two tracks of one artist in any ten, and the charts endpoint leaves out the charts
with nothing for this listener (their tier, their explicit-content setting)."""

from __future__ import annotations

from collections import Counter

import pytest

from apps.accounts.models import Product, Role
from apps.catalog.models import Track
from apps.playlists.models import Playlist
from apps.recommendations.products import charts
from apps.rights.services import licence_create
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.recommendations.catalog import planted_catalog
from tests.recommendations.listening import report

pytestmark = pytest.mark.django_db

TOPLISTS = "/v1/browse/categories/toplists/playlists"


@pytest.fixture
def planted():
    return planted_catalog(artists_per_genre=6, tracks_per_artist=5)


def streamed_today(tracks, *, listeners: int = 3, country: str = "SE") -> None:
    for user in (UserFactory(country=country) for _ in range(listeners)):
        for track in tracks:
            report(user, track, hours_ago=2)


def chart_track_ids(playlist) -> list[int]:
    return list(playlist.entries.order_by("key").values_list("track_id", flat=True))


def listed_names(user) -> list[str]:
    response = api_client_for(user).get(TOPLISTS)
    assert response.status_code == 200, response.content
    return [playlist["name"] for playlist in response.json()["playlists"]["items"]]


def test_it_retires_a_chart_that_falls_below_its_minimum(planted, django_capture_on_commit_callbacks):
    techno = planted.tracks["techno"][:12]
    streamed_today(techno)
    made = {p.generator: p for p in charts.refresh_charts()}
    sweden, world = made["chart:country:SE"], made["chart:global"]
    staff = UserFactory(role=Role.STAFF)
    with django_capture_on_commit_callbacks(execute=True):  # the catalog version moves on commit
        for track in techno[:3]:  # nine charted tracks left that play in Sweden
            licence_create(actor=staff, track=track, kind="block", territories=["SE"])

    remade = {p.generator: p for p in charts.refresh_charts()}

    assert "chart:country:SE" not in remade
    assert Playlist.objects.get(pk=sweden.pk).deleted_at is not None
    assert remade["chart:global"].pk == world.pk  # still qualifies: refilled, not made anew
    assert Playlist.objects.get(pk=world.pk).deleted_at is None
    assert "Top 50 – Sweden" not in listed_names(UserFactory(country="SE"))
    assert api_client_for(UserFactory(country="SE")).get(f"/v1/playlists/{sweden.public_id}").status_code == 404


def test_a_chart_that_qualifies_again_comes_back(planted, django_capture_on_commit_callbacks):
    techno = planted.tracks["techno"][:12]
    streamed_today(techno[:9])
    assert "chart:country:SE" not in {p.generator for p in charts.refresh_charts()}

    streamed_today(techno[9:])
    back = {p.generator: p for p in charts.refresh_charts()}

    assert back["chart:country:SE"].deleted_at is None
    assert listed_names(UserFactory(country="SE"))[0] == "Top 50 – Sweden"


def test_a_refresh_that_fails_part_way_changes_nothing(planted, monkeypatch, django_capture_on_commit_callbacks):
    techno = planted.tracks["techno"][:12]
    streamed_today(techno)
    before = {p.generator: p for p in charts.refresh_charts()}
    contents = {p.pk: (p.version, chart_track_ids(p)) for p in before.values()}
    staff = UserFactory(role=Role.STAFF)
    with django_capture_on_commit_callbacks(execute=True):
        for track in techno[:3]:  # Sweden's chart would be retired
            licence_create(actor=staff, track=track, kind="block", territories=["SE"])
    streamed_today(planted.tracks["ambient"][:5], listeners=6)  # and the world's remade otherwise
    real, made = charts.generated_playlist, []

    def fails_on_the_second_chart(**kwargs):  # a fault injected into the real refresh
        if made:
            raise RuntimeError("storage went away")
        made.append(real(**kwargs))
        return made[-1]

    monkeypatch.setattr(charts, "generated_playlist", fails_on_the_second_chart)

    with pytest.raises(RuntimeError):
        charts.refresh_charts()

    assert made  # one chart was refilled before the failure, and rolled back with the rest
    live = {p.pk: p for p in Playlist.live.filter(generator__startswith=charts.CHART)}
    assert set(live) == set(contents)
    assert {pk: (p.version, chart_track_ids(p)) for pk, p in live.items()} == contents


def test_a_chart_lists_at_most_two_tracks_of_an_artist_in_any_ten(planted):
    techno = planted.tracks["techno"]  # six artists, five tracks each, artist by artist
    streamed_today(techno[:10], listeners=3)  # the first two artists' tracks stream most
    streamed_today(techno[10:], listeners=1)

    chart = {p.generator: p for p in charts.refresh_charts()}["chart:country:SE"]

    ids = chart_track_ids(chart)
    artist_of = dict(Track.objects.filter(pk__in=ids).values_list("pk", "album__album_artists__artist_id"))
    for start in range(len(ids)):
        window = Counter(artist_of[track] for track in ids[start : start + 10])
        assert max(window.values()) <= 2, (start, window)
    assert ids[0] == techno[0].pk  # the best scored still leads
    assert len({artist_of[track] for track in ids[:10]}) == 5  # not the two most streamed alone


def test_the_charts_leave_out_those_with_nothing_a_filtered_listener_wants(planted):
    ambient = planted.tracks["ambient"][:12]
    Track.objects.filter(pk__in=[t.pk for t in ambient]).update(explicit=True)
    streamed_today(planted.tracks["techno"][:12], listeners=3)
    streamed_today(ambient, listeners=1)
    charts.refresh_charts()

    filtered = listed_names(UserFactory(country="SE", explicit_filter=True))
    unfiltered = listed_names(UserFactory(country="SE"))

    assert "Top 50 – Ambient" in unfiltered and "Top 50 – Ambient" not in filtered
    assert filtered == [name for name in unfiltered if name != "Top 50 – Ambient"]
    assert filtered[0] == "Top 50 – Sweden"  # techno on top: something there for them


def test_the_charts_leave_out_those_a_free_listener_cannot_play(planted):
    ambient = planted.tracks["ambient"][:12]
    staff = UserFactory(role=Role.STAFF)
    for track in ambient:
        licence_create(actor=staff, track=track, kind="grant", territories=["*"], premium_only=True)
    streamed_today(planted.tracks["techno"][:12], listeners=3)
    streamed_today(ambient, listeners=1)
    charts.refresh_charts()

    assert "Top 50 – Ambient" not in listed_names(UserFactory(country="SE", product=Product.FREE))
    assert "Top 50 – Ambient" in listed_names(UserFactory(country="SE", product=Product.PREMIUM))


def test_a_chart_look_alike_of_another_account_is_neither_retired_nor_listed(planted, listener):
    from apps.playlists.services import playlist_create

    impostor = playlist_create(owner=UserFactory(), name="Top 50 – Fake", public=True)
    Playlist.objects.filter(pk=impostor.pk).update(generator="chart:country:XX")
    streamed_today(planted.tracks["techno"][:12])

    made = charts.refresh_charts()  # the platform's own charts only: no PermissionDenied, no rollback

    assert {chart.generator for chart in made} >= {"chart:global", "chart:country:SE"}
    assert Playlist.live.filter(pk=impostor.pk).exists()
    assert "Top 50 – Fake" not in listed_names(listener)
