"""`GET /v1/recommendations` (Spotify's shape: seeds with their pool sizes, then full tracks) and
`GET /v1/recommendations/available-genre-seeds`."""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.country import request_country
from apps.catalog.api.market import market_listener
from apps.catalog.api.rendering import full_tracks
from apps.catalog.availability import Listener
from apps.catalog.models import Genre
from apps.catalog.selectors import artist_pks, ready_track_pks
from apps.catalog.track_rows import ready_tracks_to_render
from apps.common.api.pagination import int_param
from apps.common.errors import ApplicationError
from apps.common.ids import is_public_id
from apps.common.site import absolute_url
from apps.recommendations.engine import Ask, recommend
from apps.recommendations.tunables import distance_to_targets, parse_tunables, within

MAX_SEEDS = 5


def _listed(request, name: str) -> list[str]:
    return [part.strip() for part in request.query_params.get(name, "").split(",") if part.strip()]


@dataclass(frozen=True)
class _Seed:
    kind: str  # artist, track or genre, as Spotify's seed objects say it (upper-cased)
    id: str  # what the client sent: a public id, or a genre's slug
    pk: int


def _seeds(request) -> list[_Seed]:
    """The seeds in Spotify's order (artists, tracks, genres); each must exist."""
    track_ids, artist_ids, genre_names = (_listed(request, n) for n in ("seed_tracks", "seed_artists", "seed_genres"))
    count = len(track_ids) + len(artist_ids) + len(genre_names)
    if count == 0:
        raise ApplicationError("At least one seed is required: seed_tracks, seed_artists or seed_genres.")
    if count > MAX_SEEDS:
        raise ApplicationError(f"Too many seeds: at most {MAX_SEEDS} of seed_tracks, seed_artists and seed_genres.")
    for value in (*track_ids, *artist_ids):
        if not is_public_id(value):
            raise ApplicationError(f"Invalid base62 id: {value!r}.")
    asked = {"artist": artist_ids, "track": track_ids, "genre": genre_names}
    found = {
        "artist": artist_pks(artist_ids) if artist_ids else {},
        "track": ready_track_pks(track_ids) if track_ids else {},
        "genre": dict(Genre.objects.filter(slug__in=genre_names).values_list("slug", "pk")) if genre_names else {},
    }
    seeds = []
    for kind, values in asked.items():
        missing = [value for value in values if value not in found[kind]]
        if missing:
            raise ApplicationError(f"Invalid seed: no {kind} {missing[0]!r}.")
        seeds.extend(_Seed(kind, value, found[kind][value]) for value in values)
    return seeds


def _seed_object(request, seed: _Seed, answer) -> dict:
    href = absolute_url(request, f"/v1/{seed.kind}s/{seed.id}") if seed.kind != "genre" else None
    return {
        "id": seed.id,
        "type": seed.kind.upper(),
        "href": href,
        "initialPoolSize": answer.pool_size,
        "afterFilteringSize": answer.playable_size,
        "afterRelinkingSize": answer.playable_size,
    }


class RecommendationsView(APIView):
    @extend_schema(operation_id="get-recommendations", responses={200: dict})
    def get(self, request):
        limit = int_param(request, "limit", 20, low=1, high=100)
        market = market_listener(request)
        seeds = _seeds(request)
        tunables = parse_tunables(request.query_params)
        user = request.user
        listener = market or Listener(country=request_country(request), premium=user.is_premium)
        answer = recommend(
            Ask(
                listener=listener,
                user=user,
                seed_tracks=[seed.pk for seed in seeds if seed.kind == "track"],
                seed_artists=[seed.pk for seed in seeds if seed.kind == "artist"],
                seed_genres=[seed.pk for seed in seeds if seed.kind == "genre"],
                limit=limit,
                skip_recent=False,  # an integrator asked for tracks like the seeds, not for a session
                allow_explicit=not user.explicit_filter,
                accept=within(tunables),
                closeness=distance_to_targets(tunables),
            )
        )
        rows = ready_tracks_to_render(answer.track_ids)
        ordered = [rows[pk] for pk in answer.track_ids if pk in rows]
        return Response(
            {
                "seeds": [_seed_object(request, seed, answer) for seed in seeds],
                "tracks": full_tracks(request, ordered, market=market),
            }
        )


class GenreSeedsView(APIView):
    @extend_schema(operation_id="get-recommendation-genres", responses={200: dict})
    def get(self, request):
        return Response({"genres": list(Genre.objects.order_by("slug").values_list("slug", flat=True))})
