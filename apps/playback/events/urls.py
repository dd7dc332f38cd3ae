from __future__ import annotations

from apps.common.api.routes import api_path
from apps.playback.events import api

urlpatterns = [
    *api_path("me/player/events", api.PlayEventsView.as_view(), "player-events"),
    *api_path("me/player/recently-played", api.RecentlyPlayedView.as_view(), "player-recently-played"),
]
