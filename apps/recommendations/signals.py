"""What each listener's behaviour says about each track: affinities kept up to date from play
events incrementally, and the strength the models learn from.

`absorb_play_events` reads the terminal play events (a play's end or skip) that arrived since it
last ran, after a cursor, and adds them into `TrackAffinity` rows: one pass over new rows only,
never a rescan. A Celery beat task runs it every few seconds (`CELERY_BEAT_SCHEDULE`).

Strength of a (listener, track) pair, which ALS turns into confidence (apps.recommendations.ml.als):
    + STREAM (0.5) per stream (a play of STREAM_MIN_MS or more, skipped late or played out)
    + FULL_LISTEN (0.5) per full listen: each stream's share of the track heard, at most 1
      (ms played / the track's duration, TYPICAL_TRACK_MS while the duration is unknown)
    + EARLY_SKIP (-0.5) per early skip (skipped before it became a stream: negative evidence)
    + SAVED (2) if the track is in their liked songs, + PLAYLISTED (1) if in a playlist they made
So a stream heard to the end weighs 1, what every stream weighed before listening time counted (the
scale ALS's ALPHA was tuned on, and the offline evaluation's streams, which are heard whole), and a
stream abandoned just past 30 s of a 3-minute track about 0.59: ten plays through outweigh ten
abandoned starts (10 against 5.9). The share of the track, not hours, so that a long track is not
favoured for being long; capped per play, so that a play reported a little past the track's end
(ingest allows a few seconds of slack) counts once. Early skips' few seconds count for nothing:
they are negative evidence already.

The full listens are summed at absorb time (`TrackAffinity.full_listens`, the batch's durations
read once), and the row's part of the strength is computed by the database: the training read of a
million rows does no per-row arithmetic in Python and joins nothing.

Saves and playlist adds are current state in the playlists app, read when strengths are computed,
so that un-liking a song takes its weight away.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import ExpressionWrapper, F, FloatField, QuerySet
from django.utils import timezone

from apps.catalog.models import Track
from apps.playback.events.selectors import closed_plays_after
from apps.playlists.selectors import followed_artist_ids, own_playlist_track_pairs, saved_track_pairs
from apps.recommendations.models import SignalCursor, TrackAffinity

STREAM = 0.5
FULL_LISTEN = 0.5
EARLY_SKIP = -0.5
SAVED = 2.0
PLAYLISTED = 1.0
TYPICAL_TRACK_MS = 210_000  # a popular track's length, for one whose duration is not known yet

CURSOR = "play-events"
BATCH = 5000
# Ids are drawn when a row is inserted but become visible when its transaction commits, so a
# reader at id N could pass over a lower id still in flight. Events younger than this are left for
# the next run (settings.RECOMMENDATIONS_SETTLE_SECONDS); an ingest transaction is far shorter.


@dataclass
class _Sums:
    streams: int = 0
    early_skips: int = 0
    ms_played: int = 0
    full_listens: float = 0.0
    last_played_at: object = None


def absorb_play_events(*, max_batches: int = 100) -> int:
    """Fold new terminal play events into the affinities; returns how many events it read. Safe to
    run concurrently: the cursor row is locked for the duration of a batch."""
    absorbed = 0
    for _ in range(max_batches):
        read = _absorb_batch()
        absorbed += read
        if read < BATCH:
            break
    return absorbed


@transaction.atomic
def _absorb_batch() -> int:
    SignalCursor.objects.get_or_create(name=CURSOR)
    cursor = SignalCursor.objects.select_for_update().get(name=CURSOR)
    settle = timedelta(seconds=settings.RECOMMENDATIONS_SETTLE_SECONDS)
    events = closed_plays_after(after_id=cursor.position, received_before=timezone.now() - settle, limit=BATCH)
    if not events:
        return 0
    sums: dict[tuple[int, int], _Sums] = defaultdict(_Sums)
    durations = _durations({event[2] for event in events})
    for _, user_id, track_id, ms_played, is_stream, played_at in events:
        pair = sums[(user_id, track_id)]
        if is_stream:
            pair.streams += 1
            pair.full_listens += min(1.0, ms_played / durations.get(track_id, TYPICAL_TRACK_MS))
        else:
            pair.early_skips += 1
        pair.ms_played += ms_played
        pair.last_played_at = max(pair.last_played_at or played_at, played_at)
    _add(sums)
    cursor.position = events[-1][0]
    cursor.save(update_fields=["position", "updated_at"])
    return len(events)


def _durations(track_ids: set[int]) -> dict[int, int]:
    """Track id -> duration in ms, for the tracks whose duration is known (one read per batch)."""
    rows = Track.objects.filter(pk__in=track_ids, duration_ms__gt=0).values_list("pk", "duration_ms")
    return dict(rows)


def _add(sums: dict[tuple[int, int], _Sums]) -> None:
    """Add the batch's sums to the stored rows: read the rows it touches, then one upsert."""
    users = {user_id for user_id, _ in sums}
    tracks = {track_id for _, track_id in sums}
    existing = {
        (row.user_id, row.track_id): row
        for row in TrackAffinity.objects.filter(user_id__in=users, track_id__in=tracks)
        if (row.user_id, row.track_id) in sums
    }
    rows = []
    for (user_id, track_id), add in sums.items():
        row = existing.get((user_id, track_id)) or TrackAffinity(
            user_id=user_id, track_id=track_id, last_played_at=add.last_played_at
        )
        row.streams += add.streams
        row.early_skips += add.early_skips
        row.ms_played += add.ms_played
        row.full_listens += add.full_listens
        row.last_played_at = max(row.last_played_at, add.last_played_at)
        rows.append(row)
    TrackAffinity.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["user", "track"],
        update_fields=["streams", "early_skips", "ms_played", "full_listens", "last_played_at"],
    )


def strengths(user_ids=None) -> dict[tuple[int, int], float]:
    """(user id, track id) -> strength, for the given listeners or for everyone (training)."""
    rows = TrackAffinity.objects.all() if user_ids is None else TrackAffinity.objects.filter(user_id__in=user_ids)
    played = _with_strength(rows).values_list("user_id", "track_id", "strength")
    result = {(user, track): value for user, track, value in played}
    for pair in saved_track_pairs(user_ids):
        result[pair] = result.get(pair, 0.0) + SAVED
    for pair in own_playlist_track_pairs(user_ids):
        result[pair] = result.get(pair, 0.0) + PLAYLISTED
    return {pair: value for pair, value in result.items() if value != 0}


def _with_strength(rows: QuerySet) -> QuerySet:
    """The affinity rows with `strength`, their part of it (plays; not saves or playlist adds),
    computed by the database."""
    played = F("streams") * STREAM + F("full_listens") * FULL_LISTEN + F("early_skips") * EARLY_SKIP
    return rows.annotate(strength=ExpressionWrapper(played, output_field=FloatField()))


def known_track_ids(user) -> set[int]:
    """Every track the listener already knows: played at all (streamed or skipped, whatever its
    strength nets to), liked, or put in a playlist of theirs. What Discover Weekly never offers."""
    played = set(TrackAffinity.objects.filter(user=user).values_list("track_id", flat=True))
    liked = {track for _, track in saved_track_pairs([user.pk])}
    listed = {track for _, track in own_playlist_track_pairs([user.pk])}
    return played | liked | listed


def played_track_ids(user, *, since) -> set[int]:
    """What the listener played (streamed or skipped) since `since`, as absorbed so far."""
    return set(TrackAffinity.objects.filter(user=user, last_played_at__gte=since).values_list("track_id", flat=True))


FAVOURITE_WINDOW = timedelta(days=14)


def favourite_recent_track(user):
    """The track the listener engaged with most in the last two weeks (liked songs count as saved),
    or None: the seed of the home's "Because you liked" shelf."""
    recent = TrackAffinity.objects.filter(user=user, last_played_at__gte=timezone.now() - FAVOURITE_WINDOW)
    scores = dict(_with_strength(recent).values_list("track_id", "strength"))
    for _, track in saved_track_pairs([user.pk]):
        if track in scores:
            scores[track] += SAVED
    best = max((track for track in scores if scores[track] > 0), key=lambda t: (scores[t], t), default=None)
    return Track.objects.ready().filter(pk=best).first() if best else None


def has_taste(user) -> bool:
    """Whether anything says what the listener likes: a play, a liked song, a followed artist."""
    return (
        TrackAffinity.objects.filter(user=user).exists()
        or bool(saved_track_pairs([user.pk])[:1])
        or bool(followed_artist_ids(user)[:1])
    )
