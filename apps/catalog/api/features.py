"""`GET /v1/audio-features/{id}` and `GET /v1/audio-features?ids=` in the Spotify Web API's shape.

Spotify's fields that we measure (danceability, energy, key, loudness, mode, tempo,
time_signature; `apps.catalog.media.features` says how), plus our spectral measurements under
their own names. Spotify's machine-learned judgements (acousticness, instrumentalness, liveness,
speechiness, valence) are left out rather than made up, and so is `analysis_url`: there is no
audio-analysis endpoint for it to point at.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.country import request_country
from apps.catalog.features import audio_features_visible
from apps.catalog.media.features import FEATURE_NAMES
from apps.catalog.models import AudioFeatures, Track
from apps.catalog.selectors import require_public_id
from apps.common.api.ids import ids_param
from apps.common.errors import NotFound
from apps.common.uris import build_uri

MAX_IDS = 100  # Spotify's limit for this endpoint


def audio_features_object(request, track: Track, features: AudioFeatures) -> dict:
    return {
        **{name: getattr(features, name) for name in FEATURE_NAMES},
        "duration_ms": track.duration_ms,
        "id": track.public_id,
        "uri": build_uri("track", track.public_id),
        "track_href": request.build_absolute_uri(f"/v1/tracks/{track.public_id}"),
        "type": "audio_features",
    }


class AudioFeaturesView(APIView):
    @extend_schema(operation_id="get-audio-features", responses={200: dict})
    def get(self, request, track_id: str):
        found = audio_features_visible([require_public_id(track_id)], country=request_country(request))
        if track_id not in found:
            raise NotFound("Non existing id: track not found.")
        track, features = found[track_id]
        if features is None:
            # Ready, but analysis has not run (it is queued, or the audio had nothing to measure).
            raise NotFound("The audio features of this track have not been measured yet.")
        return Response(audio_features_object(request, track, features))


class SeveralAudioFeaturesView(APIView):
    @extend_schema(
        operation_id="get-several-audio-features",
        parameters=[OpenApiParameter("ids", str, description="Comma-separated base62 ids, at most 100.")],
        responses={200: dict},
    )
    def get(self, request):
        ids = ids_param(request, maximum=MAX_IDS)
        found = audio_features_visible(ids, country=request_country(request))
        items = []
        for public_id in ids:  # in the order asked, null where there is nothing to show
            track, features = found.get(public_id, (None, None))
            items.append(audio_features_object(request, track, features) if features is not None else None)
        return Response({"audio_features": items})
