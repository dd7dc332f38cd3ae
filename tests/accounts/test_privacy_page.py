"""The account page's privacy controls: a private session that ends by itself, and hiding one's
listening activity from followers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import web_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_private_session_and_activity_sharing_from_the_account_page(settings):
    user = UserFactory(email="quiet@example.test")
    client = web_client_for(user)
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Start a private session" in page and "Hide my listening activity" in page

    response = client.post(reverse("accounts:privacy"), {"action": "private-session-on"}, follow=True)
    user.refresh_from_db()
    assert user.in_private_session() and "End private session" in response.content.decode()
    hours = (user.private_session_until - user.date_joined).total_seconds() / 3600
    assert settings.PRIVATE_SESSION_HOURS - 0.1 < hours < settings.PRIVATE_SESSION_HOURS + 0.1

    client.post(reverse("accounts:privacy"), {"action": "share-off"})
    client.post(reverse("accounts:privacy"), {"action": "private-session-off"})
    user.refresh_from_db()
    assert user.share_activity is False and not user.in_private_session()


def test_an_unknown_action_changes_nothing_and_anonymous_is_sent_to_sign_in(client):
    user = UserFactory(email="quiet@example.test")
    signed_in = web_client_for(user)
    response = signed_in.post(reverse("accounts:privacy"), {"action": "everything-off"}, follow=True)
    assert "Unknown privacy setting." in response.content.decode()
    user.refresh_from_db()
    assert user.share_activity is True and user.private_session_until is None

    response = client.post(reverse("accounts:privacy"), {"action": "share-off"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert signed_in.get(reverse("accounts:privacy")).status_code == 405
