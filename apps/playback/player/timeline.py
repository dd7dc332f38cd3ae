"""What plays next: the context's order, shuffle, repeat and the explicit queue, as pure data.

A `Timeline` holds the context's tracks in their own order (album order, playlist order, the
artist's top tracks, a list of URIs), a play `order` over them (the identity, or a shuffle
permutation kept stable so that "previous" goes back to what actually played), a `cursor` into
that order, and the explicit queue, which plays before the context continues. The player's
services keep it in the state row; nothing here touches the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Repeat(StrEnum):
    OFF = "off"
    CONTEXT = "context"
    TRACK = "track"


@dataclass(frozen=True)
class Timeline:
    context: tuple[int, ...] = ()  # track pks in the context's own order
    order: tuple[int, ...] = ()  # indices into `context`, in play order
    cursor: int = 0  # position in `order` of the context track playing (or last played)
    queue: tuple[int, ...] = ()  # explicit queue: plays before the context continues
    current: int | None = None  # the track playing: the context's at `cursor`, or one from the queue
    from_queue: bool = False
    shuffle: bool = False
    repeat: Repeat = Repeat.OFF
    seed: int = field(default=0)  # the shuffle's, so a permutation can be rebuilt and checked

    @classmethod
    def start(cls, context: list[int], *, at: int = 0, shuffle: bool = False, repeat=Repeat.OFF, seed: int = 0):
        """Play `context` from its track at index `at`."""
        if not context:
            raise ValueError("empty context")
        if not 0 <= at < len(context):
            raise IndexError(at)
        timeline = cls(
            context=tuple(context),
            order=tuple(range(len(context))),
            cursor=at,
            current=context[at],
            repeat=Repeat(repeat),
            seed=seed,
        )
        return timeline.with_shuffle(True) if shuffle else timeline

    @property
    def context_track(self) -> int | None:
        return self.context[self.order[self.cursor]] if self.order else None

    def with_shuffle(self, on: bool, *, seed: int | None = None) -> Timeline:
        """Shuffle keeps the track playing where it is and draws a permutation of the rest after it;
        turning it off goes back to the context's own order at the same track."""
        if not self.order:
            return replace(self, shuffle=on)
        position = self.order[self.cursor]
        if on:
            seed = self.seed if seed is None else seed
            rest = [index for index in range(len(self.context)) if index != position]
            random.Random(seed).shuffle(rest)  # noqa: S311 (an order of songs, not a secret)
            return replace(self, shuffle=True, order=(position, *rest), cursor=0, seed=seed)
        return replace(self, shuffle=False, order=tuple(range(len(self.context))), cursor=position)

    def with_repeat(self, repeat: Repeat) -> Timeline:
        return replace(self, repeat=Repeat(repeat))

    def enqueue(self, track: int) -> Timeline:
        return replace(self, queue=(*self.queue, track))

    def next(self, *, ended: bool = False) -> Timeline | None:
        """The timeline after the current track: `ended` when it played to its end (repeat-track
        plays it again), otherwise the listener skipped. None when nothing follows."""
        if ended and self.repeat == Repeat.TRACK and self.current is not None:
            return self
        if self.queue:
            return replace(self, current=self.queue[0], queue=self.queue[1:], from_queue=True)
        if not self.order:
            return None
        cursor = self.cursor + 1
        if cursor >= len(self.order):
            if self.repeat == Repeat.OFF:
                return None
            cursor = 0
        return replace(self, cursor=cursor, current=self.context[self.order[cursor]], from_queue=False)

    def previous(self) -> Timeline | None:
        """The context track before the current one (a track from the queue goes back to the
        context track it interrupted). None when nothing precedes."""
        if self.from_queue and self.order:
            return replace(self, current=self.context_track, from_queue=False)
        if not self.order:
            return None
        cursor = self.cursor - 1
        if cursor < 0:
            if self.repeat == Repeat.OFF:
                return None
            cursor = len(self.order) - 1
        return replace(self, cursor=cursor, current=self.context[self.order[cursor]], from_queue=False)

    @property
    def remaining(self) -> int:
        """Context tracks still to play after the current one in this pass (repeat aside)."""
        return len(self.order) - self.cursor - 1 if self.order else 0

    def extended(self, tracks: list[int]) -> Timeline:
        """The context grown by `tracks` at its end (a radio station that extends itself); they
        play after everything already in the order, shuffled or not."""
        if not tracks:
            return self
        start = len(self.context)
        return replace(self, context=(*self.context, *tracks), order=(*self.order, *range(start, start + len(tracks))))

    def upcoming(self, limit: int = 20) -> list[int]:
        """What plays next, in order (the queue, then the context): Spotify's `GET /me/player/queue`."""
        result = list(self.queue[:limit])
        cursor = self.cursor
        while len(result) < limit and self.order:
            cursor += 1
            if cursor >= len(self.order):
                if self.repeat == Repeat.OFF:
                    break
                cursor = 0
            if cursor == self.cursor and len(result) >= len(self.order):
                break
            result.append(self.context[self.order[cursor]])
        return result

    def to_json(self) -> dict:
        return {
            "context": list(self.context),
            "order": list(self.order),
            "cursor": self.cursor,
            "queue": list(self.queue),
            "current": self.current,
            "from_queue": self.from_queue,
            "shuffle": self.shuffle,
            "repeat": str(self.repeat),
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Timeline:
        if not data:
            return cls()
        return cls(
            context=tuple(data["context"]),
            order=tuple(data["order"]),
            cursor=data["cursor"],
            queue=tuple(data["queue"]),
            current=data["current"],
            from_queue=data["from_queue"],
            shuffle=data["shuffle"],
            repeat=Repeat(data["repeat"]),
            seed=data["seed"],
        )
