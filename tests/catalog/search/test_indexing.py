"""Freshness: the search read model changes in the transaction that changes the catalog, and a
cached answer is dropped when it commits."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from apps.catalog.demo.scale import seed_catalog
from apps.catalog.models import Genre, IngestState, Track
from apps.catalog.search.backends import get_backend
from apps.catalog.search.indexing import flush_pending
from apps.catalog.search.models import SearchDocument, SearchTerm, SearchTermVariant
from apps.catalog.search.query import parse
from apps.catalog.search.service import search
from apps.catalog.search.spelling import corrected
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db


def found(q: str, kind: str = "track") -> list[int]:
    return search(q=q, kinds=[kind], limit=20, offset=0)[kind].object_ids


def test_a_track_is_found_from_the_commit_that_makes_it_ready(django_capture_on_commit_callbacks):
    track = TrackFactory(title="Quasar Lullaby", ingest_state=IngestState.PROCESSING, hls_prefix="")
    assert found("quasar") == []  # and that answer is now cached
    with django_capture_on_commit_callbacks(execute=True):
        track.ingest_state, track.hls_prefix = IngestState.READY, f"audio/{track.public_id}/x"
        track.save(update_fields=["ingest_state", "hls_prefix"])
    assert found("quasar") == [track.pk]
    assert set(SearchDocument.objects.values_list("kind", flat=True)) == {"track", "album", "artist"}


def test_saves_that_change_nothing_searchable_are_not_reindexed(django_assert_num_queries):
    track = TrackFactory(title="Pulsar")
    track.ingest_progress = 50
    with django_assert_num_queries(1):
        track.save(update_fields=["ingest_progress"])


def test_edits_show_everywhere_they_are_written(django_capture_on_commit_callbacks):
    artist = ArtistFactory(name="Old Name")
    album = AlbumFactory(title="First Pressing", artists=[artist])
    track = TrackFactory(album=album, title="Opening")
    with django_capture_on_commit_callbacks(execute=True):
        artist.name = "Nebula Choir"
        artist.save(update_fields=["name"])
        album.title = "Second Pressing"
        album.save(update_fields=["title"])
    assert found("nebula choir") == [track.pk]
    assert found("nebula", "album") == [album.pk] and found("nebula", "artist") == [artist.pk]
    assert found("second pressing") == [track.pk] and found("old name") == []


def test_what_stops_being_visible_leaves_the_index(django_capture_on_commit_callbacks):
    artist = ArtistFactory(name="Fading Star")
    track = TrackFactory(album=AlbumFactory(title="Last Light", artists=[artist]), title="Gone Soon")
    with django_capture_on_commit_callbacks(execute=True):
        Track.objects.get(pk=track.pk).delete()
    assert found("gone soon") == [] and found("last light", "album") == [] and found("fading", "artist") == []
    assert not SearchDocument.objects.exists()


def test_a_scheduled_release_is_found_from_its_date(monkeypatch):
    release = timezone.localdate() + datetime.timedelta(days=3)
    album = AlbumFactory(title="Tomorrow Today", release_date=release)
    TrackFactory(album=album, title="Countdown")
    assert found("countdown") == [] and found("tomorrow", "album") == []
    cache.clear()  # the same question, asked again on release day (no write bumps a version then)
    monkeypatch.setattr(timezone, "localdate", lambda *args: release)
    assert len(found("countdown")) == 1 and found("tomorrow", "album") == [album.pk]


def test_a_rolled_back_change_leaves_the_index_as_it_was():
    track = TrackFactory(title="Steady")
    with pytest.raises(RuntimeError), transaction.atomic():
        track.title = "Wobbly"
        track.save(update_fields=["title"])
        raise RuntimeError
    assert found("steady") == [track.pk] and found("wobbly") == []


def test_genre_links_feed_the_genre_filter(django_capture_on_commit_callbacks):
    track = TrackFactory(title="Shoegaze Haze")
    genre = Genre.objects.create(slug="dream-pop", name="Dream Pop")
    assert found("genre:dream-pop") == []
    with django_capture_on_commit_callbacks(execute=True):
        track.genres.add(genre)
    assert found("genre:dream-pop") == [track.pk]
    with django_capture_on_commit_callbacks(execute=True):
        genre.tracks.remove(track)
    assert found("genre:dream-pop") == []


def test_the_vocabulary_learns_words_with_their_deletion_variants():
    TrackFactory(title="Quixotic")
    flush_pending()  # what a commit (or a search) does
    assert SearchTerm.objects.filter(term="quixotic").exists()
    assert SearchTermVariant.objects.filter(variant="quixoti", term="quixotic").exists()
    assert found("quixtoic") != []  # a transposition, found through a shared variant


def test_bulk_seeding_indexes_every_batch():
    report = seed_catalog(tracks=60, batch_tracks=25)
    assert SearchDocument.objects.filter(kind="track").count() == report.tracks == 60
    assert SearchDocument.objects.filter(kind="album").count() == report.albums
    assert SearchDocument.objects.filter(kind="artist").count() == report.artists


def test_rebuild_restores_a_lost_index(capsys, django_capture_on_commit_callbacks):
    track = TrackFactory(title="Phoenix Rising")
    flush_pending()
    SearchDocument.objects.all().delete()
    assert found("phoenix") == []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rebuild_search_index")
    assert found("phoenix") == [track.pk]
    assert "Indexed 1 artists, 1 albums, 1 tracks" in capsys.readouterr().out


def test_make_run_indexes_a_catalog_from_before_search(capsys):
    from apps.catalog.search.indexing import search_index_missing

    track = TrackFactory(title="Legacy Tune")
    flush_pending()
    SearchDocument.objects.all().delete()
    assert search_index_missing()
    call_command("seed_demo", "--tracks", "0")
    assert not search_index_missing() and found("legacy") == [track.pk]


def test_spelling_is_asked_once_per_word_until_the_vocabulary_changes(django_capture_on_commit_callbacks):
    """Corrections and completions are memoised per word under the search version: a repeated
    word costs no vocabulary query, and a word the index learns later is corrected to at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.catalog.search import spelling

    with django_capture_on_commit_callbacks(execute=True):
        TrackFactory(title="Nocturne", popularity=60)
    flush_pending()
    assert found("nocturen") != []  # a transposition, corrected
    with CaptureQueriesContext(connection) as first:
        spelling.corrections(["nocturen"], typing={"nocturen": False}, similar_terms=lambda token: [])
        spelling.completions("nocturen")
    assert len(first) == 0  # memoised by the search above

    assert found("serenadd") == []  # nothing like it yet
    with django_capture_on_commit_callbacks(execute=True):
        serenade = TrackFactory(title="Serenade", popularity=60)
    flush_pending()
    assert found("serenadd") == [serenade.pk]  # the new version forgot "no correction"


def test_a_beginning_finds_tracks_of_every_popularity_most_popular_first():
    """Track names are read by their beginning one popularity tier at a time: the lower tiers
    must still answer when the top one holds too few."""
    rare = TrackFactory(title="Zephyrine Waltz", popularity=2)
    middling = TrackFactory(title="Zephyrine Nights", popularity=20)
    popular = TrackFactory(title="Zephyrine Dawn", popularity=80)
    flush_pending()
    assert found("zephyri") == [popular.pk, middling.pk, rare.pk]


def test_title_and_artist_find_the_song_when_more_popular_names_hold_every_word():
    """ "<title> <artist>": other tracks named with all the words fill the exact and text arms'
    pools, so the song must come from an arm of its own (name = the first words, credits = the rest)."""
    for _ in range(31):
        TrackFactory(title="Harbour Solent", popularity=50)
    song = TrackFactory(
        title="Harbour", album=AlbumFactory(artists=[ArtistFactory(name="Solent", popularity=1)]), popularity=1
    )
    flush_pending()
    backend = get_backend()
    for q in ("harbour solent", "harbuor solent"):  # as typed, and with a typo in the title
        query = corrected(parse(q), similar_terms=backend.similar_terms)
        pool = backend.candidates(query, ["track"], pool=30, today=timezone.localdate())["track"]
        assert song.pk in {candidate.object_id for candidate in pool}, q


def test_completions_are_the_most_popular_words_beginning_so_in_byte_order_on_ties(db):
    from apps.catalog.search import spelling
    from apps.catalog.search.models import SearchTerm

    SearchTerm.objects.bulk_create(
        SearchTerm(term=term, weight=weight)
        for term, weight in [
            ("lover", 10),
            ("love", 50),
            ("lovely", 10),
            ("loß", 70),
            ("lo", 5),
            ("low", 10),
            ("ma", 99),
        ]
    )
    spelling._memo.entries().clear()
    assert spelling.completions("lo") == ("loß", "love", "lovely", "lover", "low", "lo")


def test_a_variant_whose_word_left_the_vocabulary_weighs_nothing(db):
    from apps.catalog.search import spelling
    from apps.catalog.search.models import SearchTerm, SearchTermVariant

    SearchTerm.objects.create(term="metallica", weight=80)
    SearchTermVariant.objects.bulk_create(
        [SearchTermVariant(variant="metalica", term="metallica"), SearchTermVariant(variant="metalica", term="gone")]
    )
    assert sorted(spelling._terms_sharing(["metalica", "nothing"])) == [
        ("metalica", "gone", None),
        ("metalica", "metallica", 80),
    ]
