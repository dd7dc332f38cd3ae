"""Trending charts: "Top 50" playlists per country, per genre and worldwide, ranked by streams of
the last week, each day's streams worth half those of the day after (a
one-day half-life, so what is rising now outranks what peaked last week), refreshed hourly by
Celery beat. They are public playlists owned by the platform's account, so anyone can open, play,
share and follow them."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta

from django.utils import timezone
from django_countries import countries

from apps.catalog.availability import Listener
from apps.catalog.models import Genre
from apps.catalog.selectors import playable_track_facts
from apps.playback.events.selectors import daily_stream_counts
from apps.playlists.models import Playlist
from apps.recommendations.curator import generated_playlist

CHART = "chart:"  # + "global", "country:FR" or "genre:<pk>"
SIZE = 50
WINDOW = timedelta(days=7)
HALF_LIFE_DAYS = 1.0
MIN_TRACKS = 10  # a country or genre with fewer charted tracks gets no chart (yet)


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
    scores = trending_scores(now)
    world = scores.get("global", {})
    genre_of = playable_track_facts(list(world), listener=None)
    by_genre: dict[str, dict[int, float]] = defaultdict(dict)
    for track, score in world.items():
        for genre in genre_of[track].genre_ids if track in genre_of else ():
            by_genre[f"genre:{genre}"][track] = score
    genres = dict(Genre.objects.values_list("pk", "name"))
    charts = []
    for key, ranked in [*scores.items(), *by_genre.items()]:
        country = key.split(":", 1)[1] if key.startswith("country:") else None
        listener = Listener(country=country, premium=True) if country else None
        tracks = _top(ranked, listener)
        if len(tracks) < MIN_TRACKS:
            continue
        if key == "global":
            name = "Top 50 – Global"
        elif country:
            name = f"Top 50 – {countries.name(country) or country}"
        else:
            name = f"Top 50 – {genres.get(int(key.split(':')[1]), 'Genre')}"
        charts.append(
            generated_playlist(
                generator=f"{CHART}{key}",
                made_for=None,
                name=name,
                description="The most played tracks right now, updated every hour.",
                track_ids=tracks,
                public=True,
            )
        )
    return charts


def _top(ranked: dict[int, float], listener: Listener | None) -> list[int]:
    order = sorted(ranked, key=lambda track: (-ranked[track], track))[: SIZE * 2]
    playable = playable_track_facts(order, listener=listener)  # a country's chart: what plays there
    return [track for track in order if track in playable][:SIZE]


def chart_playlists(*, country: str | None) -> list[Playlist]:
    """The charts to show someone in `country`: theirs first, then the world's, then the genres'."""
    rows = list(Playlist.live.filter(generator__startswith=CHART, made_for=None, public=True))
    rank = {f"{CHART}country:{country}": 0, f"{CHART}global": 1}
    shown = [p for p in rows if p.generator in rank or p.generator.startswith(f"{CHART}genre:")]
    return sorted(shown, key=lambda p: (rank.get(p.generator, 2), p.name))
