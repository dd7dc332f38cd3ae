from __future__ import annotations

from django.urls import path, re_path

from apps.catalog import views

# Public ids are 22 base62 characters (apps.common.ids); anything else is not a page (404).
PUBLIC_ID = r"(?P<public_id>[0-9A-Za-z]{22})"

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search, name="search"),
    re_path(rf"^album/{PUBLIC_ID}$", views.album_detail, name="album"),
    re_path(rf"^artist/{PUBLIC_ID}$", views.artist_detail, name="artist"),
    re_path(rf"^track/{PUBLIC_ID}$", views.track_detail, name="track"),
]
