"""Websocket routes. The player's consumer joins here when the playback issue lands."""

from __future__ import annotations

websocket_urlpatterns: list = []
