"""The player in the Spotify shapes (shared/SPOTIFY_API.md): the state, devices, the queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from apps.catalog.api.rendering import full_tracks
from apps.catalog.availability import Listener
from apps.catalog.models import Track
from apps.common.uris import parse_uri
from apps.playback.models import Device, PlayerState
from apps.playback.player.services import position_now
from apps.playback.player.timeline import Timeline

CONTEXT_PATHS = {"album": "albums", "artist": "artists", "playlist": "playlists"}


def device_object(device: Device, *, active: bool) -> dict:
    return {
        "id": device.device_id,
        "is_active": active,
        "is_private_session": False,
        "is_restricted": False,
        "name": device.name,
        "type": device.type,
        "volume_percent": device.volume_percent if device.supports_volume else None,
        "supports_volume": device.supports_volume,
    }


def devices_object(state: PlayerState | None, devices: list[Device]) -> list[dict]:
    active = state.active_device_id if state else None
    return [device_object(d, active=d.pk == active) for d in sorted(devices, key=lambda d: (d.name, d.pk))]


def _context(request, uri: str) -> dict | None:
    if not uri:
        return None
    if uri.endswith(":collection"):  # liked songs: spotify:user:<id>:collection
        return {
            "type": "collection",
            "uri": uri,
            "href": request.build_absolute_uri("/v1/me/tracks"),
            "external_urls": {"spotify": request.build_absolute_uri("/collection/tracks")},
        }
    parsed = parse_uri(uri)
    return {
        "type": parsed.type,
        "uri": uri,
        "href": request.build_absolute_uri(f"/v1/{CONTEXT_PATHS[parsed.type]}/{parsed.id}"),
        "external_urls": {"spotify": request.build_absolute_uri(f"/{parsed.type}/{parsed.id}")},
    }


def render_item(request, track_pk: int, listener: Listener) -> tuple[dict, int] | None:
    """The full track object of the current item, with its duration; None if it is not ready."""
    track = Track.objects.ready().with_relations().filter(pk=track_pk).first()
    return (full_tracks(request, [track], market=listener)[0], track.duration_ms) if track else None


def state_object(
    request, state: PlayerState, *, listener: Listener, now: datetime, item_for: Callable | None = None
) -> dict | None:
    """Spotify's playback state, plus `version` (Streamify's, for devices to order updates).
    None when there is nothing to report (the API answers 204). `item_for(track_pk)` renders the
    current item as `render_item` does (broadcasts pass a cached one)."""
    timeline = Timeline.from_json(state.timeline)
    if state.active_device is None and timeline.current is None:
        return None
    rendered = None
    if timeline.current:
        rendered = item_for(timeline.current) if item_for else render_item(request, timeline.current, listener)
    item, duration_ms = rendered if rendered else (None, None)
    return {
        "device": device_object(state.active_device, active=True) if state.active_device else None,
        "repeat_state": str(timeline.repeat),
        "shuffle_state": timeline.shuffle,
        "context": _context(request, state.context_uri),
        "timestamp": int(now.timestamp() * 1000),
        "progress_ms": position_now(state, duration_ms, now) if item else None,
        "is_playing": state.is_playing,
        "item": item,
        "currently_playing_type": "track" if item else "unknown",
        "actions": {"disallows": {"pausing": not state.is_playing, "resuming": state.is_playing}},
        "version": state.version,
    }


def queue_object(request, state: PlayerState | None, *, listener: Listener) -> dict:
    timeline = Timeline.from_json(state.timeline if state else None)
    upcoming = timeline.upcoming(20)
    rows = {t.pk: t for t in Track.objects.ready().with_relations().filter(pk__in={timeline.current, *upcoming})}
    ordered = [rows[pk] for pk in upcoming if pk in rows]
    rendered = full_tracks(request, ordered, market=listener)
    current = full_tracks(request, [rows[timeline.current]], market=listener)[0] if timeline.current in rows else None
    return {"currently_playing": current, "queue": rendered}
