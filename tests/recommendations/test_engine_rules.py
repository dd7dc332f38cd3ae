"""The engine's rules that every product shares: nothing played in the last day, what this
listener may play, exploration from outside their genres (apps.recommendations.engine)."""

from __future__ import annotations

import pytest

from apps.accounts.models import Product, Role
from apps.catalog.availability import Listener
from apps.recommendations.engine import Ask, recommend
from apps.rights.services import licence_create
from tests.factories import UserFactory
from tests.recommendations.catalog import planted_catalog
from tests.recommendations.listening import absorbed, listen

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted():
    return planted_catalog(artists_per_genre=6, tracks_per_artist=4)


def ask(user, **fields) -> Ask:
    return Ask(listener=Listener(country=user.country.code, premium=user.is_premium), user=user, **fields)


def test_what_was_played_in_the_last_day_is_left_out_unless_asked(listener, planted):
    ambient = planted.tracks["ambient"]
    listen(listener, ambient[:4], hours_ago=30)
    listen(listener, ambient[4:8], hours_ago=2)
    absorbed()
    tracks = recommend(ask(listener, limit=30)).track_ids
    assert not set(tracks) & {t.pk for t in ambient[4:8]}
    assert set(tracks) & {t.pk for t in ambient[:4]}  # played before yesterday: may come back
    again = recommend(ask(listener, limit=30, skip_recent=False)).track_ids
    assert set(again) & {t.pk for t in ambient[4:8]}


def test_premium_only_tracks_are_left_out_for_free_listeners(planted):
    staff = UserFactory(role=Role.STAFF)
    premium_only = planted.tracks["techno"][:12]
    for track in premium_only:
        licence_create(actor=staff, track=track, kind="grant", premium_only=True, territories=["SE"])
    free, paying = UserFactory(country="SE"), UserFactory(country="SE", product=Product.PREMIUM)
    seed = [planted.tracks["techno"][-1].pk]
    free_list = recommend(ask(free, seed_tracks=seed, limit=20)).track_ids
    paid_list = recommend(ask(paying, seed_tracks=seed, limit=20)).track_ids
    assert not set(free_list) & {t.pk for t in premium_only}
    assert set(paid_list) & {t.pk for t in premium_only}


def test_exploration_brings_one_track_in_ten_from_other_genres(listener, planted):
    listen(listener, planted.tracks["ambient"][:10], times=2)
    absorbed()
    tracks = recommend(ask(listener, limit=20)).track_ids
    techno = {t.pk for t in planted.tracks["techno"]}
    assert [i for i, t in enumerate(tracks) if t in techno] == [9, 19]
    plain = recommend(ask(listener, limit=20, exploration_share=0.0)).track_ids
    assert not set(plain[:10]) & techno
