"""`manage.py seed_catalog --tracks N`: a metadata-only catalog for search and load tests."""

from __future__ import annotations

import unicodedata
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.catalog.availability import Listener, restrictions_for
from apps.catalog.demo.scale import GENERATED_LABEL, seed_catalog, zipf_popularity
from apps.catalog.models import Album, Artist, IngestState, Track, TrackArtist, TrackAvailability
from apps.catalog.signals import tracks_bulk_created

pytestmark = pytest.mark.django_db


def scripts(text: str) -> set[str]:
    return {unicodedata.name(c).split()[0] for c in text if c.isalpha()}


def test_it_makes_a_playable_searchable_catalog_in_many_languages_and_scripts():
    out = StringIO()
    call_command("seed_catalog", "--tracks", "3000", "--batch", "1000", stdout=out)

    assert "Added 3,000 tracks" in out.getvalue()
    tracks = Track.objects.filter(album__label=GENERATED_LABEL)
    assert tracks.count() == 3000 and tracks.filter(ingest_state=IngestState.READY).count() == 3000
    assert TrackArtist.objects.filter(track__in=tracks).values("track").distinct().count() == 3000
    assert TrackAvailability.objects.filter(track__in=tracks).count() == 3000  # rights' default projection
    sample = list(tracks.order_by("?")[:50])
    assert all(r is None for r in restrictions_for(sample, Listener(country="JP", premium=False)).values())
    titles = " ".join(tracks.values_list("title", flat=True))
    assert {"LATIN", "CYRILLIC", "GREEK", "HANGUL", "ARABIC", "CJK"} <= scripts(titles)
    assert any(c in titles for c in "éñçãüö")  # diacritics to fold in search
    assert Album.objects.filter(label=GENERATED_LABEL).count() < 3000 and Artist.objects.count() < 3000


def test_popularity_is_heavy_tailed_and_a_second_run_adds_more():
    call_command("seed_catalog", "--tracks", "2000", stdout=StringIO())
    popularity = sorted(Track.objects.values_list("popularity", flat=True), reverse=True)
    assert popularity[0] == 100 and popularity[len(popularity) // 2] < 30  # few hits, a long tail
    call_command("seed_catalog", "--tracks", "500", stdout=StringIO())  # new ids, no clashes
    assert Track.objects.count() == 2500


def test_zipf_popularity_falls_with_the_log_of_the_rank():
    assert zipf_popularity(1, 1_000_000) == 100
    assert zipf_popularity(1000, 1_000_000) == 50
    assert zipf_popularity(1_000_000, 1_000_000) == 0


@pytest.mark.parametrize("arguments", [["--tracks", "0"], ["--tracks", "-5"], ["--tracks", "10", "--batch", "0"]])
def test_bad_arguments_are_refused_and_nothing_is_written(arguments):
    with pytest.raises(CommandError):
        call_command("seed_catalog", *arguments, stdout=StringIO())
    assert Track.objects.count() == 0 and Artist.objects.count() == 0


def test_an_interrupted_run_keeps_whole_batches_only():
    batches = []

    def fail_on_the_second(sender, track_ids, **kwargs):  # a failure inside the second transaction
        batches.append(len(track_ids))
        if len(batches) == 2:
            raise RuntimeError("disk full")

    tracks_bulk_created.connect(fail_on_the_second, dispatch_uid="test.fail_on_the_second")
    try:
        with pytest.raises(RuntimeError):
            seed_catalog(tracks=2000, batch_tracks=1000)
    finally:
        tracks_bulk_created.disconnect(dispatch_uid="test.fail_on_the_second")
    assert Track.objects.count() == 1000
    assert not Album.objects.filter(tracks__isnull=True).exists()  # no album left without its tracks
    assert not Artist.objects.filter(album_credits__isnull=True).exists()
