"""The home view (`GET /v1/views/home`, and the web app's home page): shelves in a fixed order,
each left out when it has nothing to show.

    made-for-you        Discover Weekly and the Daily Mixes (made on first visit of the day/week),
                        once the listener has plays, likes or followed artists
    recently-played     the tracks the listener streamed last
    new-from-followed   new releases (90 days) of the artists they follow that they may play here
    popular             the chart of their country (or the world's), as tracks; before there is
                        one, the week's most streamed tracks there (or everywhere)
    because-you-liked   recommendations seeded by a track they liked or played much lately
    charts              the chart playlists with something in them for this listener
An anonymous visitor gets the popular shelf and the charts.

The charts are shared by everyone in a country; what is particular to this listener (their market
and tier, their explicit-content setting) is applied here, to what the shelves show of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django_countries import countries

from apps.catalog.availability import Listener
from apps.catalog.models import Album
from apps.catalog.selectors import albums_new_by_artists_for, playable_track_facts
from apps.catalog.track_rows import ready_tracks_to_render
from apps.common.uris import build_uri
from apps.playback.events.selectors import recently_played
from apps.playback.events.shelves import popular_now_ids
from apps.playlists.selectors import followed_artist_ids, playlist_track_ids, playlists_with_counts
from apps.recommendations import signals
from apps.recommendations.engine import Ask, recommend
from apps.recommendations.ml import rerank
from apps.recommendations.products.charts import charts_for
from apps.recommendations.products.mixes import daily_mixes, discover_weekly

SHELF = 10
NEW_RELEASE_WINDOW = timedelta(days=90)
POPULAR = "popular"
BECAUSE_CACHE_SECONDS = 1800


@dataclass
class Shelf:
    id: str
    title: str
    kind: str  # "playlists", "tracks" or "albums"
    items: list = field(default_factory=list)  # Playlist, Track (with relations) or Album rows
    context_uri: str = ""  # what the shelf's tracks play on through (the popular shelf: its chart)


def home_view(user, listener: Listener) -> list[Shelf]:
    shelves: list[Shelf] = []
    if user.is_authenticated and signals.has_taste(user):
        # Made for you needs something of theirs to go on (plays, likes, or artists picked at
        # sign-up); until then the popular shelf and the charts are the home.
        mixes = [discover_weekly(user), *daily_mixes(user)]
        shelves.append(Shelf("made-for-you", f"Made for {user.display_name}", "playlists", _listed(mixes)))
    allow_explicit = not (user.is_authenticated and user.explicit_filter)
    if user.is_authenticated:
        shelves.append(Shelf("recently-played", "Recently played", "tracks", _recent(user)))
        new = _new(user, listener)
        shelves.append(Shelf("new-from-followed", "New releases from artists you follow", "albums", new))
    charts = charts_for(country=listener.country, listener=listener, allow_explicit=allow_explicit)
    shelves.append(_popular(charts, listener, allow_explicit=allow_explicit))
    if user.is_authenticated:
        shelves.append(_because(user, listener))
    shelves.append(Shelf("charts", "Charts", "playlists", _listed(charts)))
    return [shelf for shelf in shelves if shelf is not None and shelf.items]


def _listed(playlists) -> list:
    """The playlists as the playlists app lists them (with their counts and cover), same order;
    an empty one (nothing made for this listener plays where they are) is not offered."""
    rows = playlists_with_counts().in_bulk([p.pk for p in playlists])
    return [rows[p.pk] for p in playlists if p.pk in rows and rows[p.pk].length]


def _tracks(ids: list[int]) -> list:
    rows = ready_tracks_to_render(ids)
    return [rows[pk] for pk in ids if pk in rows]


def _recent(user) -> list:
    seen: dict[int, object] = {}
    for play in recently_played(user=user, limit=SHELF * 3).plays:
        seen.setdefault(play.track.pk, play.track)
    return [track for track in seen.values() if track.is_ready][:SHELF]


def _new(user, listener: Listener) -> list[Album]:
    artists = followed_artist_ids(user)
    if not artists:
        return []
    since = timezone.localdate() - NEW_RELEASE_WINDOW
    return list(albums_new_by_artists_for(listener=listener, artist_ids=artists, since=since, limit=SHELF))


def _popular(charts, listener: Listener, *, allow_explicit: bool) -> Shelf:
    chart = next((c for c in charts if c.generator in (f"chart:country:{listener.country}", "chart:global")), None)
    if chart is None:
        return _popular_now(listener, allow_explicit=allow_explicit)
    ids = (playlist_track_ids(chart.owner, chart.public_id) or [])[: SHELF * 2]
    title = chart.name.replace("Top 50 – ", "Popular in ") if "country:" in chart.generator else "Popular now"
    tracks = _popular_tracks(ids, listener, allow_explicit=allow_explicit)
    return Shelf(POPULAR, title, "tracks", tracks, context_uri=build_uri("playlist", chart.public_id))


def _popular_now(listener: Listener, *, allow_explicit: bool) -> Shelf:
    """Until there is a chart (a young platform has none): the week's most streamed tracks where
    the listener is, so that a listener with no history still gets what is popular there. No
    chart stands behind it, so its rows play the shelf itself."""
    ids, local = popular_now_ids(listener.country)
    title = f"Popular in {countries.name(listener.country) or listener.country}" if local else "Popular now"
    return Shelf(POPULAR, title, "tracks", _popular_tracks(ids, listener, allow_explicit=allow_explicit))


def _popular_tracks(ids: list[int], listener: Listener, *, allow_explicit: bool) -> list:
    """Up to a shelf of `ids`, best first, under a chart's rules for this listener: what they may
    play and want, two tracks of an artist in any ten. A chart keeps that rule already, but leaving
    out what one listener may not play can bring an artist's tracks closer together."""
    wanted = playable_track_facts(ids, listener=listener, allow_explicit=allow_explicit)
    ranked = [track for track in ids if track in wanted]
    return _tracks(rerank.diversified(ranked, {track: wanted[track].artist_id for track in ranked}, limit=SHELF))


def _because(user, listener: Listener) -> Shelf | None:
    liked = signals.favourite_recent_track(user)
    if liked is None:
        return None
    # The shelf is a fresh recommendation, the costliest part of the page: kept for a while per
    # listener, seed, market and setting (the home is visited far more often than taste changes).
    key = f"home:because:{user.pk}:{liked.pk}:{listener.country}:{listener.premium}:{user.explicit_filter}"
    ids = cache.get(key)
    if ids is None:
        ask = Ask(
            listener=listener, user=user, seed_tracks=[liked.pk], limit=SHELF, allow_explicit=not user.explicit_filter
        )
        ids = recommend(ask).track_ids
        cache.set(key, ids, BECAUSE_CACHE_SECONDS)
    playable = playable_track_facts(ids, listener=listener)  # a cached list is checked again
    return Shelf(
        "because-you-liked", f"Because you liked {liked.title}", "tracks", _tracks([t for t in ids if t in playable])
    )
