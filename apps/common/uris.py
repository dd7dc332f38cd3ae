"""Spotify-style URIs: `<scheme>:<type>:<id>`.

We emit the configured scheme (default `spotify`, because Spotify clients validate URIs against
it) and accept both `spotify:` and `streamify:` on input.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from apps.common.errors import ApplicationError
from apps.common.ids import is_public_id

URI_TYPES = ("track", "album", "artist", "playlist", "user", "show", "episode", "audiobook")


@dataclass(frozen=True)
class ParsedUri:
    type: str
    id: str


def build_uri(kind: str, public_id: str) -> str:
    return f"{settings.URI_SCHEME}:{kind}:{public_id}"


def parse_uri(value: str, *, expected: tuple[str, ...] | None = None) -> ParsedUri:
    parts = value.split(":")
    if len(parts) != 3 or parts[0] not in settings.URI_SCHEMES_ACCEPTED:
        raise ApplicationError(f"Invalid URI {value!r}: expected <scheme>:<type>:<id>.")
    _, kind, public_id = parts
    if kind not in URI_TYPES or not is_public_id(public_id):
        raise ApplicationError(f"Invalid URI {value!r}.")
    if expected and kind not in expected:
        raise ApplicationError(f"Invalid URI {value!r}: expected a {' or '.join(expected)} URI.")
    return ParsedUri(type=kind, id=public_id)
