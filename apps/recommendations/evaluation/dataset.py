"""A listening dataset with planted taste structure, generated in memory and fully determined by
`DatasetSpec` (the seed included), so every model can be measured against a known truth.

Catalog. `genres` genre centroids are random unit vectors in a `dimensions`-dimensional
audio-feature space (a stand-in for the normalised vector the catalog stores per track). Each
genre holds an equal share of the tracks, cut into artists of `tracks_per_artist` tracks (uniform
between the bounds; the last artist of a genre takes the remainder). An artist's sound is its
genre centroid plus Gaussian noise of `artist_spread` per dimension; a track is its artist's sound
plus Gaussian noise of `track_noise` per dimension, then L2-normalised. Within each genre the
tracks are put in a random popularity order and the track at rank r has appeal 1 / r^`track_zipf`
(Zipf). In each genre a share `new_share` of the tracks (rounded), chosen at random, is "new":
released at `release_time`, after the training cut-off.

Listeners. Each takes 1, 2 or 3 genre tastes with the probabilities `taste_counts`; the genres
are drawn without replacement with probability proportional to 1 / (genre rank)^`genre_zipf`
(some genres are mainstream), and weighted by a symmetric Dirichlet(`taste_concentration`). The
number of plays is log-normal (median `median_plays`, log-sd `plays_sigma`), clipped to
[`min_plays`, `max_plays`]: a few heavy listeners, many light ones. Play times are uniform on
[0, 1) and sorted; new tracks can be played only from `release_time` on. Each listener also has
`favourites` tracks drawn from their tastes among established tracks.

Plays. Each play is, independently: a replay of a favourite (probability `replay_share`), else an
exploration (probability `exploration`): a genre chosen uniformly from all genres, else a taste
play: a genre chosen by taste weight. The track within the genre is drawn by appeal among the
tracks released at that time. A play of a track outside the listener's tastes is an early skip
with probability `skip_outside_taste`, one inside with `skip_in_taste`; the rest are streams. The
first stream of a favourite is saved with probability `save_share`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from apps.recommendations.ml.content import normalise_rows

# The strength of each signal in a (listener, track) pair. They mirror STREAM + FULL_LISTEN (a stream
# heard to the end: the generator's streams are never abandoned), EARLY_SKIP and SAVED in
# apps/recommendations/signals.py, which scores real play events (copied, since that module needs a
# database); keep the two in step. Its PLAYLISTED (+1) has no counterpart: the generator makes no playlists.
STREAM_STRENGTH = 1.0
EARLY_SKIP_STRENGTH = -0.5
SAVE_STRENGTH = 2.0


@dataclass(frozen=True)
class DatasetSpec:
    users: int = 5_000
    tracks: int = 20_000
    genres: int = 20
    dimensions: int = 16
    artist_spread: float = 0.10
    track_noise: float = 0.20
    tracks_per_artist: tuple[int, int] = (3, 15)
    track_zipf: float = 1.0
    genre_zipf: float = 0.5
    taste_counts: tuple[float, float, float] = (0.4, 0.35, 0.25)
    taste_concentration: float = 2.0
    median_plays: float = 40.0
    plays_sigma: float = 1.0
    min_plays: int = 20
    max_plays: int = 2_000
    favourites: int = 8
    replay_share: float = 0.25
    exploration: float = 0.15
    skip_in_taste: float = 0.10
    skip_outside_taste: float = 0.80
    save_share: float = 0.5
    new_share: float = 0.10
    release_time: float = 0.80
    seed: int = 0


@dataclass(frozen=True)
class Catalog:
    vectors: np.ndarray  # float32, tracks x dimensions, rows L2-normalised
    genre: np.ndarray  # genre index per track
    artist: np.ndarray  # artist index per track (artists are numbered across genres)
    appeal: np.ndarray  # Zipf weight per track within its genre
    is_new: np.ndarray  # bool per track: released at `release_time`, after the training cut-off

    @property
    def size(self) -> int:
        return len(self.genre)


@dataclass(frozen=True)
class Plays:
    """One row per play, ordered by listener and then time."""

    user: np.ndarray
    track: np.ndarray
    time: np.ndarray
    streamed: np.ndarray  # bool; False is an early skip
    saved: np.ndarray  # bool; the listener saved the track on this play

    def strength(self) -> np.ndarray:
        """Each play's contribution to its (listener, track) strength."""
        base = np.where(self.streamed, STREAM_STRENGTH, EARLY_SKIP_STRENGTH)
        return base + SAVE_STRENGTH * self.saved


@dataclass(frozen=True)
class ListeningDataset:
    spec: DatasetSpec
    catalog: Catalog
    plays: Plays
    taste_genres: np.ndarray  # users x 3, -1 where a listener has fewer tastes
    taste_weights: np.ndarray  # users x 3, 0 where padded


def generate(spec: DatasetSpec) -> ListeningDataset:
    rng = np.random.default_rng(spec.seed)
    catalog = _catalog(spec, rng)
    taste_genres, taste_weights = _tastes(spec, rng)
    sampler = _GenreSampler(catalog, spec.genres)
    plays = _plays(spec, rng, catalog, sampler, taste_genres, taste_weights)
    return ListeningDataset(spec, catalog, plays, taste_genres, taste_weights)


def _catalog(spec: DatasetSpec, rng: np.random.Generator) -> Catalog:
    centroids = _unit_rows(rng.normal(size=(spec.genres, spec.dimensions)))
    sizes = np.full(spec.genres, spec.tracks // spec.genres) + (np.arange(spec.genres) < spec.tracks % spec.genres)
    genre = np.repeat(np.arange(spec.genres), sizes)
    artist = np.empty(spec.tracks, dtype=np.int64)
    appeal = np.empty(spec.tracks, dtype=np.float64)
    is_new = np.zeros(spec.tracks, dtype=bool)
    artist_genre: list[int] = []
    start = 0
    for g, size in enumerate(sizes):
        cuts = _artist_sizes(int(size), spec.tracks_per_artist, rng)
        artist[start : start + size] = np.repeat(np.arange(len(artist_genre), len(artist_genre) + len(cuts)), cuts)
        artist_genre.extend([g] * len(cuts))
        ranks = rng.permutation(size) + 1
        appeal[start : start + size] = 1.0 / ranks**spec.track_zipf
        is_new[start + rng.choice(size, size=round(spec.new_share * size), replace=False)] = True
        start += size
    sounds = centroids[artist_genre] + rng.normal(scale=spec.artist_spread, size=(len(artist_genre), spec.dimensions))
    vectors = sounds[artist] + rng.normal(scale=spec.track_noise, size=(spec.tracks, spec.dimensions))
    return Catalog(normalise_rows(vectors), genre, artist, appeal, is_new)


def _artist_sizes(total: int, bounds: tuple[int, int], rng: np.random.Generator) -> list[int]:
    sizes: list[int] = []
    while total > 0:
        size = min(int(rng.integers(bounds[0], bounds[1] + 1)), total)
        sizes.append(size)
        total -= size
    return sizes


def _tastes(spec: DatasetSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    genre_probability = 1.0 / np.arange(1, spec.genres + 1) ** spec.genre_zipf
    genre_probability /= genre_probability.sum()
    counts = rng.choice(np.arange(1, 4), size=spec.users, p=spec.taste_counts)
    genres = np.full((spec.users, 3), -1, dtype=np.int64)
    weights = np.zeros((spec.users, 3))
    for user, count in enumerate(counts):
        genres[user, :count] = rng.choice(spec.genres, size=count, replace=False, p=genre_probability)
        weights[user, :count] = rng.dirichlet(np.full(count, spec.taste_concentration))
    return genres, weights


class _GenreSampler:
    """Draws tracks of given genres by appeal, with or without the new tracks."""

    def __init__(self, catalog: Catalog, genres: int) -> None:
        self.members: list[tuple[np.ndarray, np.ndarray]] = []  # per (genre, with_new): tracks, cumulative
        for g in range(genres):
            for with_new in (False, True):
                tracks = np.flatnonzero((catalog.genre == g) & (with_new | ~catalog.is_new))
                cumulative = np.cumsum(catalog.appeal[tracks])
                self.members.append((tracks, cumulative / cumulative[-1]))

    def draw(self, genre: np.ndarray, with_new: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        uniform = rng.random(len(genre))
        tracks = np.empty(len(genre), dtype=np.int64)
        key = genre * 2 + with_new
        for group in np.unique(key):
            rows = key == group
            members, cumulative = self.members[group]
            tracks[rows] = members[np.minimum(np.searchsorted(cumulative, uniform[rows]), len(members) - 1)]
        return tracks


def _plays(
    spec: DatasetSpec,
    rng: np.random.Generator,
    catalog: Catalog,
    sampler: _GenreSampler,
    taste_genres: np.ndarray,
    taste_weights: np.ndarray,
) -> Plays:
    counts = np.clip(
        np.round(rng.lognormal(np.log(spec.median_plays), spec.plays_sigma, size=spec.users)),
        spec.min_plays,
        spec.max_plays,
    ).astype(np.int64)
    user = np.repeat(np.arange(spec.users), counts)
    time = rng.random(len(user))
    time = time[np.lexsort((time, user))]  # `user` is already grouped, so this sorts within each listener
    favourites = _favourites(spec, rng, sampler, taste_genres, taste_weights)

    kind = rng.random(len(user))
    replay = kind < spec.replay_share
    explore = ~replay & (kind < spec.replay_share + (1 - spec.replay_share) * spec.exploration)
    genre = _taste_genre(user, taste_genres, taste_weights, rng)
    genre[explore] = rng.integers(spec.genres, size=int(explore.sum()))
    track = sampler.draw(genre, time >= spec.release_time, rng)
    track[replay] = favourites[user[replay], rng.integers(spec.favourites, size=int(replay.sum()))]

    in_taste = (taste_genres[user] == catalog.genre[track][:, None]).any(axis=1)
    skip_probability = np.where(in_taste, spec.skip_in_taste, spec.skip_outside_taste)
    streamed = rng.random(len(user)) >= skip_probability
    saved = _saves(spec, rng, user, track, streamed, favourites)
    return Plays(user, track, time, streamed, saved)


def _taste_genre(
    user: np.ndarray, taste_genres: np.ndarray, taste_weights: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One genre per row of `user`, chosen by that listener's taste weights."""
    cumulative = np.cumsum(taste_weights, axis=1)[user]
    choice = (rng.random(len(user))[:, None] > cumulative).sum(axis=1)
    count = (taste_genres >= 0).sum(axis=1)[user]
    return taste_genres[user, np.minimum(choice, count - 1)]  # rounding can leave the sum just under 1


def _favourites(
    spec: DatasetSpec,
    rng: np.random.Generator,
    sampler: _GenreSampler,
    taste_genres: np.ndarray,
    taste_weights: np.ndarray,
) -> np.ndarray:
    """users x `favourites` established tracks from each listener's tastes (repeats allowed)."""
    user = np.repeat(np.arange(spec.users), spec.favourites)
    genre = _taste_genre(user, taste_genres, taste_weights, rng)
    return sampler.draw(genre, np.zeros(len(user), dtype=bool), rng).reshape(spec.users, spec.favourites)


def _saves(
    spec: DatasetSpec,
    rng: np.random.Generator,
    user: np.ndarray,
    track: np.ndarray,
    streamed: np.ndarray,
    favourites: np.ndarray,
) -> np.ndarray:
    """True on the first stream of a favourite, for a share `save_share` of favourites."""
    candidate = np.flatnonzero(streamed & (favourites[user] == track[:, None]).any(axis=1))
    # Rows are ordered by listener and time, so the first index of each pair is its first stream.
    _, first = np.unique(user[candidate] * (track.max() + 1) + track[candidate], return_index=True)
    first_streams = candidate[first]
    saved = np.zeros(len(user), dtype=bool)
    saved[first_streams[rng.random(len(first_streams)) < spec.save_share]] = True
    return saved


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
