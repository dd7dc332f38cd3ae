"""Playable contexts that apps above the catalog own (playlists), for the player to start.

The player (playback) and playlists sit side by side above the catalog, and imports point down
(DESIGN.md), so neither imports the other: playlists registers a resolver here from its
AppConfig.ready(), and the player asks. A resolver takes the user and the context's public id and
returns the track pks in play order, or None when there is no such context for that user (one
they may not see included: the same 404).
"""

from __future__ import annotations

from collections.abc import Callable

ContextResolver = Callable[[object, str], list[int] | None]
_resolvers: dict[str, ContextResolver] = {}


def register_context(kind: str, resolver: ContextResolver) -> None:
    _resolvers[kind] = resolver


def resolve_context(kind: str, user, public_id: str) -> list[int] | None:
    resolver = _resolvers.get(kind)
    return resolver(user, public_id) if resolver else None


# A context that grows as it plays (a radio station): when the player comes within a few tracks
# of its end, it asks the context's extender for more. An extender takes the user, the context's
# public id and the track pks the player holds, and returns the pks to append ([] for none).
ContextExtender = Callable[[object, str, list[int]], list[int]]
_extenders: dict[str, ContextExtender] = {}


def register_context_extender(kind: str, extender: ContextExtender) -> None:
    _extenders[kind] = extender


def extend_context(kind: str, user, public_id: str, playing: list[int]) -> list[int]:
    extender = _extenders.get(kind)
    return extender(user, public_id, playing) if extender else []
