"""The catalog's Django admin, driven through the test client as staff would use it."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Role
from apps.catalog.models import AlbumType, ArtistRole, Genre, IngestState, Track
from apps.catalog.services.ingest import REINGEST_REQUESTED
from tests.catalog.callbacks import queued_work
from tests.conftest import web_client_for
from tests.factories import AlbumFactory, ArtistFactory, RenditionFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    # Role "staff" opens the admin; what a staff member may do there is still Django's permissions,
    # which a superuser holds in full.
    return web_client_for(UserFactory(role=Role.STAFF, is_superuser=True))


@pytest.fixture
def catalog():
    """A small catalog with a row in every table the admin shows, and the odd states it must render."""
    rock = Genre.objects.create(slug="rock", name="Rock")
    jazz = Genre.objects.create(slug="jazz", name="Jazz")
    aurora = ArtistFactory(
        name="Aurora Fields",
        images=[
            {"key": "images/artists/aurora-640.jpg", "width": 640, "height": 640},
            {"key": "images/artists/aurora-64.jpg", "width": 64, "height": 64},
        ],
    )
    aurora.genres.add(rock)
    guest = ArtistFactory(name="Guest Star")
    bare = ArtistFactory(name="No Picture")
    album = AlbumFactory(
        title="Northern Lights", artists=[aurora], upc="036000291452", release_date=datetime.date(2021, 3, 1)
    )
    single = AlbumFactory(
        title="Quiet Single", artists=[bare], album_type=AlbumType.SINGLE, release_date=datetime.date(2019, 1, 1)
    )
    ready = TrackFactory(
        album=album, title="Polar Night", isrc="SEABC2100001", artists=[aurora, guest], loudness_lufs=-9.4
    )
    ready.genres.add(rock)
    failed = TrackFactory(
        album=album,
        title="Broken Take",
        ingest_state=IngestState.FAILED,
        ingest_error="The file is not audio.",
        hls_prefix="",
        explicit=True,
    )
    uploaded = TrackFactory(album=single, title="Fresh Upload", ingest_state=IngestState.UPLOADED, hls_prefix="")
    uploaded.genres.add(jazz)
    rendition = RenditionFactory(track=ready)
    return {
        "genres": [rock, jazz],
        "artists": [aurora, guest, bare],
        "albums": [album, single],
        "tracks": [ready, failed, uploaded],
        "renditions": [rendition],
    }


def changelist(model: str) -> str:
    return reverse(f"admin:catalog_{model}_changelist")


def change(model: str, pk: int) -> str:
    return reverse(f"admin:catalog_{model}_change", args=[pk])


def rows(response) -> list:
    return list(response.context["cl"].result_list)


def form_data(response) -> dict:
    """What a browser posts back from an unchanged change page: the form and every inline formset."""
    data: dict = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue  # an unchecked box or an empty optional field is simply absent
            data[bound.html_name] = "on" if value is True else value
    return data


# --- Pages load ------------------------------------------------------------------------------

MODELS = {
    "genre": "genres",
    "artist": "artists",
    "album": "albums",
    "track": "tracks",
    "audiorendition": "renditions",
}


@pytest.mark.parametrize("model", MODELS)
def test_it_lists_every_model(staff_client, catalog, model):
    response = staff_client.get(changelist(model))

    assert response.status_code == 200
    assert {row.pk for row in rows(response)} >= {obj.pk for obj in catalog[MODELS[model]]}


@pytest.mark.parametrize("model", MODELS)
def test_it_opens_every_change_page(staff_client, catalog, model):
    for obj in catalog[MODELS[model]]:
        response = staff_client.get(change(model, obj.pk))
        assert response.status_code == 200, (model, obj)


@pytest.mark.parametrize("model", ["genre", "artist", "album"])
def test_it_opens_the_add_pages(staff_client, catalog, model):
    assert staff_client.get(reverse(f"admin:catalog_{model}_add")).status_code == 200


def test_it_leaves_creating_tracks_to_uploads(staff_client, catalog):
    # A track needs a stored master to ingest; the admin has none to give it.
    assert staff_client.get(reverse("admin:catalog_track_add")).status_code == 403


def test_it_saves_an_album_page_with_its_credits_and_read_only_track_list(staff_client, catalog):
    album = catalog["albums"][0]
    data = form_data(staff_client.get(change("album", album.pk)))
    data["title"] = "Northern Lights (Deluxe)"
    data["tracks-0-title"] = "Renamed through the read-only list"

    response = staff_client.post(change("album", album.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    album.refresh_from_db()
    assert album.title == "Northern Lights (Deluxe)"
    assert album.album_artists.get().artist.name == "Aurora Fields"
    assert set(album.tracks.values_list("title", flat=True)) == {"Polar Night", "Broken Take"}


def test_it_does_not_offer_to_add_edit_or_delete_renditions(staff_client, catalog):
    rendition = catalog["renditions"][0]

    assert staff_client.get(reverse("admin:catalog_audiorendition_add")).status_code == 403
    assert staff_client.get(reverse("admin:catalog_audiorendition_delete", args=[rendition.pk])).status_code == 403
    response = staff_client.post(change("audiorendition", rendition.pk), {"bitrate_kbps": 999})
    assert response.status_code == 403
    rendition.refresh_from_db()
    assert rendition.bitrate_kbps == 160


def test_it_redirects_a_listener_to_the_admin_login(catalog):
    listener = web_client_for(UserFactory(role=Role.LISTENER))

    for model in MODELS:
        response = listener.get(changelist(model))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_it_redirects_an_anonymous_visitor_to_the_admin_login(catalog):
    response = Client().get(changelist("track"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_it_leaves_a_staff_member_without_permissions_to_django_permissions(catalog):
    viewer = UserFactory(role=Role.STAFF)
    client = web_client_for(viewer)
    assert client.get(changelist("track")).status_code == 403

    viewer.user_permissions.add(Permission.objects.get(codename="view_track"))
    response = web_client_for(viewer).get(changelist("track"))

    assert response.status_code == 200
    # Re-running ingest changes the track, so a view-only member is not offered the action.
    assert "rerun_ingest" not in response.content.decode()


# --- Columns ---------------------------------------------------------------------------------


def test_it_shows_the_smallest_rendition_of_an_artist_picture_as_thumbnail(staff_client, catalog):
    response = staff_client.get(changelist("artist"))

    html = response.content.decode()
    assert "images/artists/aurora-64.jpg" in html
    assert "images/artists/aurora-640.jpg" not in html


def test_it_counts_an_artists_tracks(staff_client, catalog):
    aurora, guest, bare = catalog["artists"]

    response = staff_client.get(changelist("artist"))

    counts = {artist.pk: artist.track_count for artist in rows(response)}
    assert counts[aurora.pk] == 2  # every track of the album credits its artist
    assert counts[guest.pk] == 1
    assert counts[bare.pk] == 1


def test_it_counts_ready_and_total_tracks_per_album(staff_client, catalog):
    album, single = catalog["albums"]

    response = staff_client.get(changelist("album"))

    summary = {row.pk: response.context["cl"].model_admin.track_summary(row) for row in rows(response)}
    assert summary == {album.pk: "1 / 2", single.pk: "0 / 1"}
    assert "Aurora Fields" in response.content.decode()


def test_it_shows_the_primary_artist_of_a_track_with_featured_artists(staff_client, catalog):
    ready = catalog["tracks"][0]
    assert ready.track_artists.filter(role=ArtistRole.FEATURED).exists()

    response = staff_client.get(changelist("track"))

    primary = {row.pk: row.primary_artist_name for row in rows(response)}
    assert primary[ready.pk] == "Aurora Fields"


def test_it_summarises_an_albums_tracks_with_links_on_its_page(staff_client, catalog):
    album = catalog["albums"][0]
    ready, failed, _ = catalog["tracks"]

    response = staff_client.get(change("album", album.pk))

    html = response.content.decode()
    assert "Polar Night" in html and "Broken Take" in html
    assert change("track", ready.pk) in html and change("track", failed.pk) in html


def test_it_shows_credits_and_renditions_on_a_track_page(staff_client, catalog):
    ready = catalog["tracks"][0]

    response = staff_client.get(change("track", ready.pk))

    html = response.content.decode()
    assert "Guest Star" in html
    assert "index.m3u8" in html  # the rendition's playlist key, read-only


# --- Search and filters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("polar", {"Polar Night"}),
        ("SEABC2100001", {"Polar Night"}),
        ("northern", {"Polar Night", "Broken Take"}),
        ("guest star", {"Polar Night"}),
        ("no picture", {"Fresh Upload"}),
    ],
)
def test_it_searches_tracks_by_title_isrc_album_and_artist(staff_client, catalog, query, titles):
    response = staff_client.get(changelist("track"), {"q": query})

    assert {row.title for row in rows(response)} == titles


def test_it_lists_a_track_with_several_matching_artists_once(staff_client, catalog):
    response = staff_client.get(changelist("track"), {"q": "a"})

    listed = [row.pk for row in rows(response)]
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize(
    ("params", "titles"),
    [
        ({"ingest_state__exact": "failed"}, {"Broken Take"}),
        ({"ingest_state__exact": "ready"}, {"Polar Night"}),
        ({"explicit__exact": "1"}, {"Broken Take"}),
    ],
)
def test_it_filters_tracks(staff_client, catalog, params, titles):
    response = staff_client.get(changelist("track"), params)

    assert {row.title for row in rows(response)} == titles


def test_it_filters_tracks_by_genre(staff_client, catalog):
    rock, jazz = catalog["genres"]

    response = staff_client.get(changelist("track"), {"genres__id__exact": jazz.pk})

    assert {row.title for row in rows(response)} == {"Fresh Upload"}


@pytest.mark.parametrize(
    ("query", "titles"),
    [("northern", {"Northern Lights"}), ("036000291452", {"Northern Lights"}), ("no picture", {"Quiet Single"})],
)
def test_it_searches_albums_by_title_upc_and_artist(staff_client, catalog, query, titles):
    response = staff_client.get(changelist("album"), {"q": query})

    assert {row.title for row in rows(response)} == titles


@pytest.mark.parametrize(
    ("params", "titles"),
    [
        ({"album_type__exact": "single"}, {"Quiet Single"}),
        ({"release_year": "2021"}, {"Northern Lights"}),
        ({"release_year": "2019"}, {"Quiet Single"}),
    ],
)
def test_it_filters_albums_by_type_and_release_year(staff_client, catalog, params, titles):
    response = staff_client.get(changelist("album"), params)

    assert {row.title for row in rows(response)} == titles


def test_it_offers_the_release_years_in_use(staff_client, catalog):
    response = staff_client.get(changelist("album"))

    html = response.content.decode()
    assert "?release_year=2021" in html and "?release_year=2019" in html


def test_it_searches_and_filters_artists(staff_client, catalog):
    rock, _ = catalog["genres"]

    searched = staff_client.get(changelist("artist"), {"q": "aurora"})
    filtered = staff_client.get(changelist("artist"), {"genres__id__exact": rock.pk})

    assert [row.name for row in rows(searched)] == ["Aurora Fields"]
    assert [row.name for row in rows(filtered)] == ["Aurora Fields"]


# --- Ingest fields and the re-run action ----------------------------------------------------


def test_it_does_not_let_staff_edit_ingest_results(staff_client, catalog):
    failed = catalog["tracks"][1]
    data = form_data(staff_client.get(change("track", failed.pk)))
    data.update(
        title="Broken Take (fixed)",
        ingest_state=IngestState.READY,
        ingest_error="",
        hls_prefix="audio/forged",
        loudness_lufs="-14",
        duration_ms="1",
    )

    response = staff_client.post(change("track", failed.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    failed.refresh_from_db()
    assert failed.title == "Broken Take (fixed)"  # the post was accepted...
    assert failed.ingest_state == IngestState.FAILED  # ...but the pipeline's fields were not taken
    assert failed.ingest_error == "The file is not audio."
    assert failed.hls_prefix == ""
    assert failed.loudness_lufs is None
    assert failed.duration_ms == 180_000


def test_it_requeues_a_failed_track(staff_client, catalog, django_capture_on_commit_callbacks):
    failed = catalog["tracks"][1]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(
            changelist("track"), {"action": "rerun_ingest", "_selected_action": [failed.pk]}, follow=True
        )

    failed.refresh_from_db()
    assert failed.ingest_state == IngestState.UPLOADED
    assert len(queued_work(callbacks)) == 1
    assert [str(m) for m in response.context["messages"]] == ["Queued ingest for 1 track(s)."]


def test_it_keeps_a_ready_track_playing_while_it_is_reingested(
    staff_client, catalog, django_capture_on_commit_callbacks
):
    ready = catalog["tracks"][0]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        staff_client.post(changelist("track"), {"action": "rerun_ingest", "_selected_action": [ready.pk]})

    ready.refresh_from_db()
    assert ready.ingest_state == IngestState.READY
    assert ready.ingest_attempt == REINGEST_REQUESTED
    assert len(queued_work(callbacks)) == 1


def test_it_reports_the_tracks_it_could_not_requeue(staff_client, catalog, django_capture_on_commit_callbacks):
    failed = catalog["tracks"][1]
    masterless = TrackFactory(album=failed.album, title="Lost Master", ingest_state=IngestState.FAILED, hls_prefix="")
    Track.objects.filter(pk=masterless.pk).update(master_key="")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(
            changelist("track"),
            {"action": "rerun_ingest", "_selected_action": [failed.pk, masterless.pk]},
            follow=True,
        )

    assert len(queued_work(callbacks)) == 1  # the one that could be re-run still was
    messages = [str(m) for m in response.context["messages"]]
    assert messages[0] == "Queued ingest for 1 track(s)."
    assert "Lost Master" in messages[1] and "This track has no stored master to process." in messages[1]
    masterless.refresh_from_db()
    assert masterless.ingest_state == IngestState.FAILED


# --- Query counts ------------------------------------------------------------------------------


def more_rows(count: int) -> None:
    """`count` more rows in every table the admin lists, each with its own relations."""
    for n in range(count):
        artist = ArtistFactory(images=[{"key": f"images/artists/{n}-64.jpg", "width": 64, "height": 64}])
        artist.genres.add(Genre.objects.create(slug=f"genre-{n}", name=f"Genre {n}"))
        track = TrackFactory(album=AlbumFactory(artists=[artist]), artists=[artist, ArtistFactory()])
        track.genres.add(*artist.genres.all())
        RenditionFactory(track=track)


@pytest.mark.parametrize("model", MODELS)
def test_it_lists_rows_in_a_number_of_queries_that_does_not_grow_with_the_rows(
    staff_client, catalog, model, django_assert_max_num_queries
):
    staff_client.get(changelist(model))  # the first request of a session does one-off work
    with CaptureQueriesContext(connection) as small_page:
        assert staff_client.get(changelist(model)).status_code == 200
    more_rows(30)

    with django_assert_max_num_queries(len(small_page.captured_queries)):
        response = staff_client.get(changelist(model))

    assert response.status_code == 200
    assert len(rows(response)) > 30


def test_it_lists_tracks_in_at_most_a_dozen_queries(staff_client, catalog, django_assert_max_num_queries):
    more_rows(60)

    with django_assert_max_num_queries(12):
        response = staff_client.get(changelist("track"))

    assert len(rows(response)) == 63
