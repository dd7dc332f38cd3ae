from __future__ import annotations

from apps.common.api.routes import api_path
from apps.playback.player import api

urlpatterns = [
    *api_path("me/player", api.PlayerView.as_view(), "player"),
    *api_path("me/player/currently-playing", api.CurrentlyPlayingView.as_view(), "player-currently-playing"),
    *api_path("me/player/devices", api.DevicesView.as_view(), "player-devices"),
    *api_path("me/player/play", api.PlayView.as_view(), "player-play"),
    *api_path("me/player/pause", api.PauseView.as_view(), "player-pause"),
    *api_path("me/player/next", api.NextView.as_view(), "player-next"),
    *api_path("me/player/previous", api.PreviousView.as_view(), "player-previous"),
    *api_path("me/player/seek", api.SeekView.as_view(), "player-seek"),
    *api_path("me/player/repeat", api.RepeatView.as_view(), "player-repeat"),
    *api_path("me/player/shuffle", api.ShuffleView.as_view(), "player-shuffle"),
    *api_path("me/player/volume", api.VolumeView.as_view(), "player-volume"),
    *api_path("me/player/queue", api.QueueView.as_view(), "player-queue"),
]
