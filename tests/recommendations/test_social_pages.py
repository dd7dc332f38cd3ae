"""The profile page (public playlists, follow and unfollow) and the Friend activity page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.playlists import services
from apps.playlists.models import FollowedUser
from tests.conftest import web_client_for
from tests.factories import UserFactory
from tests.recommendations.test_feed import play, tracks  # noqa: F401 (a fixture, used below)

pytestmark = pytest.mark.django_db


@pytest.fixture
def frida():
    user = UserFactory(email="frida@example.test", display_name="Frida")
    services.playlist_create(owner=user, name="Beach songs")
    services.playlist_create(owner=user, name="Secret mix", public=False)
    return user


def test_a_profile_shows_public_playlists_to_anyone(client, frida):
    page = client.get(reverse("social:profile", args=[frida.public_id]))
    body = page.content.decode()
    assert page.status_code == 200 and "Frida" in body and "Beach songs" in body
    assert "Secret mix" not in body and "Follow" not in body  # anonymous: nothing to follow with
    assert 'property="og:title" content="Frida"' in body


def test_following_from_the_profile_and_back(frida):
    me = UserFactory(email="me@example.test")
    client = web_client_for(me)
    url = reverse("social:follow", args=[frida.public_id])
    response = client.post(url, {"action": "follow"}, follow=True)
    assert "Following" in response.content.decode() and "1 follower" in response.content.decode()
    assert FollowedUser.objects.filter(follower=me, followee=frida).exists()
    client.post(url, {"action": "unfollow"})
    assert not FollowedUser.objects.exists()

    client.post(reverse("social:follow", args=[me.public_id]), {"action": "follow"})  # yourself: nothing
    assert not FollowedUser.objects.exists()


def test_unknown_or_inactive_listeners_are_404(client):
    gone = UserFactory(email="gone@example.test", is_active=False)
    assert client.get(reverse("social:profile", args=[gone.public_id])).status_code == 404
    assert client.get(f"/user/{'A' * 22}").status_code == 404


def test_the_feed_page_lists_friends_plays_and_playlists(frida, tracks):  # noqa: F811 (the fixture)
    me = UserFactory(email="me@example.test")
    client = web_client_for(me)
    assert "Follow listeners" in client.get(reverse("social:feed")).content.decode()

    FollowedUser.objects.create(follower=me, followee=frida, followed_at=frida.date_joined)
    play(frida, tracks[0])
    body = client.get(reverse("social:feed")).content.decode()
    assert body.count('data-feed-kind="played"') == 1 and "Song 1" in body
    assert body.count('data-feed-kind="playlist"') == 1 and "Beach songs" in body and "Secret mix" not in body
    assert f'href="/user/{frida.public_id}"' in body


def test_the_feed_needs_a_sign_in(client):
    response = client.get(reverse("social:feed"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
