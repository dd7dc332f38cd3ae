"""The split into what the models learn from and what they are judged on.

Established tracks: each listener's last `holdout` streams of established tracks (skips are never
held out) are the test plays, or half their streams when they have fewer than 2 x `holdout`. The
relevant set is the distinct tracks among them that are not in the listener's training history:
every ranker excludes what the listener already played, so a track they had would count against
every model alike and say nothing.

New tracks: every play of a new track is held out (none is in training, as if the models were
trained before the release). The relevant set is the distinct new tracks the listener streamed;
these are ranked among the new tracks only.

Training is everything else: streams, skips and saves of established tracks before the hold-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from apps.recommendations.evaluation.dataset import Catalog, ListeningDataset


@dataclass(frozen=True)
class TrainingSet:
    catalog: Catalog
    users: int
    user: np.ndarray  # one row per training play
    track: np.ndarray
    strength: np.ndarray  # the play's contribution (dataset.Plays.strength)
    streamed: np.ndarray

    @cached_property
    def history(self) -> sp.csr_matrix:
        """users x tracks summed strength; every pair the listener touched is stored, even at 0."""
        shape = (self.users, self.catalog.size)
        keys, inverse = np.unique(self.user * self.catalog.size + self.track, return_inverse=True)
        summed = np.bincount(inverse, weights=self.strength).astype(np.float32)  # keeps content scoring in float32
        rows, cols = np.divmod(keys, self.catalog.size)
        indptr = np.searchsorted(rows, np.arange(self.users + 1))
        return sp.csr_matrix((summed, cols, indptr), shape=shape)

    @cached_property
    def stream_counts(self) -> np.ndarray:
        return np.bincount(self.track[self.streamed], minlength=self.catalog.size)

    def history_of(self, user: int) -> tuple[np.ndarray, np.ndarray]:
        """(tracks, summed strength) of one listener's training history."""
        start, end = self.history.indptr[user], self.history.indptr[user + 1]
        return self.history.indices[start:end], self.history.data[start:end]


@dataclass(frozen=True)
class Split:
    train: TrainingSet
    relevant: dict[int, np.ndarray]  # listener -> held-out established tracks not in their history
    relevant_new: dict[int, np.ndarray]  # listener -> new tracks they streamed
    new_tracks: np.ndarray  # the new tracks' indexes, the pool of the new-track ranking


def split(dataset: ListeningDataset, *, holdout: int) -> Split:
    plays, catalog = dataset.plays, dataset.catalog
    users = dataset.spec.users
    new = catalog.is_new[plays.track]
    held_out = _last_streams(plays.user, plays.streamed & ~new, users=users, holdout=holdout)
    kept = ~new & ~held_out
    train = TrainingSet(
        catalog=catalog,
        users=users,
        user=plays.user[kept],
        track=plays.track[kept],
        strength=plays.strength()[kept],
        streamed=plays.streamed[kept],
    )
    history_keys = np.unique(train.user * catalog.size + train.track)
    relevant = _grouped(plays.user[held_out], plays.track[held_out], catalog.size, excluding=history_keys)
    new_streams = new & plays.streamed
    relevant_new = _grouped(plays.user[new_streams], plays.track[new_streams], catalog.size)
    return Split(train, relevant, relevant_new, np.flatnonzero(catalog.is_new))


def _last_streams(user: np.ndarray, eligible: np.ndarray, *, users: int, holdout: int) -> np.ndarray:
    """Mask of each listener's last `holdout` eligible plays (rows ordered by listener and time)."""
    rows = np.flatnonzero(eligible)
    owner = user[rows]
    count = np.bincount(owner, minlength=users)
    held = np.minimum(holdout, count // 2)
    first = np.concatenate(([0], np.cumsum(count)[:-1]))
    from_end = count[owner] - 1 - (np.arange(len(rows)) - first[owner])
    mask = np.zeros(len(user), dtype=bool)
    mask[rows[from_end < held[owner]]] = True
    return mask


def _grouped(
    user: np.ndarray, track: np.ndarray, tracks: int, *, excluding: np.ndarray | None = None
) -> dict[int, np.ndarray]:
    """Distinct tracks per listener, leaving out the (listener, track) keys in `excluding`."""
    keys = np.unique(user * tracks + track)
    if excluding is not None:
        keys = keys[~np.isin(keys, excluding)]
    owners, items = np.divmod(keys, tracks)
    bounds = np.flatnonzero(np.diff(owners)) + 1
    return {
        int(group[0]): chunk
        for group, chunk in zip(np.split(owners, bounds), np.split(items, bounds), strict=True)
        if len(group)
    }
