"""Playlist continuation: "recommended songs" for a playlist, like its tracks and not in it.

The product's rules are every product's (`apps.recommendations.engine.Ask`'s defaults): nothing
the listener played in the last day, at most two tracks of an artist in any ten, and the
exploration share from next to the playlist's genres."""

from __future__ import annotations

from apps.catalog.availability import Listener
from apps.playlists.access import playlist_not_found
from apps.playlists.selectors import playlist_track_ids
from apps.recommendations.engine import Ask, recommend

SEEDS = 50  # the playlist's most recent additions carry its current direction


def playlist_recommendations(user, playlist_id: str, *, listener: Listener, limit: int = 10) -> list[int]:
    tracks = playlist_track_ids(user, playlist_id)
    if tracks is None:
        raise playlist_not_found()  # one the user may not see does not exist for them
    if not tracks:
        return []
    ask = Ask(
        listener=listener,
        user=user if user.is_authenticated else None,
        seed_tracks=tracks[-SEEDS:],
        limit=limit,
        exclude=set(tracks),
        allow_explicit=not (user.is_authenticated and user.explicit_filter),
    )
    return recommend(ask).track_ids
