"""One order for every backend's candidates, the order people would call right:

1. the name is exactly what was typed, then names that begin with it;
2. then how well the words match: in the name more than in the artists, the artists more than
   the album, and how much of the name they cover ("Love" is a better answer to "love" than
   "Love Me Like You Do");
3. corrected spellings below words found as typed;
4. popularity throughout (streams of the last 28 days on a log scale, 0-100), strong enough that a
   hugely popular near-miss ("The Beatles" for "beetles") passes an obscure exact one, not more.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.catalog.search.backends.sql import Candidate, exact_keys
from apps.catalog.search.query import Query, Slot

EXACT, PREFIX, TEXT, COVERAGE, FUZZY, POPULARITY = 4.0, 1.5, 2.0, 1.0, -1.5, 2.5
TITLED = 3.0
# The name begins with every word typed, the last as it is being typed ("love ra": "Love Rain"):
# above "<title> <artist>" read with the artist only begun ("Love" by Ra...), below the exact name.
TYPED_NAME = 2.0
FIELD_WEIGHT = {"name": 1.0, "artist": 0.8, "album": 0.4}
PREFIX_MATCH = 0.9  # a word still being typed counts a little less than a whole one


@dataclass
class Ranked:
    candidate: Candidate
    score: float


def _match(slot: Slot, padded: str) -> tuple[float, bool] | None:
    """(strength, fuzzy) of `slot` in a field's padded tokens (" a b "), or None. Substring tests
    on the stored form: ranking scores a few hundred candidates per query, and splitting each
    field into a set costs more than the search's SQL."""
    if f" {slot.token} " in padded:
        return 1.0, False
    if slot.prefix and f" {slot.token}" in padded:
        return PREFIX_MATCH, False
    if any(f" {correction} " in padded for correction in slot.corrections):
        return 1.0, True
    return None


def _covers(slot: Slot, token: str) -> bool:
    return token == slot.token or (slot.prefix and token.startswith(slot.token)) or token in slot.corrections


def score(candidate: Candidate, query: Query, keys: list[str] | None = None) -> float | None:
    """None when the candidate does not hold every word (a backend's superset). `keys`: the
    query's exact keys, computed once for a list of candidates."""
    popularity = POPULARITY * candidate.popularity / 100
    if not query.text_slots:
        return popularity
    fields = (("name", candidate.name_terms), ("artist", candidate.artist_terms), ("album", candidate.album_terms))
    text, fuzzy, elsewhere, by_artist = 0.0, 0, False, False
    for slot in query.text_slots:
        best = None
        in_name_or_artist = False
        for field, padded in fields:
            found = _match(slot, padded)
            if found is not None:
                strength = FIELD_WEIGHT[field] * found[0]
                if best is None or (strength, not found[1]) > (best[0], not best[1]):
                    best = (strength, found[1])
                in_name_or_artist |= field != "album"
                by_artist |= field == "artist"
        if best is None:
            return None
        text += best[0]
        fuzzy += best[1]
        elsewhere |= not in_name_or_artist
    keys = keys if keys is not None else exact_keys(query)
    exact = candidate.name_key in keys
    prefix = not exact and any(candidate.name_key.startswith(k) for k in keys[:1] + [f"the {query.key}"])
    n = len(query.text_slots)
    # How much of the name the words cover; a leading article is not a word one types for it.
    name_words = candidate.name_terms.split()
    if candidate.name_key.startswith("the ") and len(name_words) > 1:
        name_words = [word for word in name_words if word != "the"]
    covered = sum(1 for word in name_words if any(_covers(slot, word) for slot in query.text_slots))
    coverage = covered / max(1, len(name_words))
    # "<title> <artist>", the way people look for one song: every word of the name typed, and
    # every other word the artist's. Nearly as good as the name alone.
    titled = not exact and coverage == 1 and by_artist and not elsewhere
    typed_name = prefix and n > 1 and query.text_slots[-1].prefix
    return (
        EXACT * exact
        + TITLED * titled
        + PREFIX * prefix
        + TYPED_NAME * typed_name
        + TEXT * text / n
        + COVERAGE * coverage
        + FUZZY * fuzzy / n
        + popularity
    )


def rank(candidates: list[Candidate], query: Query) -> list[Ranked]:
    ranked, keys = [], exact_keys(query)
    for candidate in candidates:
        value = score(candidate, query, keys)
        if value is not None:
            ranked.append(Ranked(candidate, value))
    ranked.sort(key=lambda r: (-r.score, -r.candidate.popularity, r.candidate.object_id))
    return ranked
