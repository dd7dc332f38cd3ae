"""The week's most streamed tracks from the raw streams: the tracks streamed most in the last week
in a country (everyone's streams until that country has enough; the catalog's popularity until
anyone has streamed enough). The home view's popular shelf
(apps.recommendations.products.home, for the API's home and the web page alike) shows them while
there is no chart to show instead (apps.recommendations: a chart needs ten charted tracks, so a
young platform has none yet), leaving out what the listener may not play. Cached for a few minutes
per country: the ranking moves slowly and the home page is the busiest page there is."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from apps.catalog.selectors import most_popular_track_ids
from apps.playback.events.selectors import popular_track_ids

WINDOW = timedelta(days=7)
SIZE = 10
CANDIDATES = 3 * SIZE  # room for the ones a listener cannot play
CACHE_SECONDS = 300


def _ranked_ids(country: str | None) -> list[int]:
    key = f"home:popular:{country or '*'}"
    ids = cache.get(key)
    if ids is None:
        ids = popular_track_ids(country=country, since=timezone.now() - WINDOW, limit=CANDIDATES)
        cache.set(key, ids, CACHE_SECONDS)
    return ids


def popular_now_ids(country: str | None) -> tuple[list[int], bool]:
    """Up to `CANDIDATES` track ids, most streamed first, and whether they are `country`'s own:
    they are while it has at least `SIZE` streamed tracks this week, else they are everyone's."""
    ids = _ranked_ids(country) if country else []
    if len(ids) >= SIZE:
        return ids, True
    everyone = _ranked_ids(None)
    if len(everyone) < SIZE:  # a platform with hardly a stream yet: the catalog's own popularity
        everyone = everyone + [track for track in most_popular_track_ids(limit=CANDIDATES) if track not in everyone]
    return everyone, False
