"""The web home page renders memoised rows (apps.catalog.track_rows) on several shelves: a track
on two shelves keeps each shelf's own context to play in."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.recommendations.products.charts import refresh_charts
from tests.conftest import web_client_for
from tests.factories import UserFactory
from tests.recommendations.catalog import planted_catalog
from tests.recommendations.listening import absorbed, listen, report

pytestmark = pytest.mark.django_db


def test_a_track_on_two_shelves_plays_in_each_shelfs_context(listener):
    planted = planted_catalog(artists_per_genre=5, tracks_per_artist=4)
    techno = planted.tracks["techno"]
    listen(listener, techno[:2], times=3)
    for user in (UserFactory(country="SE") for _ in range(3)):
        for track in techno[:12]:
            report(user, track, hours_ago=3)
    refresh_charts()
    absorbed()
    response = web_client_for(listener).get(reverse("web:home"))
    shelves = {shelf.key: shelf for shelf in response.context["shelves"]}
    popular = {t.pk for t in shelves["popular"].items}
    assert popular & {t.pk for t in shelves["because-you-liked"].items}  # the case in question
    rows = re.search(r'data-shelf="popular">(.*?)</section>', response.content.decode(), re.S).group(1)
    contexts = set(re.findall(r'data-context-uri="([^"]+)"', rows))
    assert contexts and all(uri.startswith("spotify:playlist:") for uri in contexts)  # the chart, never an album
