"""The playlists' and the library's web pages (namespace `playlists`); the API is in api/urls.py."""

from __future__ import annotations

from django.urls import path, re_path

from apps.playlists import views

# Public ids are 22 base62 characters (apps.common.ids); anything else is not a page (404).
PUBLIC_ID = r"(?P<public_id>[0-9A-Za-z]{22})"

app_name = "playlists"
urlpatterns = [
    path("collection", views.library_page, name="library"),
    path("collection/playlists", views.playlist_new, name="new"),
    path("collection/tracks", views.liked_songs, name="liked"),
    path("collection/tracks/rows", views.liked_rows, name="liked-rows"),
    re_path(rf"^playlist/{PUBLIC_ID}$", views.playlist_detail, name="playlist"),
    re_path(rf"^playlist/{PUBLIC_ID}/rows$", views.playlist_rows, name="rows"),
    re_path(rf"^playlist/{PUBLIC_ID}/join$", views.playlist_join, name="join"),
]
