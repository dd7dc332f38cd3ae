"""The activity feed: what the listeners you follow played lately and the playlists they made.

It lives here, above playback and playlists, because it needs both (imports point down). What it
leaves out is decided where the data is written: plays reported in a private session are flagged
at ingest, and a listener who turned activity sharing off is not among anyone's followees here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.catalog.models import Track
from apps.playback.events.selectors import recent_streams_of
from apps.playlists.selectors import followed_user_ids, public_playlists_made_by

WINDOW = timedelta(days=14)
PLAYS_PER_PERSON = 5  # so that one busy listener does not fill the feed


@dataclass(frozen=True)
class Activity:
    kind: str  # "played" or "playlist"
    user: object
    at: datetime
    track: Track | None = None
    context_uri: str = ""
    playlist: object | None = None


def activity_feed(*, viewer, limit: int = 50) -> list[Activity]:
    """Newest first, at most `limit` items, in a fixed number of queries."""
    followees = followed_user_ids(viewer)
    if not followees:
        return []
    since = timezone.now() - WINDOW
    users = get_user_model().objects.in_bulk(followees)
    plays = recent_streams_of(user_ids=followees, since=since, per_user=PLAYS_PER_PERSON, limit=limit)
    tracks = Track.objects.with_relations().in_bulk({track_id for _, track_id, _, _ in plays})
    items = [
        Activity("played", users[user_id], played_at, track=tracks[track_id], context_uri=context_uri)
        for user_id, track_id, played_at, context_uri in plays
    ]
    for playlist in public_playlists_made_by(user_ids=followees, since=since, limit=limit):
        items.append(Activity("playlist", users[playlist.owner_id], playlist.created_at, playlist=playlist))
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]
