from __future__ import annotations

from django.urls import path

from apps.catalog import studio_views

app_name = "studio"
urlpatterns = [
    path("", studio_views.index, name="index"),
    path("artists/new", studio_views.artist_create_view, name="artist_create"),
    path("uploads", studio_views.uploads_partial, name="uploads"),
    path("uploads/new", studio_views.upload_create_view, name="upload_create"),
]
