"""Discover Weekly's own rules (apps.recommendations.products.mixes.discover_weekly): never a
track the listener played, whatever the plays net to; thirty tracks whenever the catalog has them;
one list a week."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from apps.playlists import library
from apps.playlists.models import Playlist
from apps.playlists.services import items_add, playlist_create
from apps.recommendations import signals
from apps.recommendations.ml.rerank import PER_ARTIST, WINDOW
from apps.recommendations.products import mixes
from apps.recommendations.training import train_and_publish
from tests.recommendations.catalog import planted_catalog
from tests.recommendations.listening import absorbed, listen, report

pytestmark = pytest.mark.django_db

WHOLE_TRACK = 180_000  # the factory's duration: a stream heard to the end


def track_ids(playlist) -> list[int]:
    return list(playlist.entries.order_by("key").values_list("track_id", flat=True))


def artists_of(planted) -> dict[int, int]:
    return {track.pk: track.album.artists.get().pk for tracks in planted.tracks.values() for track in tracks}


def keeps_the_artist_rule(tracks: list[int], artist_of: dict[int, int]) -> bool:
    artists = [artist_of[track] for track in tracks]
    windows = (artists[start : start + WINDOW] for start in range(max(1, len(artists) - WINDOW + 1)))
    return all(max(Counter(window).values()) <= PER_ARTIST for window in windows)


def test_it_never_offers_a_track_whose_plays_net_to_nothing_or_less(listener):
    planted = planted_catalog(artists_per_genre=6, tracks_per_artist=5)
    ambient = planted.tracks["ambient"]
    listen(listener, ambient[:6], times=3)  # the taste: the rest of ambient is what DW leads with
    netted_to_zero, negative, barely_streamed = ambient[6], ambient[7], ambient[11]
    report(listener, netted_to_zero, ms_played=WHOLE_TRACK)
    for _ in range(2):
        report(listener, netted_to_zero, kind="skip", ms_played=4_000)
        report(listener, barely_streamed, kind="skip", ms_played=4_000)
    for _ in range(3):
        report(listener, negative, kind="skip", ms_played=2_000)
    report(listener, barely_streamed, ms_played=31_000)
    absorbed()
    history = signals.strengths([listener.pk])
    assert (listener.pk, netted_to_zero.pk) not in history  # the strengths drop it: 1 - 2 x 0.5
    assert history[(listener.pk, negative.pk)] < 0 and history[(listener.pk, barely_streamed.pk)] < 0

    weekly = track_ids(mixes.discover_weekly(listener))

    assert len(weekly) == mixes.DISCOVER_SIZE
    assert not {netted_to_zero.pk, negative.pk, barely_streamed.pk} & set(weekly)
    assert not {t.pk for t in ambient[:6]} & set(weekly)
    assert sum(t in {a.pk for a in ambient} for t in weekly[:10]) >= 7  # the other ambient tracks lead


def test_it_never_offers_a_liked_or_playlisted_track_never_played(listener):
    planted = planted_catalog(artists_per_genre=6, tracks_per_artist=5)
    ambient = planted.tracks["ambient"]
    listen(listener, ambient[:6], times=2)
    absorbed()
    library.save(user=listener, kind="track", ids=[ambient[6].public_id])
    items_add(actor=listener, playlist=playlist_create(owner=listener, name="Mine"), track_ids=[ambient[7].public_id])

    weekly = track_ids(mixes.discover_weekly(listener))

    assert not {ambient[6].pk, ambient[7].pk} & set(weekly)


@pytest.mark.parametrize("trained", [False, True], ids=["audio features only", "with a model"])
def test_it_is_thirty_tracks_when_the_listener_has_heard_most_of_their_genre(listener, trained):
    """Twenty ambient tracks by four artists are left: the artist rule alone would end the list
    at eight. The neighbouring genre fills the rest, after them, under the same artist rule."""
    planted = planted_catalog(artists_per_genre=10, tracks_per_artist=5)
    heard = planted.tracks["ambient"][:30]
    listen(listener, heard, times=2)
    absorbed()
    if trained:
        train_and_publish(factors=8, iterations=5)

    weekly = track_ids(mixes.discover_weekly(listener))

    assert len(weekly) == mixes.DISCOVER_SIZE == len(set(weekly))
    assert not {t.pk for t in heard} & set(weekly)
    assert keeps_the_artist_rule(weekly, artists_of(planted))
    left_of_the_taste = {t.pk for t in planted.tracks["ambient"][30:]}
    assert set(weekly[:8]) <= left_of_the_taste  # the listener's own genre first, as far as it goes


def test_it_is_shorter_only_when_the_catalog_runs_out_of_tracks_never_played(listener):
    planted = planted_catalog(artists_per_genre=4, tracks_per_artist=2)
    listen(listener, planted.tracks["ambient"], times=2)  # every ambient track: eight techno ones left
    absorbed()

    weekly = track_ids(mixes.discover_weekly(listener))

    assert sorted(weekly) == sorted(t.pk for t in planted.tracks["techno"])


def test_it_is_one_list_all_week_and_a_new_one_after_monday(listener):
    planted = planted_catalog(artists_per_genre=10, tracks_per_artist=5)
    listen(listener, planted.tracks["techno"][:5], times=2)
    absorbed()
    made = mixes.discover_weekly(listener)
    first = track_ids(made)
    listen(listener, [t for t in planted.tracks["techno"] if t.pk in first[:5]], times=2)  # they liked some
    absorbed()

    Playlist.objects.filter(pk=made.pk).update(updated_at=mixes.week_start())  # Monday, 00:00: this week
    same_week = mixes.discover_weekly(listener)
    assert (same_week.pk, same_week.updated_at, track_ids(same_week)) == (made.pk, mixes.week_start(), first)

    Playlist.objects.filter(pk=made.pk).update(updated_at=mixes.week_start() - timedelta(seconds=1))  # last week
    next_week = mixes.discover_weekly(listener)
    again = track_ids(next_week)
    assert next_week.pk == made.pk and next_week.updated_at >= mixes.week_start()
    assert len(again) == mixes.DISCOVER_SIZE and again != first
    assert not set(first[:5]) & set(again)  # played since last week: no longer a discovery
