"""Licences and takedowns through the Django admin go through the rights services: the read
model and the audit trail change with every save."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.models import Role
from apps.catalog.models import TrackAvailability
from apps.rights.models import AuditEntry, Licence, Takedown
from tests.conftest import web_client_for
from tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return UserFactory(role=Role.STAFF, is_superuser=True)


def kinds(track) -> list[tuple[str, str]]:
    return sorted(TrackAvailability.objects.filter(track=track).values_list("territory", "kind"))


def test_adding_a_licence_in_the_admin_projects_it(admin_user):
    track = TrackFactory()
    client = web_client_for(admin_user)
    response = client.post(
        reverse("admin:rights_licence_add"),
        {"track": track.pk, "kind": "grant", "territories": "de, at", "reference": "deal-1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert kinds(track) == [("AT", "grant"), ("DE", "grant")]
    licence = Licence.objects.get()
    assert licence.created_by == admin_user
    assert AuditEntry.objects.get().actor == admin_user

    client.post(reverse("admin:rights_licence_delete", args=[licence.pk]), {"post": "yes"})
    assert not Licence.objects.exists() and kinds(track) == [("*", "grant")]


def test_a_bad_licence_form_shows_the_error_and_writes_nothing(admin_user):
    track = TrackFactory()
    response = web_client_for(admin_user).post(
        reverse("admin:rights_licence_add"), {"track": track.pk, "kind": "grant", "territories": "Narnia"}
    )
    assert response.status_code == 200
    assert "Unknown territory" in response.content.decode()
    assert not Licence.objects.exists() and kinds(track) == [("*", "grant")]


def test_a_takedown_in_the_admin_is_immediate_and_lifted_by_the_action(admin_user):
    track = TrackFactory()
    client = web_client_for(admin_user)
    client.post(reverse("admin:rights_takedown_add"), {"track": track.pk, "territories": "*", "reason": "Court order"})
    takedown = Takedown.objects.get()
    assert takedown.created_by == admin_user
    assert ("*", "takedown") in kinds(track)

    client.post(reverse("admin:rights_takedown_changelist"), {"action": "lift", "_selected_action": [takedown.pk]})
    takedown.refresh_from_db()
    assert takedown.lifted_by == admin_user and kinds(track) == [("*", "grant")]


def test_the_track_page_shows_its_availability_and_the_audit_is_read_only(admin_user):
    track = TrackFactory()
    client = web_client_for(admin_user)
    page = client.get(reverse("admin:catalog_track_change", args=[track.pk])).content.decode()
    assert "availability (written by rights)" in page.lower() and "default:release" in page
    assert client.get(reverse("admin:rights_auditentry_add")).status_code == 403
