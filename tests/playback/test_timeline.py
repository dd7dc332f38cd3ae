"""The player's timeline as pure data: order, shuffle, repeat and the queue."""

from __future__ import annotations

import pytest

from apps.playback.player.timeline import Repeat, Timeline

ALBUM = [11, 12, 13, 14, 15]


def walk(timeline: Timeline, steps: int, *, ended=False) -> list[int | None]:
    played = []
    for _ in range(steps):
        timeline = timeline.next(ended=ended)
        played.append(None if timeline is None else timeline.current)
        if timeline is None:
            break
    return played


def test_a_context_plays_in_order_from_the_offset_and_stops_at_its_end():
    timeline = Timeline.start(ALBUM, at=2)
    assert timeline.current == 13
    assert walk(timeline, 4) == [14, 15, None]


def test_repeat_context_wraps_and_repeat_track_replays_only_when_a_track_ends():
    timeline = Timeline.start(ALBUM, at=4, repeat=Repeat.CONTEXT)
    assert timeline.next().current == 11
    looping = Timeline.start(ALBUM, at=1, repeat=Repeat.TRACK)
    assert looping.next(ended=True).current == 12  # played to its end: again
    assert looping.next().current == 13  # the listener skipped: onwards


def test_the_queue_plays_before_the_context_continues_and_previous_returns_to_the_context():
    timeline = Timeline.start(ALBUM, at=0).enqueue(99).enqueue(98)
    assert timeline.upcoming(4) == [99, 98, 12, 13]
    after = timeline.next()
    assert (after.current, after.from_queue) == (99, True)
    assert after.previous().current == 11  # back to the context track the queue interrupted
    assert walk(after, 2) == [98, 12]


def test_shuffle_is_a_stable_permutation_that_previous_walks_back():
    timeline = Timeline.start(ALBUM, at=2).with_shuffle(True, seed=7)
    assert timeline.current == 13 and timeline.order[0] == 2  # the playing track stays put
    assert sorted(timeline.order) == list(range(5))
    forward = [timeline]
    for _ in range(4):
        forward.append(forward[-1].next())
    played = [t.current for t in forward]
    assert sorted(played) == sorted(ALBUM)  # every track once
    back = forward[-1]
    for expected in reversed(played[:-1]):
        back = back.previous()
        assert back.current == expected
    assert Timeline.start(ALBUM, at=2).with_shuffle(True, seed=7).order == timeline.order  # reproducible


def test_turning_shuffle_off_resumes_the_context_order_at_the_same_track():
    timeline = Timeline.start(ALBUM, at=0).with_shuffle(True, seed=3).next().next()
    playing = timeline.current
    ordered = timeline.with_shuffle(False)
    assert ordered.current == playing and ordered.context_track == playing
    assert ordered.order == (0, 1, 2, 3, 4) and ordered.cursor == ALBUM.index(playing)
    assert ordered.upcoming(5) == ALBUM[ALBUM.index(playing) + 1 :]


def test_previous_at_the_start_is_nothing_unless_repeating():
    assert Timeline.start(ALBUM).previous() is None
    assert Timeline.start(ALBUM, repeat=Repeat.CONTEXT).previous().current == 15


def test_it_round_trips_through_json():
    timeline = Timeline.start(ALBUM, at=1, shuffle=True, seed=5, repeat=Repeat.CONTEXT).enqueue(42)
    assert Timeline.from_json(timeline.to_json()) == timeline
    assert Timeline.from_json(None) == Timeline()


@pytest.mark.parametrize(("context", "at"), [([], 0), (ALBUM, 5), (ALBUM, -1)])
def test_it_refuses_an_empty_context_or_an_offset_outside_it(context, at):
    with pytest.raises((ValueError, IndexError)):
        Timeline.start(context, at=at)


def test_a_growing_context_appends_after_everything_in_the_order():
    timeline = Timeline.start([1, 2, 3], at=1)
    assert timeline.remaining == 1
    grown = timeline.extended([4, 5])
    assert grown.context == (1, 2, 3, 4, 5) and grown.remaining == 3
    assert [grown.next().current, grown.next().next().current] == [3, 4]
    assert timeline.extended([]) is timeline

    shuffled = Timeline.start([1, 2, 3], shuffle=True, seed=5).extended([9])
    assert shuffled.order[-1] == 3 and shuffled.context[3] == 9  # new tracks play after the shuffled rest
