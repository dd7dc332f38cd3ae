"""Search and suggest: parse, correct spelling, retrieve candidates from the configured backend,
rank them, then keep only what the listener may see.

Tracks under a takedown (where the listener is, or everywhere when no market is given) never
show; tracks that cannot play in the market for another reason are flagged by the renderer, or
left out when the caller asks (`hide_unplayable`). Results are cached for a few seconds under the
catalog and search versions, so a takedown or an edit shows at once and a hot query is answered
from the cache.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.catalog.availability import Listener, Restriction, restrictions_for_ready, taken_down_everywhere
from apps.catalog.freshness import catalog_version
from apps.catalog.search.backends import get_backend
from apps.catalog.search.indexing import flush_pending, search_version
from apps.catalog.search.models import SearchKind
from apps.catalog.search.query import Query, parse
from apps.catalog.search.ranking import Ranked, rank
from apps.catalog.search.spelling import corrected

MAX_LIMIT = 50
MAX_OFFSET = 1_000  # Spotify's bound for search
POOL = 30  # candidates per way of matching, per kind: room to rank, then to drop the unplayable
SUGGEST_POOL = 12
TITLED_SLACK = 2  # suggest reads this many times the tracks it shows of "<title> <artist>" matches
KINDS = (SearchKind.TRACK, SearchKind.ARTIST, SearchKind.ALBUM, SearchKind.PLAYLIST)


@dataclass
class KindResult:
    object_ids: list[int] = field(default_factory=list)  # the page, in order
    total: int = 0


@dataclass
class Suggestion:
    kind: str
    object_id: int
    public_id: str
    name: str
    subtitle: str
    image_key: str
    restriction: str | None = None  # for tracks with a listener: why it cannot play, if it cannot


def _cache_key(prefix: str, *parts) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"search:{prefix}:{catalog_version()}:{search_version()}:{digest}"


def _spelled(query: Query, backend) -> Query:
    return query if query.is_empty else corrected(query, similar_terms=backend.similar_terms)


def _hidden(track_ids: list[int], listener: Listener | None, hide_unplayable: bool) -> dict[int, str | None]:
    """Track id -> its restriction (None when playable) for those a listener is asking about, and
    the ids to leave out marked with `takedown`."""
    if listener is None:
        return {pk: Restriction.TAKEDOWN for pk in taken_down_everywhere(track_ids)}
    restrictions = restrictions_for_ready(track_ids, listener)
    if not hide_unplayable:
        return {pk: r for pk, r in restrictions.items() if r == Restriction.TAKEDOWN}
    return {pk: r for pk, r in restrictions.items() if r is not None}


def _visible_tracks(ranked: list[Ranked], need: int, listener, hide_unplayable: bool) -> list[int]:
    """The first `need` ranked tracks the listener may see, asking availability only for as many as
    it takes."""
    ids = [r.candidate.object_id for r in ranked]
    visible: list[int] = []
    start = 0
    while start < len(ids) and len(visible) < need:
        chunk = ids[start : start + max(need, 20)]
        hidden = _hidden(chunk, listener, hide_unplayable)
        visible += [pk for pk in chunk if pk not in hidden]
        start += len(chunk)
    return visible


def search(
    *,
    q: str | None,
    kinds: list[str],
    limit: int,
    offset: int,
    listener: Listener | None = None,
    hide_unplayable: bool = False,
) -> dict[str, KindResult]:
    """A page of each kind asked for, with a total (counted up to the deepest page one can ask)."""
    query, backend = parse(q), get_backend()
    flush_pending()  # this connection's own writes first: a transaction reads what it wrote
    key = _cache_key("q", backend.name, q, kinds, limit, offset, listener, hide_unplayable)
    cached = cache.get(key)
    if cached is not None:
        return cached
    result = {kind: KindResult() for kind in kinds}
    applicable = [kind for kind in kinds if query.applies_to(kind)]
    if query.is_empty or not applicable:
        return result
    query = _spelled(query, backend)
    today = timezone.localdate()
    pool = max(POOL, offset + limit + POOL // 2)
    candidates = backend.candidates(query, applicable, pool=pool, today=today, share_common_words=False)
    # Counted only where the pool filled up: otherwise every match is in hand.
    crowded = [kind for kind in applicable if sum(c.arm == "text" for c in candidates[kind]) >= pool]
    totals = backend.count(query, crowded, cap=MAX_OFFSET + limit, today=today) if crowded else {}
    for kind in applicable:
        ranked = rank(candidates[kind], query)
        if kind == SearchKind.TRACK:
            ids = _visible_tracks(ranked, offset + limit, listener, hide_unplayable)
        else:
            ids = [r.candidate.object_id for r in ranked]
        # Short of a full page, every match was ranked: the count is exact. Otherwise the counted
        # matches (capped) say how far one may page.
        total = max(totals.get(kind, 0), len(ids), len(ranked)) if len(ids) >= offset + limit else len(ids)
        result[kind] = KindResult(object_ids=ids[offset : offset + limit], total=total)
    cache.set(key, result, settings.SEARCH_CACHE_SECONDS)
    return result


def _per_kind_cap(limit: int) -> int:
    """How many suggestions of one kind at most: half of them."""
    return max(1, (limit + 1) // 2)


def _suggestion_candidates(backend, query: Query, kinds: list[str], today, limit: int):
    """Names first, every kind's (a statement PostgreSQL plans once: backends.generic_plans); then
    words anywhere, for tracks (the costly part: they are many) only when their names' matches are
    too few to fill the tracks' share. Elasticsearch answers every arm in one request."""
    if not backend.reads_names_apart:
        return backend.candidates(query, kinds, pool=SUGGEST_POOL, today=today)
    candidates = backend.candidates(query, kinds, pool=SUGGEST_POOL, today=today, text_kinds=[])
    if not query.text_slots:  # filters alone: no names to match, the first read was all of it
        return candidates
    shown = _per_kind_cap(limit)
    tracks_short = len(candidates.get(SearchKind.TRACK, ())) < shown
    by_words = [kind for kind in kinds if kind != SearchKind.TRACK or tracks_short]
    if by_words:
        # The "<title> <artist>" arm's matches come most popular first; reading for all of
        # SUGGEST_POOL sent the tracks' word read down to their least popular tier. Twice what is
        # shown leaves room for those that rank lower (a corrected spelling) or are taken down.
        more = backend.candidates(
            query, by_words, pool=SUGGEST_POOL, today=today, name_kinds=[], titled_pool=TITLED_SLACK * shown
        )
        for kind, found in more.items():
            known = {c.id for c in candidates[kind]}
            candidates[kind] += [c for c in found if c.id not in known]
    return candidates


def suggest(*, q: str | None, listener: Listener | None = None, limit: int = 8) -> list[Suggestion]:
    """The best matches of every kind together, for a search box as the listener types: ranked by
    the same score, at most half of them of one kind."""
    query, backend = parse(q), get_backend()
    flush_pending()
    key = _cache_key("s", backend.name, q, listener, limit)
    cached = cache.get(key)
    if cached is not None:
        return cached
    if query.is_empty:
        return []
    query = _spelled(query, backend)
    kinds = [kind for kind in KINDS if query.applies_to(kind)]
    today = timezone.localdate()
    candidates = _suggestion_candidates(backend, query, kinds, today, limit)
    ranked = sorted(
        (r for kind in kinds for r in rank(candidates[kind], query)),
        key=lambda r: (-r.score, -r.candidate.popularity, r.candidate.kind, r.candidate.object_id),
    )
    per_kind_cap = _per_kind_cap(limit)
    track_ids = [r.candidate.object_id for r in ranked if r.candidate.kind == SearchKind.TRACK]
    if not track_ids:
        restrictions, hidden = {}, set()
    elif listener is None:
        restrictions, hidden = {}, taken_down_everywhere(track_ids)
    else:
        restrictions = restrictions_for_ready(track_ids, listener)
        hidden = {pk for pk, reason in restrictions.items() if reason == Restriction.TAKEDOWN}
    chosen: list[Suggestion] = []
    per_kind: dict[str, int] = {}
    for r in ranked:
        c = r.candidate
        if (c.kind == SearchKind.TRACK and c.object_id in hidden) or per_kind.get(c.kind, 0) >= per_kind_cap:
            continue
        per_kind[c.kind] = per_kind.get(c.kind, 0) + 1
        restriction = restrictions.get(c.object_id) if c.kind == SearchKind.TRACK else None
        chosen.append(Suggestion(c.kind, c.object_id, c.public_id, c.name, c.subtitle, c.image_key, restriction))
        if len(chosen) == limit:
            break
    cache.set(key, chosen, settings.SEARCH_CACHE_SECONDS)
    return chosen
