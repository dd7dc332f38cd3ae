"""The home page's "Popular now" from the week's raw streams: the tracks streamed most in the
last week where the listener is (everyone's streams until that country has enough), playable
there. The home page shows it while there is no chart to show instead (apps.recommendations: a
chart needs ten charted tracks, so a young platform has none yet). Cached for a few minutes per
country: the ranking moves slowly and the home page is the busiest page there is."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django_countries import countries

from apps.accounts.country import request_country
from apps.catalog.availability import Listener, restrictions_for
from apps.catalog.home import Shelf
from apps.catalog.models import Track
from apps.playback.events.selectors import popular_track_ids

WINDOW = timedelta(days=7)
SIZE = 10
CANDIDATES = 3 * SIZE  # room for the ones this listener cannot play
CACHE_SECONDS = 300


def _ranked_ids(country: str | None) -> list[int]:
    key = f"home:popular:{country or '*'}"
    ids = cache.get(key)
    if ids is None:
        ids = popular_track_ids(country=country, since=timezone.now() - WINDOW, limit=CANDIDATES)
        cache.set(key, ids, CACHE_SECONDS)
    return ids


def popular_now(request) -> Shelf | None:
    authenticated = request.user.is_authenticated
    country = request_country(request) if authenticated else None
    ids = _ranked_ids(country)
    local = bool(country) and len(ids) >= SIZE
    if not local:
        ids = _ranked_ids(None)
    rows = Track.objects.ready().with_relations().in_bulk(ids)
    tracks = [rows[pk] for pk in ids if pk in rows]
    if authenticated:  # only what this listener can play: a chart is for listening
        listener = Listener(country=country, premium=request.user.is_premium)
        restrictions = restrictions_for(tracks, listener)
        tracks = [track for track in tracks if restrictions[track.pk] is None]
    title = f"Popular in {countries.name(country)}" if local else "Popular now"
    return Shelf(key="popular", title=title, kind="tracks", items=tracks[:SIZE]) if tracks else None
