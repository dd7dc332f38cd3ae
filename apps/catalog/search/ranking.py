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
FIELD_WEIGHT = {"name": 1.0, "artist": 0.8, "album": 0.4}
PREFIX_MATCH = 0.9  # a word still being typed counts a little less than a whole one


@dataclass
class Ranked:
    candidate: Candidate
    score: float


def _match(slot: Slot, tokens: set[str]) -> tuple[float, bool] | None:
    """(strength, fuzzy) of `slot` in a field's tokens, or None."""
    if slot.token in tokens:
        return 1.0, False
    if slot.prefix and any(token.startswith(slot.token) for token in tokens):
        return PREFIX_MATCH, False
    if any(correction in tokens for correction in slot.corrections):
        return 1.0, True
    return None


def score(candidate: Candidate, query: Query, keys: list[str] | None = None) -> float | None:
    """None when the candidate does not hold every word (a backend's superset). `keys`: the
    query's exact keys, computed once for a list of candidates."""
    popularity = POPULARITY * candidate.popularity / 100
    if not query.text_slots:
        return popularity
    fields = {
        "name": set(candidate.name_terms.split()),
        "artist": set(candidate.artist_terms.split()),
        "album": set(candidate.album_terms.split()),
    }
    text, fuzzy, covered = 0.0, 0, set()
    for slot in query.text_slots:
        best = None
        for field, tokens in fields.items():
            found = _match(slot, tokens)
            if found is not None:
                strength = FIELD_WEIGHT[field] * found[0]
                if best is None or (strength, not found[1]) > (best[0], not best[1]):
                    best = (strength, found[1])
                if field == "name":
                    covered |= {t for t in tokens if t == slot.token or t.startswith(slot.token) and slot.prefix}
                    covered |= tokens & set(slot.corrections)
        if best is None:
            return None
        text += best[0]
        fuzzy += best[1]
    keys = keys if keys is not None else exact_keys(query)
    exact = candidate.name_key in keys
    prefix = not exact and any(candidate.name_key.startswith(k) for k in keys[:1] + [f"the {query.key}"])
    n = len(query.text_slots)
    # How much of the name the words cover; a leading article is not a word one types for it.
    name_words = fields["name"] - ({"the"} if candidate.name_key.startswith("the ") else set())
    coverage = len(covered & name_words) / max(1, len(name_words))
    return EXACT * exact + PREFIX * prefix + TEXT * text / n + COVERAGE * coverage + FUZZY * fuzzy / n + popularity


def rank(candidates: list[Candidate], query: Query) -> list[Ranked]:
    ranked, keys = [], exact_keys(query)
    for candidate in candidates:
        value = score(candidate, query, keys)
        if value is not None:
            ranked.append(Ranked(candidate, value))
    ranked.sort(key=lambda r: (-r.score, -r.candidate.popularity, r.candidate.object_id))
    return ranked
