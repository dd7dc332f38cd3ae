"""`POST /v1/me/player/events` (play events in, a Streamify extension) and
`GET /v1/me/player/recently-played` (Spotify Web API; shapes in shared/SPOTIFY_API.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.country import request_country
from apps.catalog.api.rendering import full_tracks
from apps.common.errors import ApplicationError
from apps.common.uris import build_uri
from apps.playback.events import selectors
from apps.playback.events.checks import batch_check_size, datetime_from_ms, ms_from_datetime, parse_context_uri
from apps.playback.events.services import play_events_ingest

HISTORY_MAX_LIMIT = 50
HISTORY_DEFAULT_LIMIT = 20
CURSOR_MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z, the last instant a datetime holds
CONTEXT_PATHS = {"album": "albums", "artist": "artists", "playlist": "playlists", "track": "tracks"}


class PlayEventsView(APIView):
    @extend_schema(
        operation_id="post-play-events",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        description="A batch of 1 to 100 play events; each one is accepted, a duplicate, or rejected with a reason.",
    )
    def post(self, request):
        body = request.data
        if not isinstance(body, dict):
            raise ApplicationError('The body must be a JSON object: {"events": [...]}.')
        events = batch_check_size(body.get("events"))
        result = play_events_ingest(
            user=request.user, country=request_country(request), product=request.user.product, events=events
        )
        return Response(result)


def _ms_param(request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not raw.isascii() or not raw.isdigit():
        raise ApplicationError(f"Invalid {name}: {raw!r} is not a Unix timestamp in milliseconds.")
    value = int(raw)
    if value > CURSOR_MAX_MS:
        raise ApplicationError(f"Invalid {name}: must be between 0 and {CURSOR_MAX_MS}.")
    return datetime_from_ms(value)


def _limit_param(request) -> int:
    raw = request.query_params.get("limit")
    if raw in (None, ""):
        return HISTORY_DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise ApplicationError(f"Invalid limit: {raw!r} is not an integer.") from None
    if not 1 <= value <= HISTORY_MAX_LIMIT:
        raise ApplicationError(f"Invalid limit: must be between 1 and {HISTORY_MAX_LIMIT}.")
    return value


def _timestamp(value: datetime) -> str:
    """ISO 8601 in UTC to the millisecond, as Spotify writes `played_at`."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _context(request, uri: str) -> dict | None:
    if not uri:
        return None
    parsed = parse_context_uri(uri)
    # Rebuilt with the scheme configured now, whichever one the client sent.
    if parsed.type == "collection":
        return {
            "type": "collection",
            "uri": f"{build_uri('user', parsed.id)}:collection",
            "href": request.build_absolute_uri("/v1/me/tracks"),
            "external_urls": {"spotify": request.build_absolute_uri("/collection/tracks")},
        }
    return {
        "type": parsed.type,
        "uri": build_uri(parsed.type, parsed.id),
        "href": request.build_absolute_uri(f"/v1/{CONTEXT_PATHS[parsed.type]}/{parsed.id}"),
        "external_urls": {"spotify": request.build_absolute_uri(f"/{parsed.type}/{parsed.id}")},
    }


class RecentlyPlayedView(APIView):
    @extend_schema(
        operation_id="get-recently-played",
        parameters=[
            OpenApiParameter("limit", int, description="1 to 50, default 20."),
            OpenApiParameter("after", int, description="Unix ms: plays after this (exclusive)."),
            OpenApiParameter("before", int, description="Unix ms: plays before this (exclusive)."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        limit = _limit_param(request)
        after, before = _ms_param(request, "after"), _ms_param(request, "before")
        if after is not None and before is not None:
            raise ApplicationError("Give after or before, not both.")
        page = selectors.recently_played(user=request.user, limit=limit, after=after, before=before)

        tracks = full_tracks(request, [play.track for play in page.plays])
        items = [
            {"track": track, "played_at": _timestamp(play.played_at), "context": _context(request, play.context_uri)}
            for play, track in zip(page.plays, tracks, strict=True)
        ]
        newest = str(ms_from_datetime(page.plays[0].played_at)) if page.plays else None
        oldest = str(ms_from_datetime(page.plays[-1].played_at)) if page.plays else None
        next_url = None
        if page.has_older:
            query = urlencode({"before": oldest, "limit": limit})
            next_url = request.build_absolute_uri(request.path) + "?" + query
        return Response(
            {
                "href": request.build_absolute_uri(),
                "items": items,
                "limit": limit,
                "next": next_url,
                "cursors": {"after": newest, "before": oldest},
            }
        )
