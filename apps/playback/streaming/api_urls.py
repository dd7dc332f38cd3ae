from __future__ import annotations

from apps.common.api.routes import api_path
from apps.playback.streaming.api import TrackStreamView

urlpatterns = [
    *api_path("tracks/<str:track_id>/stream", TrackStreamView.as_view(), "track-stream"),
]
