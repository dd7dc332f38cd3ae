"""The account page's content setting: "Hide explicit content in recommendations", bound to
`User.explicit_filter` (Spotify's `explicit_content.filter_enabled`), which the recommender reads."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.playlists.models import PlaylistEntry
from apps.recommendations.products.mixes import discover_weekly
from tests.conftest import web_client_for
from tests.factories import AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("accounts:account")
LABEL = "Hide explicit content in recommendations"


def checkbox(content: str) -> str:
    start = content.index('id="explicit-filter"')
    return content[content.rindex("<input", 0, start) : content.index(">", start) + 1]


def test_the_checkbox_shows_the_setting_and_saves_it_both_ways(listener):
    client = web_client_for(listener)
    page = client.get(ACCOUNT).content.decode()
    assert LABEL in page and "checked" not in checkbox(page)

    response = client.post(ACCOUNT, {"form": "content", "explicit_filter": "on"}, follow=True)
    listener.refresh_from_db()
    assert listener.explicit_filter is True
    assert "checked" in checkbox(response.content.decode())
    assert "Explicit songs are left out" in response.content.decode()

    client.post(ACCOUNT, {"form": "content"})  # an unticked checkbox is not sent at all
    listener.refresh_from_db()
    assert listener.explicit_filter is False


def test_the_content_form_leaves_the_profile_alone_and_the_profile_form_leaves_it_alone(listener):
    client = web_client_for(listener)
    name = listener.display_name
    client.post(ACCOUNT, {"form": "content", "explicit_filter": "on", "display_name": "Changed", "country": "DE"})
    listener.refresh_from_db()
    assert (listener.display_name, listener.country.code, listener.explicit_filter) == (name, "SE", True)

    client.post(ACCOUNT, {"display_name": "Renamed", "country": "SE", "birthdate": ""})
    listener.refresh_from_db()
    assert (listener.display_name, listener.explicit_filter) == ("Renamed", True)


def test_anonymous_visitors_change_nothing(client):
    user = UserFactory()
    response = client.post(ACCOUNT, {"form": "content", "explicit_filter": "on"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert not User.objects.filter(pk=user.pk, explicit_filter=True).exists()


def test_with_the_filter_on_discover_weekly_has_no_explicit_song(listener):
    for n in range(6):  # six artists, a clean song and an explicit one each
        album = AlbumFactory()
        TrackFactory(album=album, title=f"Clean {n}", popularity=50)
        TrackFactory(album=album, title=f"Explicit {n}", explicit=True, popularity=60)
    web_client_for(listener).post(ACCOUNT, {"form": "content", "explicit_filter": "on"})
    listener.refresh_from_db()

    weekly = discover_weekly(listener)

    tracks = PlaylistEntry.objects.filter(playlist=weekly).values_list("track__explicit", flat=True)
    assert len(tracks) == 6 and not any(tracks)
