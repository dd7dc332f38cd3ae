"""The five models under evaluation, behind one interface: `fit` on the training set, then `top`
for one listener. The hybrid calls the product's own functions (apps.recommendations.ml) the way
the product does at request time; the other four are the baselines it must beat.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import scipy.sparse as sp

from apps.recommendations.evaluation.holdout import TrainingSet
from apps.recommendations.ml import als, blend, content, rerank

# The hybrid's candidate pool and exploration share: the engine's own (apps.recommendations.ml.rerank
# holds them, free of Django, for both).
ALS_CANDIDATES = rerank.COLLABORATIVE_CANDIDATES
CONTENT_CANDIDATES = rerank.CONTENT_CANDIDATES
POPULAR_CANDIDATES = rerank.POPULAR_CANDIDATES
EXPLORATION_SHARE = rerank.EXPLORATION_SHARE


class Ranker(Protocol):
    name: str

    def fit(self, train: TrainingSet) -> None: ...

    def top(self, user: int, k: int, *, exclude: np.ndarray, among: np.ndarray | None = None) -> list[int]:
        """The listener's best k tracks, best first, none of `exclude`; only tracks of `among` when
        given (the new-track test ranks within the new releases)."""
        ...


class PopularityRanker:
    name = "popularity"

    def fit(self, train: TrainingSet) -> None:
        self.counts = train.stream_counts
        self.order = np.argsort(-self.counts, kind="stable")  # most streamed first, ties by index

    def top(self, user: int, k: int, *, exclude: np.ndarray, among: np.ndarray | None = None) -> list[int]:
        if among is not None:
            return best(self.counts[among], k, pool=among, exclude=exclude)
        # Walking the fixed order is enough: at most k + |exclude| tracks are looked at.
        head = self.order[: k + len(exclude)]
        return head[~np.isin(head, exclude)][:k].tolist()


class RandomRanker:
    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, train: TrainingSet) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.tracks = train.catalog.size

    def top(self, user: int, k: int, *, exclude: np.ndarray, among: np.ndarray | None = None) -> list[int]:
        pool = np.arange(self.tracks) if among is None else among
        drawn = pool[self.rng.choice(len(pool), size=min(len(pool), k + len(exclude)), replace=False)]
        return drawn[~np.isin(drawn, exclude)][:k].tolist()


class ContentRanker:
    name = "content"

    def fit(self, train: TrainingSet) -> None:
        self.train = train

    def top(self, user: int, k: int, *, exclude: np.ndarray, among: np.ndarray | None = None) -> list[int]:
        scores = content_scores(self.train, user, among)
        return [] if scores is None else best(scores, k, pool=among, exclude=exclude)


class AlsRanker:
    name = "ALS"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, train: TrainingSet) -> None:
        self.train = train
        self.model = FittedAls.train(train, seed=self.seed)

    def top(self, user: int, k: int, *, exclude: np.ndarray, among: np.ndarray | None = None) -> list[int]:
        return best(self.model.scores_for(self.train, user, among), k, pool=among, exclude=exclude)


class HybridRanker:
    """What the product's engine does for a listener's own lists (apps/recommendations/engine.py):
    candidates from ALS, content and popularity, scored by `blend.blend`, put in order by
    `rerank.diversified` with the engine's exploration candidates and share."""

    name = "hybrid"

    def __init__(self, seed: int = 0, *, exploration_share: float = EXPLORATION_SHARE) -> None:
        self.seed = seed
        self.exploration_share = exploration_share

    def fit(self, train: TrainingSet) -> None:
        self.train = train
        self.model = FittedAls.train(train, seed=self.seed)
        # The product blends Track.popularity, Spotify's 0-100 = 100 log(1 + streams) / log(1 + most)
        # (apps/catalog/services/popularity.py): an affine map of log(1 + streams), which z-scores ignore.
        self.popularity = np.log1p(train.stream_counts).astype(np.float32)
        self.neighbours = content.genre_neighbours(train.catalog.genre, train.catalog.vectors)  # the engine's rule

    def top(self, user: int, k: int, *, exclude: np.ndarray, among: np.ndarray | None = None) -> list[int]:
        collaborative = self.model.scores_for(self.train, user, among)
        taste = content_scores(self.train, user, among)
        seen = self.model.seen if among is None else self.model.seen[among]
        popularity = self.popularity if among is None else self.popularity[among]
        # Positions (in `among`, or track indexes) of the candidates: the best by each signal. Tracks
        # without plays score 0 by ALS (their factors are zero), which is no opinion, so they enter
        # through content only, as in the engine, whose model knows only the tracks it was trained on.
        shortlists = [
            best(np.where(seen, collaborative, -np.inf), ALS_CANDIDATES, exclude=exclude, pool=among, positions=True),
            best(popularity, POPULAR_CANDIDATES, exclude=exclude, pool=among, positions=True),
        ]
        if taste is not None:
            shortlists.append(best(taste, CONTENT_CANDIDATES, exclude=exclude, pool=among, positions=True))
        positions = np.unique(np.concatenate([np.asarray(shortlist, dtype=np.int64) for shortlist in shortlists]))
        if len(positions) == 0:
            return []
        history, strength = self.train.history_of(user)
        score = blend.blend(
            collaborative=np.where(seen[positions], collaborative[positions], np.nan),
            content=None if taste is None else taste[positions],
            popularity=popularity[positions],
            history_size=int((strength != 0).sum()),  # the engine's len(history): signals drops zero sums
        )
        ranked = positions[np.argsort(-score, kind="stable")]
        if among is not None:
            ranked = among[ranked]
        catalog = self.train.catalog
        known_genres = np.unique(catalog.genre[history[strength > 0]])  # the engine's taste: positive pairs
        near = [self.neighbours.get(int(genre), frozenset()) for genre in known_genres]
        near_genres = np.array(sorted(frozenset().union(*near)), dtype=catalog.genre.dtype)
        away = ~np.isin(catalog.genre[ranked], known_genres)
        outside = set(ranked[away].tolist())
        near_taste = set(ranked[away & np.isin(catalog.genre[ranked], near_genres)].tolist())
        return rerank.with_exploration(
            ranked.tolist(),
            dict(zip(ranked.tolist(), catalog.artist[ranked].tolist(), strict=True)),
            outside,
            explore_from=near_taste,
            limit=k,
            exploration_share=self.exploration_share,
        )


class FittedAls:
    """Item factors from `als.train`; a listener's factors folded in from their training history,
    as the product does at request time (so the hybrid and ALS alone score identically)."""

    def __init__(self, factors: als.Factors, seen: np.ndarray) -> None:
        self.factors = factors
        self.gram = factors.gram.astype(np.float64)
        self.seen = seen  # tracks with any training play; the rest have no collaborative score

    @classmethod
    def train(cls, train: TrainingSet, *, seed: int) -> FittedAls:
        shape = (train.users, train.catalog.size)
        confidence = als.confidence_matrix(train.user, train.track, train.strength, shape)
        factors = als.train(confidence, seed=seed)
        seen = np.asarray(sp.csc_matrix(confidence).getnnz(axis=0) > 0)
        return cls(factors, seen)

    def scores_for(self, train: TrainingSet, user: int, among: np.ndarray | None) -> np.ndarray:
        """The listener's score of every track, or of the tracks of `among` in that order."""
        tracks, strength = train.history_of(user)
        nonzero = strength != 0  # as in the matrix: a pair that sums to 0 is no evidence either way
        vector = als.fold_in(
            self.factors.items,
            self.gram,
            tracks[nonzero],
            als.signed_confidence(strength[nonzero]),
            self.factors.regularization,
        )
        return als.scores(vector, self.factors.items if among is None else self.factors.items[among])


def content_scores(train: TrainingSet, user: int, among: np.ndarray | None) -> np.ndarray | None:
    """Cosine of every track (or of the tracks of `among`) with the listener's taste; None without one."""
    tracks, strength = train.history_of(user)
    taste = content.taste_vector(train.catalog.vectors[tracks], strength)
    if taste is None:
        return None
    return content.cosine_scores(taste, train.catalog.vectors if among is None else train.catalog.vectors[among])


def best(
    scores: np.ndarray,
    k: int,
    *,
    exclude: np.ndarray,
    pool: np.ndarray | None = None,
    positions: bool = False,
) -> list[int]:
    """The k highest finite scores, best first, as tracks (or as positions in `scores` when
    `positions`). `scores[i]` belongs to track `pool[i]`, or to track i without a pool; tracks in
    `exclude` are left out."""
    masked = np.array(scores, dtype=np.float32)  # a copy: the caller's scores stay as they were
    if len(exclude):
        masked[exclude if pool is None else np.isin(pool, exclude)] = -np.inf
    k = min(k, len(masked))
    if k == 0:
        return []
    chosen = np.argpartition(-masked, k - 1)[:k] if k < len(masked) else np.arange(len(masked))
    chosen = chosen[np.argsort(-masked[chosen], kind="stable")]
    chosen = chosen[np.isfinite(masked[chosen])]
    return (chosen if positions or pool is None else pool[chosen]).tolist()


def all_rankers(seed: int = 0) -> list[Ranker]:
    return [HybridRanker(seed), AlsRanker(seed), ContentRanker(), PopularityRanker(), RandomRanker(seed)]
