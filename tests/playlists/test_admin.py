"""Staff read playlists and their change log in the admin, and bring back deleted ones; they
cannot edit entries there (only the services keep keys and the log consistent)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.models import Role
from apps.playlists import services
from apps.playlists.models import Playlist
from tests.conftest import web_client_for
from tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    return web_client_for(UserFactory(role=Role.STAFF, is_superuser=True))


@pytest.fixture
def deleted():
    owner = UserFactory(email="owner@example.test")
    playlist = services.playlist_create(owner=owner, name="Years of curation")
    services.items_add(actor=owner, playlist=playlist, track_ids=[TrackFactory().public_id])
    services.playlist_delete(actor=owner, playlist=playlist)
    return playlist


def test_staff_see_a_playlist_with_its_change_log_read_only(staff_client, deleted):
    listing = staff_client.get(reverse("admin:playlists_playlist_changelist"))
    assert listing.status_code == 200 and "Years of curation" in listing.content.decode()

    page = staff_client.get(reverse("admin:playlists_playlist_change", args=[deleted.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "create" in body and "add" in body
    assert 'name="_save"' not in body  # nothing to save: read-only


def test_staff_bring_back_a_deleted_playlist(staff_client, deleted):
    response = staff_client.post(
        reverse("admin:playlists_playlist_changelist"),
        {"action": "undelete", "_selected_action": [deleted.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Playlist.live.filter(pk=deleted.pk).exists()
    assert Playlist.objects.get(pk=deleted.pk).length == 1


def test_listeners_cannot_open_it(deleted):
    client = web_client_for(UserFactory(email="nosy@example.test"))
    response = client.get(reverse("admin:playlists_playlist_changelist"))
    assert response.status_code == 302 and Playlist.live.count() == 0
