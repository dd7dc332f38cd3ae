"""The last step of every list: variety rules over a ranking.

At most `per_artist` tracks of one artist in any `window` consecutive tracks (Spotify-like lists
never play one artist back to back for long), and a controlled share of exploration: every
`1/share`-th slot goes to the best candidate from a genre next to the listener's usual ones (the
engine's `_outside_taste`, `apps.recommendations.genre_neighbours`), and those
candidates appear nowhere else.

Also the candidate counts, shared by the engine and the offline evaluation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Sequence

PER_ARTIST = 2
WINDOW = 10
EXPLORATION_SHARE = 0.1  # one slot in ten

# Candidates per source: enough for the filters and the artist rule to leave a full list, few
# enough that checking what may play (one query over all of them) stays cheap.
COLLABORATIVE_CANDIDATES = 200
CONTENT_CANDIDATES = 100
POPULAR_CANDIDATES = 100


def diversified(
    ranked: Sequence[int],
    artist_of: dict[int, Hashable],
    *,
    limit: int,
    per_artist: int = PER_ARTIST,
    window: int = WINDOW,
    exploration: Sequence[int] = (),
    exploration_share: float = 0.0,
) -> list[int]:
    """Up to `limit` ids from `ranked` (best first) and `exploration`, in the order to play.

    Greedy: each slot takes the best remaining candidate whose artist has fewer than
    `per_artist` tracks in the previous `window - 1` slots. When no candidate qualifies, the list
    ends short rather than break the rule (a caller wanting more passes more candidates).
    """
    main = list(ranked)
    in_main = set(main)
    extra = [track for track in exploration if track not in in_main]
    every = round(1 / exploration_share) if exploration_share > 0 else 0
    recent: deque = deque(maxlen=max(window - 1, 0))
    chosen: list[int] = []
    taken: set[int] = set()
    while len(chosen) < limit:
        pool = extra if every and extra and (len(chosen) + 1) % every == 0 else main
        pick = _first_allowed(pool, artist_of, recent, taken, per_artist)
        if pick is None and pool is extra:
            pick = _first_allowed(main, artist_of, recent, taken, per_artist)
        if pick is None:
            break
        chosen.append(pick)
        taken.add(pick)
        recent.append(artist_of.get(pick))
    return chosen


def _first_allowed(pool: list[int], artist_of, recent, taken: set[int], per_artist: int) -> int | None:
    for index, track in enumerate(pool):
        if track in taken:
            continue
        artist = artist_of.get(track)
        if artist is None or sum(1 for seen in recent if seen == artist) < per_artist:
            del pool[index]
            return track
    return None


def with_exploration(
    ranked: Sequence[int],
    artist_of: dict[int, Hashable],
    outside: set[int],
    *,
    explore_from: set[int] | None = None,
    limit: int,
    exploration_share: float,
) -> list[int]:
    """The final list of every product (and of the offline evaluation, so both are one rule):
    `ranked` best first, of which `outside` are the candidates from outside the taste's genres.
    Those play only in the exploration slots, at the share asked (with no share, nowhere), and of
    them only `explore_from` (the genres next to the taste; None: any of them) fill those slots."""
    eligible = outside if explore_from is None else outside & explore_from
    explore = [track for track in ranked if track in eligible][:limit] if exploration_share > 0 else []
    main = [track for track in ranked if track not in outside] if outside else list(ranked)
    return diversified(
        main,
        artist_of,
        limit=limit,
        exploration=explore,
        exploration_share=exploration_share if explore else 0.0,
    )
