"""The availability read model: decisions, markets, and the SQL filter agreeing with both."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from apps.catalog.availability import (
    ALL_MARKETS,
    Listener,
    Restriction,
    markets_for,
    offers_for_ready,
    playable_q,
    restrictions_for,
    taken_down_everywhere,
)
from apps.catalog.models import WORLDWIDE, AvailabilityKind, IngestState, Track
from apps.catalog.services.availability import AvailabilityRule, availability_replace
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SE, SE_PREMIUM = Listener("SE"), Listener("SE", premium=True)


def rules(track, *specs):
    """specs: (territory, kind[, starts, ends])"""
    availability_replace(
        rules_by_track={
            track.pk: [AvailabilityRule(s[0], s[1], *(s[2:] or (None, None)), source="test") for s in specs]
        }
    )


def decide(track, listener=SE, now=NOW):
    return restrictions_for([Track.objects.get(pk=track.pk)], listener, now=now)[track.pk]


@pytest.mark.parametrize(
    ("specs", "free", "premium"),
    [
        ([(WORLDWIDE, "grant")], None, None),
        ([], Restriction.MARKET, Restriction.MARKET),
        ([("DE", "grant")], Restriction.MARKET, Restriction.MARKET),
        ([("SE", "grant")], None, None),
        ([(WORLDWIDE, "grant"), ("SE", "block")], Restriction.MARKET, Restriction.MARKET),  # worldwide except SE
        ([(WORLDWIDE, "block"), ("SE", "grant")], None, None),  # only in SE: its own rule decides
        ([(WORLDWIDE, "grant_premium")], Restriction.PRODUCT, None),
        ([("SE", "grant_premium"), (WORLDWIDE, "grant")], Restriction.PRODUCT, None),
        ([(WORLDWIDE, "grant"), ("SE", "takedown")], Restriction.TAKEDOWN, Restriction.TAKEDOWN),
        ([("SE", "grant"), (WORLDWIDE, "takedown")], Restriction.TAKEDOWN, Restriction.TAKEDOWN),
        ([(WORLDWIDE, "grant"), ("DE", "takedown")], None, None),
    ],
)
def test_rules_combine_by_precedence(specs, free, premium):
    track = TrackFactory()
    rules(track, *specs)
    assert decide(track, SE) == free
    assert decide(track, SE_PREMIUM) == premium


def test_windows_make_releases_appear_and_licences_expire_without_a_job():
    track = TrackFactory()
    release, expiry = NOW + timedelta(days=3), NOW + timedelta(days=30)
    rules(track, (WORLDWIDE, "grant", release, expiry))
    assert decide(track, now=NOW) == Restriction.MARKET
    assert decide(track, now=release - timedelta(seconds=1)) == Restriction.MARKET
    assert decide(track, now=release) is None
    assert decide(track, now=expiry - timedelta(seconds=1)) is None
    assert decide(track, now=expiry) == Restriction.MARKET


def test_a_track_that_is_not_ready_is_not_ready_whatever_its_rules():
    track = TrackFactory(ingest_state=IngestState.PROCESSING, hls_prefix="")
    rules(track, (WORLDWIDE, "grant"))
    assert decide(track) == Restriction.NOT_READY


def test_the_decision_is_one_query_for_any_number_of_tracks(django_assert_num_queries):
    tracks = [TrackFactory() for _ in range(30)]
    with django_assert_num_queries(1):
        result = restrictions_for(tracks, SE, now=NOW)
    assert set(result.values()) == {None}


def test_a_takedown_everywhere_counts_only_while_in_force_and_only_worldwide():
    """What search shows when it is told no market."""
    now_in_force, ended, not_yet, one_country, none = (TrackFactory() for _ in range(5))
    rules(now_in_force, (WORLDWIDE, "grant"), (WORLDWIDE, "takedown", NOW - timedelta(days=1), NOW + timedelta(days=1)))
    rules(ended, (WORLDWIDE, "grant"), (WORLDWIDE, "takedown", None, NOW))
    rules(not_yet, (WORLDWIDE, "grant"), (WORLDWIDE, "takedown", NOW + timedelta(seconds=1), None))
    rules(one_country, (WORLDWIDE, "grant"), ("SE", "takedown"))
    rules(none, (WORLDWIDE, "grant"))
    ids = [t.pk for t in (now_in_force, ended, not_yet, one_country, none)]
    assert taken_down_everywhere(ids, now=NOW) == {now_in_force.pk}
    assert taken_down_everywhere(ids, now=NOW + timedelta(seconds=1)) == {now_in_force.pk, not_yet.pk}
    assert taken_down_everywhere([], now=NOW) == set()


def test_available_markets_follow_the_rules():
    everywhere, except_se, only_two, premium_only, gone = (TrackFactory() for _ in range(5))
    rules(except_se, (WORLDWIDE, "grant"), ("SE", "block"))
    rules(only_two, ("DE", "grant"), ("AT", "grant"))
    rules(premium_only, (WORLDWIDE, "grant_premium"))
    rules(gone, (WORLDWIDE, "grant"), (WORLDWIDE, "takedown"))
    markets = markets_for([t.pk for t in (everywhere, except_se, only_two, premium_only, gone)], now=NOW)
    assert markets[everywhere.pk] == ALL_MARKETS
    assert "SE" not in markets[except_se.pk] and len(markets[except_se.pk]) == len(ALL_MARKETS) - 1
    assert markets[only_two.pk] == ["AT", "DE"]
    assert markets[premium_only.pk] == ALL_MARKETS  # a market where it plays, on some product
    assert markets[gone.pk] == []


def test_the_sql_filter_agrees_with_the_decision_on_random_rules():
    """playable_q serves search, offers_for_ready the recommender's pools; neither may ever
    say otherwise than the decision track responses and the player use."""
    generator = random.Random(20261123)  # noqa: S311 (reproducible cases, not secrets)
    territories = [WORLDWIDE, "SE", "DE"]
    kinds = list(AvailabilityKind.values)
    windows = [(None, None), (NOW - timedelta(days=1), None), (NOW + timedelta(days=1), None), (None, NOW)]
    tracks = []
    for _ in range(120):
        track = TrackFactory(explicit=generator.random() < 0.3)
        specs = [
            (generator.choice(territories), generator.choice(kinds), *generator.choice(windows))
            for _ in range(generator.randint(0, 4))
        ]
        rules(track, *specs)
        tracks.append(Track.objects.get(pk=track.pk))
    for listener in (Listener("SE"), Listener("SE", premium=True), Listener("DE"), Listener("US")):
        decided = restrictions_for(tracks, listener, now=NOW)
        expected = {pk for pk, restriction in decided.items() if restriction is None}
        filtered = set(Track.objects.filter(playable_q(listener, now=NOW)).values_list("pk", flat=True))
        assert filtered == expected, listener
        pool = [track.pk for track in tracks]
        offers = offers_for_ready(pool, listener, now=NOW)
        playable = {pk: offer.explicit for pk, offer in offers.items() if offer.playable}
        assert playable == {t.pk: t.explicit for t in tracks if t.pk in expected}
        clean = {pk for pk, explicit in playable.items() if not explicit}
        assert clean == {t.pk for t in tracks if t.pk in expected and not t.explicit}, listener
