"""Websocket routes."""

from __future__ import annotations

from django.urls import path

from apps.playback.player.consumers import PlayerConsumer

websocket_urlpatterns: list = [
    path("ws/player/", PlayerConsumer.as_asgi()),
]
