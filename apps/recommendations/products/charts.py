"""Trending charts: "Top 50" playlists per country, per genre and worldwide, ranked by streams of
the last week, each day's streams worth half those of the day after (a
one-day half-life, so what is rising now outranks what peaked last week), refreshed hourly by
Celery beat. They are public playlists owned by the platform's account, so anyone can open, play,
share and follow them.

A chart is made as the recommender's lists are, with at most two tracks of one artist in any ten
(`rerank.diversified`), and only of what plays in its country; it is the same playlist for
everyone there, so what differs per listener (their tier, their explicit-content setting) is
applied where it is shown to them: `charts_for` and the home view's popular shelf."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_countries import countries

from apps.catalog.availability import Listener
from apps.catalog.models import Genre
from apps.catalog.selectors import playable_track_facts
from apps.playback.events.selectors import daily_stream_counts
from apps.playlists.models import Playlist, PlaylistEntry
from apps.playlists.services import playlist_delete
from apps.recommendations import curator
from apps.recommendations.curator import generated_playlist, platform_account
from apps.recommendations.ml import rerank

CHART = "chart:"  # + "global", "country:FR" or "genre:<pk>"
SIZE = 50
WINDOW = timedelta(days=7)
HALF_LIFE_DAYS = 1.0
CANDIDATES = SIZE * 4  # room for what does not play there and for what the artist rule passes over
MIN_TRACKS = 10  # a country or genre with fewer charted tracks gets no chart (yet), or loses it
SHOWN_TOP = 10  # how much of a chart must hold something for a listener for it to be shown to them


def trending_scores(now=None) -> dict[str, dict[int, float]]:
    """chart key -> track id -> decayed streams, for every country, every genre and the world."""
    now = now or timezone.now()
    today = now.date()
    scores: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for country, track, day, streams in daily_stream_counts(since=now - WINDOW):
        weight = streams * math.pow(0.5, (today - day).days / HALF_LIFE_DAYS)
        scores["global"][track] += weight
        scores[f"country:{country}"][track] += weight
    return scores


def refresh_charts(now=None) -> list[Playlist]:
    """Remake every chart with at least `MIN_TRACKS` charted tracks, and retire the ones that no
    longer have them. Every list is worked out first; then one short transaction writes them, in
    the order of their generators (two refreshes at once lock the same rows in the same order):
    listeners see this hour's charts or the last hour's, never some of each, a refresh that fails
    part-way changes nothing, and chart rows are not held while the week's streams are counted."""
    scores = trending_scores(now)
    world = scores.get("global", {})
    genre_of = playable_track_facts(list(world), listener=None)
    by_genre: dict[str, dict[int, float]] = defaultdict(dict)
    for track, score in world.items():
        for genre in genre_of[track].genre_ids if track in genre_of else ():
            by_genre[f"genre:{genre}"][track] = score
    genres = dict(Genre.objects.values_list("pk", "name"))
    made: dict[str, tuple[str, list[int]]] = {}  # generator -> (name, tracks)
    for key, ranked in [*scores.items(), *by_genre.items()]:
        country = key.split(":", 1)[1] if key.startswith("country:") else None
        listener = Listener(country=country, premium=True) if country else None
        tracks = _top(ranked, listener)
        if tracks is None:
            continue
        if key == "global":
            name = "Top 50 – Global"
        elif country:
            name = f"Top 50 – {countries.name(country) or country}"
        else:
            name = f"Top 50 – {genres.get(int(key.split(':')[1]), 'Genre')}"
        made[f"{CHART}{key}"] = (name, tracks)
    with transaction.atomic():
        charts = [
            generated_playlist(
                generator=generator,
                made_for=None,
                name=name,
                description="The most played tracks right now, updated every hour.",
                track_ids=tracks,
                public=True,
            )
            for generator, (name, tracks) in sorted(made.items())
        ]
        _retire_charts(keep={chart.pk for chart in charts})
    return charts


def _top(ranked: dict[int, float], listener: Listener | None) -> list[int] | None:
    """The chart, in order: the best scored tracks that play there, at most two of one artist in
    any ten; None when fewer than `MIN_TRACKS` tracks charted (too little listening yet to call it
    a chart). That minimum counts what charted, before the artist rule: on a young catalog of few
    artists a chart is shorter, not missing."""
    order = sorted(ranked, key=lambda track: (-ranked[track], track))[:CANDIDATES]
    playable = playable_track_facts(order, listener=listener)  # a country's chart: what plays there
    charted = [track for track in order if track in playable]
    if len(charted) < MIN_TRACKS:
        return None
    return rerank.diversified(charted, {track: playable[track].artist_id for track in charted}, limit=SIZE)


def _retire_charts(*, keep: set[int]) -> None:
    """Delete the charts not remade this hour, as the Daily Mixes a listener no longer has are:
    left listed, they would go on showing last hour's tracks as "updated every hour". Should the
    chart qualify again, a new playlist is made for it."""
    platform = platform_account()
    charts = Playlist.live.filter(generator__startswith=CHART, made_for=None, owner=platform)  # only its own
    stale = list(charts.exclude(pk__in=keep).order_by("generator"))
    for chart in stale:  # through the playlists' own delete: it locks the row, as a refill does
        playlist_delete(actor=platform, playlist=chart)


def chart_playlists(*, country: str | None) -> list[Playlist]:
    """The charts to show someone in `country`: theirs first, then the world's, then the genres'."""
    ours = Playlist.live.filter(owner__email=curator.EMAIL)  # the platform's: nobody else's "chart:" playlist
    rows = list(ours.filter(generator__startswith=CHART, made_for=None, public=True))
    rank = {f"{CHART}country:{country}": 0, f"{CHART}global": 1}
    shown = [p for p in rows if p.generator in rank or p.generator.startswith(f"{CHART}genre:")]
    return sorted(shown, key=lambda p: (rank.get(p.generator, 2), p.name))


def charts_for(*, country: str | None, listener: Listener, allow_explicit: bool) -> list[Playlist]:
    """`chart_playlists` as shown to one listener: without the charts whose top holds nothing they
    may play (their market and tier) or want (explicit songs, with the filter on). The chart itself
    stays whole: it is one public playlist for everyone, read and played through the playlists app."""
    charts = chart_playlists(country=country)
    tops: dict[int, list[int]] = defaultdict(list)
    entries = PlaylistEntry.objects.filter(playlist__in=[chart.pk for chart in charts]).order_by("playlist_id", "key")
    for chart, track in entries.values_list("playlist_id", "track_id"):  # one query for every chart
        if len(tops[chart]) < SHOWN_TOP:
            tops[chart].append(track)
    wanted = playable_track_facts(
        [track for top in tops.values() for track in top], listener=listener, allow_explicit=allow_explicit
    )
    return [chart for chart in charts if any(track in wanted for track in tops[chart.pk])]
