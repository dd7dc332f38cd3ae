"""The process's memo of ready tracks loaded to render (apps.catalog.track_rows): what it spares,
and that an edit or a change of state shows once it commits. Real commits (transaction=True): the
catalog version moves only after one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.track_rows import ready_tracks_to_render
from tests.factories import ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db(transaction=True)


def rows_with_queries(ids) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        rows = ready_tracks_to_render(ids)
    return rows, len(queries)


def test_tracks_loaded_before_cost_no_query_and_come_with_their_relations():
    tracks = [TrackFactory() for _ in range(3)]
    ids = [t.pk for t in tracks]
    first, cold = rows_with_queries(ids)
    again, warm = rows_with_queries(list(reversed(ids)))
    assert cold == 3 and warm == 0  # the tracks with their albums, their credits, the albums' credits
    assert set(again) == set(ids) and all(again[pk] is first[pk] for pk in ids)
    with CaptureQueriesContext(connection) as rendering:
        names = [link.artist.name for link in again[ids[0]].track_artists.all()]
        album_names = [link.artist.name for link in again[ids[0]].album.album_artists.all()]
    assert names and album_names and len(rendering) == 0


def test_only_the_tracks_not_in_memory_are_loaded():
    known, new = TrackFactory(), TrackFactory()
    before = ready_tracks_to_render([known.pk])[known.pk]
    rows = ready_tracks_to_render([known.pk, new.pk])
    assert set(rows) == {known.pk, new.pk}
    assert rows[known.pk] is before  # not loaded again


def test_an_edit_shows_once_it_commits():
    track = TrackFactory(title="Demo")
    assert ready_tracks_to_render([track.pk])[track.pk].title == "Demo"
    track.title = "Final"
    track.save()
    assert ready_tracks_to_render([track.pk])[track.pk].title == "Final"
    link = track.track_artists.get()
    link.artist = ArtistFactory(name="Guest")
    link.save()
    credited = [link.artist.name for link in ready_tracks_to_render([track.pk])[track.pk].track_artists.all()]
    assert credited == ["Guest"]


def test_a_track_not_ready_is_left_out_until_it_is():
    track = TrackFactory(ingest_state="processing")
    assert ready_tracks_to_render([track.pk]) == {}
    track.ingest_state = "ready"
    track.save()
    assert set(ready_tracks_to_render([track.pk])) == {track.pk}


def test_the_memo_lives_no_longer_than_the_render_cache(settings):
    settings.CATALOG_RENDER_CACHE_SECONDS = 0  # every ask finds it expired
    track = TrackFactory()
    ready_tracks_to_render([track.pk])
    assert rows_with_queries([track.pk])[1] == 3
