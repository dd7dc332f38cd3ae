"""Discover Weekly (30 tracks the listener has never played, refreshed each week) and the Daily
Mixes (the listener's history clustered into up to six taste groups, each mix mostly tracks they
know from that group and some new ones like them, refreshed each day)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from django.utils import timezone

from apps.catalog.availability import Listener
from apps.catalog.features import feature_vectors
from apps.catalog.models import Artist
from apps.catalog.selectors import playable_track_facts
from apps.recommendations import signals
from apps.recommendations.curator import generated_playlist, generated_playlists
from apps.recommendations.engine import Ask, recommend
from apps.recommendations.ml import rerank
from apps.recommendations.serving import current_model

DISCOVER_WEEKLY = "discover-weekly"
DAILY_MIX = "daily-mix-"  # + 1..6
DISCOVER_SIZE = 30
MIX_SIZE = 30
MIX_NEW_SHARE = 0.3
MAX_MIXES = 6
MIX_MIN_TRACKS = 4  # a taste group smaller than this is folded into its nearest neighbour


def listener_of(user) -> Listener:
    return Listener(country=user.country.code, premium=user.is_premium)


def week_start(now=None):
    now = now or timezone.now()
    monday = now - timedelta(days=now.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def day_start(now=None):
    return (now or timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)


def discover_weekly(user, *, refresh: bool = False):
    """The listener's Discover Weekly, made or remade when it is from before this week's Monday."""
    current = generated_playlists(made_for=user, generator_prefix=DISCOVER_WEEKLY)
    if current and not refresh and current[0].updated_at >= week_start():
        return current[0]
    return generated_playlist(
        generator=DISCOVER_WEEKLY,
        made_for=user,
        name="Discover Weekly",
        description="Your weekly mixtape of fresh music: new discoveries picked for you, every Monday.",
        track_ids=_discoveries(user),
    )


def _discoveries(user) -> list[int]:
    """Up to DISCOVER_SIZE tracks the listener has never met, best first, under every product's
    rules. Never met is read from the plays themselves (`signals.known_track_ids`), not from the
    strengths: a track whose plays net to nothing (a stream and two early skips) was still played.
    When the listener's own genres run dry before the list is full (a small catalog, a listener
    who has heard most of them), the neighbouring genres fill the rest rather than the list ending
    short: the exploration share grows only by what the list lacks, and only then."""
    known = signals.known_track_ids(user)
    picked = _recommended(user, exclude=known, exploration_share=rerank.EXPLORATION_SHARE)
    if len(picked) >= DISCOVER_SIZE:
        return picked
    # Every slot an exploration slot: the neighbouring genres first, the listener's own after.
    fill = _recommended(user, exclude=known | set(picked), exploration_share=1.0)
    return _filled(picked, fill)


def _recommended(user, *, exclude: set[int], exploration_share: float) -> list[int]:
    ask = Ask(
        listener=listener_of(user),
        user=user,
        limit=DISCOVER_SIZE,
        exclude=exclude,
        allow_explicit=not user.explicit_filter,
        exploration_share=exploration_share,
    )
    return recommend(ask).track_ids


def _filled(picked: list[int], fill: list[int]) -> list[int]:
    """`picked` as it stands (it keeps the artist rule already), then what of `fill` the rule lets
    in after it."""
    order = picked + fill
    facts = playable_track_facts(order, listener=None)
    artists = {track: facts[track].artist_id for track in order if track in facts}
    return rerank.diversified(order, artists, limit=DISCOVER_SIZE)


def daily_mixes(user, *, refresh: bool = False) -> list:
    """The listener's Daily Mixes, remade once a day; none for a listener without enough history."""
    current = generated_playlists(made_for=user, generator_prefix=DAILY_MIX)
    if current and not refresh and all(mix.updated_at >= day_start() for mix in current):
        return current
    history = {track: value for (_, track), value in signals.strengths([user.pk]).items() if value > 0}
    listener = listener_of(user)
    facts = playable_track_facts(list(history), listener=listener, allow_explicit=not user.explicit_filter)
    groups = taste_groups([track for track in history if track in facts], history)
    known = signals.known_track_ids(user)
    made = []
    for number, group in enumerate(groups, start=1):
        familiar = sorted(group, key=lambda track: -history[track])
        fresh = recommend(
            Ask(
                listener=listener,
                user=user,
                seed_tracks=familiar[:5],
                limit=round(MIX_SIZE * MIX_NEW_SHARE),
                exclude=known,  # new to them: never played, skipped or liked, whatever that netted to
                allow_explicit=not user.explicit_filter,
            )
        ).track_ids
        made.append(_mix(user, number, familiar, fresh, facts))
    for stale in current[len(made) :]:  # fewer groups than yesterday: the extra mixes go
        stale.deleted_at = timezone.now()
        stale.save(update_fields=["deleted_at"])
    return made


def _mix(user, number: int, familiar: list[int], fresh: list[int], facts):
    every = max(round(1 / MIX_NEW_SHARE), 2)
    order: list[int] = []
    known, new = list(familiar), list(fresh)
    while known or new:  # one new track after every few familiar ones
        take_new = new and (not known or (len(order) + 1) % every == 0)
        order.append((new if take_new else known).pop(0))
    more = playable_track_facts(fresh, listener=None)
    artists = {
        track: (facts.get(track) or more.get(track)).artist_id for track in order if track in facts or track in more
    }
    tracks = rerank.diversified(order, artists, limit=MIX_SIZE)
    names = _artist_names([artists[t] for t in tracks if artists.get(t)])
    return generated_playlist(
        generator=f"{DAILY_MIX}{number}",
        made_for=user,
        name=f"Daily Mix {number}",
        description=", ".join(names[:3]) + (" and more" if len(names) > 3 else ""),
        track_ids=tracks,
    )


def _artist_names(artist_ids: list[int]) -> list[str]:
    ordered = list(dict.fromkeys(artist_ids))
    names = dict(Artist.objects.filter(pk__in=ordered).values_list("pk", "name"))
    return [names[pk] for pk in ordered if pk in names]


def taste_groups(tracks: list[int], weights: dict[int, float]) -> list[list[int]]:
    """The tracks clustered by k-means (on the collaborative factors where the model knows every
    track, else on the audio features) into up to MAX_MIXES groups of at least MIX_MIN_TRACKS,
    largest taste first. Deterministic: seeded by the heaviest tracks."""
    if len(tracks) < MIX_MIN_TRACKS:
        return []
    points = _points(tracks)
    if points is None:
        return [tracks]
    tracks = [t for t in tracks if t in points]
    matrix = np.array([points[t] for t in tracks], dtype=np.float64)
    k = max(1, min(MAX_MIXES, len(tracks) // (2 * MIX_MIN_TRACKS)))
    labels = _kmeans(matrix, np.array([weights[t] for t in tracks]), k)
    groups = [[t for t, label in zip(tracks, labels, strict=True) if label == g] for g in range(k)]
    groups = [g for g in groups if len(g) >= MIX_MIN_TRACKS] or [tracks]
    return sorted(groups, key=lambda g: -sum(weights[t] for t in g))


def _points(tracks: list[int]) -> dict[int, np.ndarray] | None:
    model = current_model()
    if model is not None:
        rows, known = model.track_rows(tracks)
        if known.mean() >= 0.8:
            return {t: model.items[r] for t, r, k in zip(tracks, rows, known, strict=True) if k}
    vectors = feature_vectors(tracks)
    return {t: np.asarray(v) for t, v in vectors.items()} if len(vectors) >= MIX_MIN_TRACKS else None


def _kmeans(points: np.ndarray, weights: np.ndarray, k: int, iterations: int = 20) -> np.ndarray:
    norms = np.linalg.norm(points, axis=1, keepdims=True)
    points = points / np.where(norms == 0, 1, norms)  # cosine geometry, as everywhere else here
    centres = points[np.argsort(-weights, kind="stable")[:1]]
    while len(centres) < k:  # farthest-first seeding: distinct tastes, no randomness
        distance = np.min(((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        centres = np.vstack([centres, points[np.argmax(distance)]])
    labels = np.zeros(len(points), dtype=int)
    for _ in range(iterations):
        labels = np.argmin(((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        for g in range(k):
            if (labels == g).any():
                centres[g] = np.average(points[labels == g], axis=0, weights=np.maximum(weights[labels == g], 1e-6))
    return labels
