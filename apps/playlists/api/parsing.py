"""The request shapes real clients send for playlist items (shared/SPOTIFY_API.md): URIs as a bare
JSON array, as `{"uris": [...], "position": n}` or as `?uris=a,b&position=n`; removals under
`tracks` (spotipy 2.25) or `items` (2.26)."""

from __future__ import annotations

from django.conf import settings

from apps.common.api.bodies import json_object
from apps.common.errors import ApplicationError
from apps.common.uris import parse_uri
from apps.playlists.services import RemoveItem


def track_ids(uris) -> list[str]:
    """Track ids from URIs; a 400 naming every malformed one (and nothing is written)."""
    if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
        raise ApplicationError("uris must be a list of track URIs.")
    if len(uris) > settings.PLAYLIST_MAX_ENTRIES:
        raise ApplicationError(f"Too many items: at most {settings.PLAYLIST_MAX_ENTRIES} in one request.")
    ids, bad = [], []
    for uri in uris:
        try:
            ids.append(parse_uri(uri, expected=("track",)).id)
        except ApplicationError:
            bad.append(uri)
    if bad:
        shown = ", ".join(repr(u[:100]) for u in bad[:10])
        more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
        raise ApplicationError(f"Invalid track URI(s): {shown}{more}. Nothing was changed.")
    return ids


def _query_uris(request) -> list[str] | None:
    raw = request.query_params.get("uris")
    if raw is None:
        return None
    return [part for part in raw.split(",") if part]


def _position(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise ApplicationError(f"Invalid position: {value!r} is not an integer.") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApplicationError("position must be an integer.")
    return value


def items_to_add(request) -> tuple[list[str], int | None]:
    """(track ids, position) from any of the three shapes."""
    data = request.data
    if isinstance(data, list):
        return track_ids(data), _position(request.query_params.get("position"))
    body = json_object(request)
    uris = body.get("uris")
    if uris is None:
        uris = _query_uris(request)
    if uris is None:
        raise ApplicationError('Missing uris: send them as a JSON array, in {"uris": [...]} or as ?uris=.')
    position = body["position"] if "position" in body else request.query_params.get("position")
    return track_ids(uris), _position(position)


def uris_to_replace(request) -> list[str] | None:
    """The URIs of a replace (PUT with `uris` in the body or the query), None for a reorder."""
    body = json_object(request)
    if "uris" in body:
        return track_ids(body["uris"])
    uris = _query_uris(request)
    if uris is not None and "range_start" not in body:
        return track_ids(uris)
    return None


def items_to_remove(request) -> tuple[list[RemoveItem], str | None]:
    body = json_object(request)
    listed = body.get("items", body.get("tracks"))
    if not isinstance(listed, list) or not listed:
        raise ApplicationError('Missing items: send {"items": [{"uri": ...}, ...]} (or "tracks").')
    if len(listed) > settings.PLAYLIST_MAX_ENTRIES:
        raise ApplicationError(f"Too many items: at most {settings.PLAYLIST_MAX_ENTRIES} in one request.")
    if not all(isinstance(item, dict) and isinstance(item.get("uri"), str) for item in listed):
        raise ApplicationError("Each item must be an object with a track uri.")
    ids = track_ids([item["uri"] for item in listed])
    removals = []
    for track_id, item in zip(ids, listed, strict=True):
        positions = item.get("positions")
        if positions is not None:
            if not isinstance(positions, list) or not all(
                isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in positions
            ):
                raise ApplicationError("positions must be a list of non-negative integers.")
            positions = tuple(positions)
        removals.append(RemoveItem(track_id=track_id, positions=positions))
    snapshot = body.get("snapshot_id")
    if snapshot is not None and not isinstance(snapshot, str):
        raise ApplicationError("snapshot_id must be a string.")
    return removals, snapshot
