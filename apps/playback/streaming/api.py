"""`GET /v1/tracks/{id}/stream`: a Streamify extension (Spotify has no such call) answering a
playable track with a signed, expiring master playlist URL and what a player needs to normalise
loudness."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.country import request_country
from apps.catalog.api.representations import track_link
from apps.catalog.selectors import require_public_id
from apps.playback.streaming.grants import stream_grant


class TrackStreamView(APIView):
    @extend_schema(operation_id="get-track-stream", responses={200: dict})
    def get(self, request, track_id: str):
        grant = stream_grant(user=request.user, country=request_country(request), track_id=require_public_id(track_id))
        base = settings.STREAM_BASE_URL or request.build_absolute_uri("/").rstrip("/")
        body = {
            "id": grant.track.public_id,
            "url": f"{base}{grant.path}",
            "expires_at": grant.expires_at.isoformat().replace("+00:00", "Z"),
            "bitrates": grant.bitrates,
            "loudness_lufs": grant.track.loudness_lufs,
            "true_peak": grant.track.true_peak_dbtp,
        }
        if grant.linked_from is not None:
            body["linked_from"] = track_link(request, grant.linked_from)
        # A signed URL is a bearer credential: no cache may keep it.
        return Response(body, headers={"Cache-Control": "no-store"})
