"""The process's memo of ready tracks loaded to render (apps.catalog.track_rows): what it spares,
and that an edit or a change of state shows once it commits. Real commits (transaction=True): the
catalog version moves only after one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.track_rows import ready_tracks_to_render
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

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
    assert set(again) == set(ids) and all(again[pk].title == first[pk].title for pk in ids)
    with CaptureQueriesContext(connection) as rendering:
        names = [link.artist.name for link in again[ids[0]].track_artists.all()]
        album_names = [link.artist.name for link in again[ids[0]].album.album_artists.all()]
    assert names and album_names and len(rendering) == 0


def test_only_the_tracks_not_in_memory_are_loaded():
    from apps.catalog.models import Track

    known, new = TrackFactory(title="Remembered"), TrackFactory()
    ready_tracks_to_render([known.pk])
    Track.objects.filter(pk=known.pk).update(title="Renamed")  # no signal: the version stays
    rows = ready_tracks_to_render([known.pk, new.pk])
    assert set(rows) == {known.pk, new.pk}
    assert rows[known.pk].title == "Remembered"  # from memory, not loaded again


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


def test_album_counts_come_with_the_tracks_loaded_and_follow_the_album():
    from apps.catalog.track_rows import ready_track_counts

    track = TrackFactory()
    TrackFactory(album=track.album, ingest_state="processing")
    other = TrackFactory()
    ready_tracks_to_render([track.pk])
    with CaptureQueriesContext(connection) as queries:
        assert ready_track_counts([track.album_id]) == {track.album_id: 1}
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        assert ready_track_counts([track.album_id, other.album_id]) == {track.album_id: 1, other.album_id: 1}
    assert len(queries) == 1  # the album none of whose tracks were loaded here
    TrackFactory(album=track.album)
    assert ready_track_counts([track.album_id]) == {track.album_id: 2}


def test_what_is_loaded_is_what_with_relations_loads():
    from apps.catalog.models import Track

    first, second = ArtistFactory(), ArtistFactory()
    shared = TrackFactory(artists=[second, first])
    sibling = TrackFactory(album=shared.album, artists=[first])
    ids = [shared.pk, sibling.pk, TrackFactory().pk]

    def credits(track) -> tuple:
        return (
            [(link.position, link.role, link.artist.public_id) for link in track.track_artists.all()],
            [(link.position, link.artist.public_id) for link in track.album.album_artists.all()],
        )

    expected = {pk: credits(track) for pk, track in Track.objects.ready().with_relations().in_bulk(ids).items()}
    loaded = ready_tracks_to_render(ids)
    with CaptureQueriesContext(connection) as queries:
        assert {pk: credits(track) for pk, track in loaded.items()} == expected
    assert len(queries) == 0  # both albums' instances (one per track) hold their credits
    assert expected[shared.pk][0][0][2] == second.public_id


def test_every_caller_gets_its_own_track_and_album():
    """Pages set per-listener fields on the rows they render (playable, the context to play in,
    the cover's size): one page's must never show on another's."""
    track = TrackFactory()
    mine = ready_tracks_to_render([track.pk])[track.pk]
    mine.context_uri, mine.is_playable, mine.album.cover = "spotify:playlist:chart", False, "small.jpg"
    theirs = ready_tracks_to_render([track.pk])[track.pk]
    assert theirs is not mine and theirs.album is not mine.album
    assert not hasattr(theirs, "context_uri") and not hasattr(theirs, "is_playable")
    assert not hasattr(theirs.album, "cover")
    with CaptureQueriesContext(connection) as queries:
        assert [link.artist.name for link in theirs.track_artists.all()]
    assert len(queries) == 0


def test_a_query_made_from_held_credits_is_of_their_owner_only():
    from apps.catalog.models import Track

    first, second = ArtistFactory(), ArtistFactory()
    track = TrackFactory(artists=[first, second])
    TrackFactory(artists=[second])
    loaded = ready_tracks_to_render([track.pk])[track.pk]
    reference = Track.objects.with_relations().get(pk=track.pk)
    for held, prefetched in (
        (loaded.track_artists, reference.track_artists),
        (loaded.album.album_artists, reference.album.album_artists),
    ):
        assert held.filter(position=0).count() == prefetched.filter(position=0).count() == 1
        assert list(held.order_by("-position").values_list("artist_id", flat=True)) == list(
            prefetched.order_by("-position").values_list("artist_id", flat=True)
        )


def test_a_copy_has_its_own_state_of_related_objects():
    track = TrackFactory()
    mine = ready_tracks_to_render([track.pk])[track.pk]
    mine.album = AlbumFactory(title="Another")  # held in the copy's own cache of related objects
    theirs = ready_tracks_to_render([track.pk])[track.pk]
    assert theirs.album.pk == track.album_id and theirs.album.title != "Another"
    assert mine._state is not theirs._state and mine._state.db == theirs._state.db == "default"
    assert not mine._state.adding and not theirs._state.adding


def test_every_field_loaded_is_the_value_the_orm_reads():
    """The rows are read by hand-written statements (`apps.common.model_rows`): every field of the
    track, its album and their artists must come out as a queryset gives it, converters included
    (a JSON list of images, dates, times)."""
    from django.forms.models import model_to_dict

    from apps.catalog.models import Track

    artist = ArtistFactory(images=[{"key": "artists/a.jpg", "width": 640, "height": 640}])
    album = AlbumFactory(images=[{"key": "covers/c.jpg", "width": 300, "height": 300}], label="Own label")
    track = TrackFactory(album=album, artists=[artist], explicit=True)
    TrackFactory(album=album)

    def fields(instance) -> dict:
        return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}

    expected = Track.objects.with_relations().get(pk=track.pk)
    loaded = ready_tracks_to_render([track.pk])[track.pk]
    assert fields(loaded) == fields(expected) and fields(loaded.album) == fields(expected.album)
    assert loaded.album.images == [{"key": "covers/c.jpg", "width": 300, "height": 300}]
    assert loaded.album_ready_tracks == 2
    for mine, theirs in (
        (loaded.track_artists, expected.track_artists),
        (loaded.album.album_artists, expected.album.album_artists),
    ):
        assert [model_to_dict(link) for link in mine.all()] == [model_to_dict(link) for link in theirs.all()]
        assert [fields(link.artist) for link in mine.all()] == [fields(link.artist) for link in theirs.all()]
    assert loaded.track_artists.all()[0].artist.images == artist.images
    assert not loaded._state.adding and loaded._state.db == "default"
