"""Which tracks of a recommender's pool may be offered to a listener (ready, playable where they
are on their product, and each one's explicit flag), memoised per process under the catalog
version.

A recommendation asks this of 400-500 candidates, most of them asked about by the requests before
(the popular ones, the neighbours of popular seeds); read from the database every time it was one
query of ~3.5 ms, the largest part of the engine's time. The catalog version moves after every
commit that changes a track or its availability rows (`apps.catalog.freshness`: rights write them
through `catalog.services.availability`, which bumps it), so in the services mode a takedown, a new
licence or an edit shows in the next list. A licence window that opens or closes with the clock
writes nothing: each answer holds only until the next moment one of its track's windows opens or
closes, and is asked again from then. Where no bump reaches (the embedded mode's other processes)
an answer lives at most `CATALOG_RENDER_CACHE_SECONDS`, the bound every rendered catalog object
has. Nothing plays on the strength of this memo: the player and the stream URLs ask the
availability rows afresh (`apps.playback.streaming.grants`), and rendered tracks carry rights read
in their own request.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from apps.catalog.availability import Listener, offers_for_ready
from apps.catalog.freshness import catalog_version
from apps.common.memo import VersionedMemo

MAX_MEMOISED = 1_000_000  # (country, product, track) answers, ~150 MB at worst; past it the memo starts over

_memo = VersionedMemo(
    version=catalog_version, lifetime=lambda: settings.CATALOG_RENDER_CACHE_SECONDS, max_entries=MAX_MEMOISED
)


def offerable_tracks(track_ids: list[int], listener: Listener, *, allow_explicit: bool = True) -> dict[int, bool]:
    """Track pk -> its explicit flag, for those of `track_ids` that are ready and playable for
    `listener` (explicit ones left out unless allowed); those not in memory, or whose answer has
    reached a window of their rights opening or closing, asked in one query."""
    # (country, premium, pk) -> (explicit flag, or None: not offered; until when that holds, or None)
    answers = _memo.entries()
    now = timezone.now()
    country, premium = listener.country, listener.premium
    missing = [pk for pk in track_ids if not _holds(answers.get((country, premium, pk)), now)]
    if missing:
        offers = offers_for_ready(missing, listener, now=now)
        for pk in missing:
            offer = offers.get(pk)
            offered = offer.explicit if offer is not None and offer.playable else None
            answers[country, premium, pk] = (offered, offer.until if offer is not None else None)
    found = {}
    for pk in track_ids:
        explicit = answers[country, premium, pk][0]
        if explicit is not None and (allow_explicit or not explicit):
            found[pk] = explicit
    return found


def _holds(answer: tuple[bool | None, datetime | None] | None, now: datetime) -> bool:
    return answer is not None and (answer[1] is None or now < answer[1])


def offerable_forget() -> None:
    """Forget the memo (tests)."""
    _memo.forget()
