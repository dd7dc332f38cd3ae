"""`snapshot_id`: an opaque string naming one version of one playlist.

It encodes the playlist's public id and version, so a request's snapshot can be mapped to the
playlist as it was then (apps.playlists.history) without a table of snapshots.
"""

from __future__ import annotations

import base64
import binascii

from apps.common.errors import ApplicationError


def snapshot_id(public_id: str, version: int) -> str:
    return base64.urlsafe_b64encode(f"{version}:{public_id}".encode()).decode().rstrip("=")


def snapshot_version(value: str, *, public_id: str, current: int) -> int:
    """The version a client's snapshot id names; a 400 for one that is not this playlist's."""
    if not isinstance(value, str) or len(value) > 64:
        raise ApplicationError("Invalid snapshot_id.")
    try:
        decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        version_text, _, owner_id = decoded.partition(":")
        version = int(version_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApplicationError("Invalid snapshot_id.") from None
    if owner_id != public_id or not 0 < version <= current:
        raise ApplicationError("Invalid snapshot_id: it is not a snapshot of this playlist.")
    return version
