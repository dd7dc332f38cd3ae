"""Celery entry points. They take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from apps.playlists.covers import cover_refresh


@shared_task(name="playlists.refresh_cover", acks_late=True)
def refresh_cover(playlist_pk: int) -> None:
    cover_refresh(playlist_pk=playlist_pk)
