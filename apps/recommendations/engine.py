"""One recommender behind every product: gather candidates, keep what this listener may play,
score them with the hybrid, vary the list.

Candidates come from three places: the collaborative model (the listener's folded-in factors, or
the seeds' item factors), the audio-feature index (tracks that sound like the listener's taste or
the seeds) and what is popular where they are (so a listener without history, or a catalog without
a model, still gets a useful list). Every product states what it wants as an `Ask`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.core.cache import cache
from django.utils import timezone

from apps.catalog.availability import Listener
from apps.catalog.features import FeatureIndex, feature_index
from apps.catalog.selectors import (
    TrackFacts,
    artists_top_track_ids,
    genres_top_track_ids,
    most_popular_track_ids,
    playable_track_facts,
    track_genre_ids,
)
from apps.common.topk import top_indices
from apps.playback.events.selectors import popular_track_ids
from apps.playlists.selectors import followed_artist_ids
from apps.recommendations import signals
from apps.recommendations.genre_neighbours import genre_neighbours
from apps.recommendations.ml import als, blend, content, rerank
from apps.recommendations.serving import LoadedModel, current_model

logger = logging.getLogger(__name__)

GENRE_SEED_TRACKS = 5
COLD_START_ARTISTS = 10
COLD_START_STRENGTH = 1.0  # as one stream of each of those artists' top tracks
TARGET_WEIGHT = 2.0
RECENT = timedelta(days=1)
POPULAR_WINDOW = timedelta(days=28)
POPULAR_CACHE_SECONDS = 300


@dataclass
class Ask:
    """What one list is for. Without seeds, it is for the listener's whole taste."""

    listener: Listener
    user: object | None = None  # an authenticated user, or None
    seed_tracks: list[int] = field(default_factory=list)
    seed_artists: list[int] = field(default_factory=list)
    seed_genres: list[int] = field(default_factory=list)
    limit: int = 20
    exclude: set[int] = field(default_factory=set)
    skip_recent: bool = True  # leave out what the listener played in the last day
    allow_explicit: bool = True
    exploration_share: float = rerank.EXPLORATION_SHARE
    accept: object | None = None  # a callable (track ids -> subset) that narrows the pool (tunables)
    closeness: object | None = None  # a callable (track ids -> distances, 0 best) that steers the order


@dataclass
class Answer:
    track_ids: list[int]
    pool_size: int  # candidates before filtering, and after (Spotify's seed pool sizes)
    playable_size: int


@dataclass
class _Taste:
    history: dict[int, float]  # track id -> strength
    vector: np.ndarray | None  # collaborative
    trust: float | None  # how far the collaborative vector is to be trusted (None: by history size)
    sound: np.ndarray | None  # content
    index: FeatureIndex  # the audio-feature index, taken once per request (a rebuild moves its rows)


def recommend(ask: Ask) -> Answer:
    model = current_model()
    seeds = [*ask.seed_tracks, *_artist_tracks(ask.seed_artists), *_genre_tracks(ask.seed_genres)]
    history = {} if seeds else _history(ask)  # seeds are the whole taste (see `_taste`)
    taste = _taste(model, history, seeds)
    pool = _candidates(model, taste, ask)
    exclude = set(ask.exclude) | set(ask.seed_tracks)  # an artist or genre seed's own tracks may come back
    if ask.user is not None and ask.skip_recent:
        exclude |= signals.played_track_ids(ask.user, since=timezone.now() - RECENT)
    pool = [track for track in pool if track not in exclude]
    facts = playable_track_facts(pool, listener=ask.listener, allow_explicit=ask.allow_explicit)
    playable = [track for track in pool if track in facts]
    if ask.accept is not None:
        accepted = ask.accept(playable)  # one read of the features for the whole pool
        playable = [track for track in playable if track in accepted]
    ranked = _ranked(model, taste, playable, facts, ask.closeness)
    outside, near = _outside_taste(ranked, facts, seeds or [t for t, v in history.items() if v > 0])
    chosen = rerank.with_exploration(
        ranked,
        {track: facts[track].artist_id for track in ranked},
        outside,
        explore_from=near,
        limit=ask.limit,
        exploration_share=ask.exploration_share,
    )
    return Answer(track_ids=chosen, pool_size=len(pool), playable_size=len(playable))


def _history(ask: Ask) -> dict[int, float]:
    """The listener's strengths; for a new listener with no plays yet, the top tracks of the
    artists they follow (picked at sign-up) stand in, so that their first home is theirs."""
    if ask.user is None:
        return {}
    history = {track: value for (_, track), value in signals.strengths([ask.user.pk]).items()}
    if not history:
        followed = followed_artist_ids(ask.user)[:COLD_START_ARTISTS]
        history = dict.fromkeys(artists_top_track_ids(followed, per_artist=3), COLD_START_STRENGTH)
    return history


def _artist_tracks(artist_ids: list[int]) -> list[int]:
    if not artist_ids:
        return []
    return artists_top_track_ids(artist_ids, per_artist=5)


def _genre_tracks(genre_ids: list[int]) -> list[int]:
    """A genre seed stands for its most popular tracks (what it sounds like, what its fans play)."""
    return [track for genre in genre_ids for track in genres_top_track_ids([genre], limit=GENRE_SEED_TRACKS)]


def _taste(model: LoadedModel | None, history: dict[int, float], seeds: list[int]) -> _Taste:
    """Seeds, when given, are the taste (radio, /v1/recommendations); else the listener's history."""
    if seeds:
        weights = dict.fromkeys(seeds, 1.0)
    else:
        weights = {track: value for track, value in history.items() if value > 0}
    vector, trust = None, None
    if model is not None and weights:
        ids = list(weights)
        if seeds:  # item-to-item: as sure as the share of seeds the model has seen played
            rows, known = model.track_rows(ids)
            vector = model.items[rows[known]].mean(axis=0) if known.any() else None
            trust = float(known.mean())
        else:
            vector = model.user_vector(history.keys(), als.signed_confidence(np.array(list(history.values()))))
    sound, index = None, feature_index()
    if weights:
        rows, known = _sound_rows(index, list(weights))
        if known.any():
            sound = content.taste_vector(
                index.matrix[rows[known]], np.fromiter(weights.values(), dtype=np.float32)[known]
            )
    return _Taste(history=history, vector=vector, trust=trust, sound=sound, index=index)


def _candidates(model: LoadedModel | None, taste: _Taste, ask: Ask) -> list[int]:
    pool: dict[int, None] = {}
    if model is not None and taste.vector is not None and len(model.track_ids):
        scores = als.scores(taste.vector, model.items)
        take = min(rerank.COLLABORATIVE_CANDIDATES, len(scores))
        best = top_indices(scores, take)
        pool.update(dict.fromkeys(int(model.track_ids[row]) for row in best))
    if taste.sound is not None:
        pool.update(
            dict.fromkeys(track for track, _ in taste.index.similar(taste.sound, limit=rerank.CONTENT_CANDIDATES))
        )
    if ask.seed_genres:
        pool.update(dict.fromkeys(genres_top_track_ids(ask.seed_genres, limit=rerank.POPULAR_CANDIDATES)))
    pool.update(dict.fromkeys(_popular(ask.listener.country)))
    return list(pool)


def _popular(country: str | None) -> list[int]:
    key = f"recommendations:popular:{country or '*'}"
    ids = cache.get(key)
    if ids is None:
        since = timezone.now() - POPULAR_WINDOW
        ids = popular_track_ids(country=country, since=since, limit=rerank.POPULAR_CANDIDATES)
        if len(ids) < rerank.POPULAR_CANDIDATES and country:
            ids += [
                t for t in popular_track_ids(country=None, since=since, limit=rerank.POPULAR_CANDIDATES) if t not in ids
            ]
        if len(ids) < rerank.POPULAR_CANDIDATES:  # a new platform: the catalog's own popularity
            ids += [t for t in most_popular_track_ids(limit=rerank.POPULAR_CANDIDATES) if t not in ids]
        cache.set(key, ids, POPULAR_CACHE_SECONDS)
    return ids


def _ranked(
    model: LoadedModel | None, taste: _Taste, pool: list[int], facts: dict[int, TrackFacts], closeness
) -> list[int]:
    if not pool:
        return []
    collaborative = None
    if model is not None and taste.vector is not None:
        rows, known = model.track_rows(pool)
        collaborative = np.where(known, model.items[rows] @ taste.vector, np.nan)
    sound = None
    if taste.sound is not None:
        rows, known = _sound_rows(taste.index, pool)
        sound = np.where(known, content.cosine_scores(taste.sound, taste.index.matrix[rows]), np.nan)
    popularity = np.array([facts[track].popularity for track in pool], dtype=np.float64)
    scores = blend.blend(
        collaborative=collaborative,
        content=sound,
        popularity=popularity,
        history_size=len(taste.history),
        trust=taste.trust,
    )
    if closeness is not None:  # targets weigh as much as all the rest: a client asked for them
        scores = scores - TARGET_WEIGHT * blend.standardised(np.array(closeness(pool), dtype=np.float64))
    order = np.argsort(-scores, kind="stable")
    return [pool[i] for i in order]


def _sound_rows(index: FeatureIndex, track_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(rows, known): each track's row in the audio-feature index (read from memory, no query) and
    whether it has one."""
    ids = np.asarray(track_ids, dtype=np.int64)
    if not len(index) or not len(ids):
        return np.zeros(len(ids), dtype=np.int64), np.zeros(len(ids), dtype=bool)
    rows = np.searchsorted(index.track_ids, ids).clip(0, len(index) - 1)
    return rows, index.track_ids[rows] == ids


def _outside_taste(
    ranked: list[int], facts: dict[int, TrackFacts], taste: list[int]
) -> tuple[set[int], set[int] | None]:
    """(outside, near): the ranked candidates in none of the genres of the taste (the seeds, else
    the listener's history), held to the exploration slots; and those of them in a genre next to
    one of the taste's (`genre_neighbours`), which fill those slots. `near` is None (any of
    `outside` may) where no genre of the taste has a sound known."""
    if not taste:
        return set(), None
    known = {genre for track in taste if track in facts for genre in facts[track].genre_ids}
    missing = [track for track in taste if track not in facts]
    if missing:
        known |= {genre for genres in track_genre_ids(missing).values() for genre in genres}
    outside = {track for track in ranked if facts[track].genre_ids and not set(facts[track].genre_ids) & known}
    near = genre_neighbours(known)
    return outside, None if near is None else {track for track in outside if near.intersection(facts[track].genre_ids)}
