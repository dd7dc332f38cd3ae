"""The social pages, the sign-up artist picker and radio (namespace `social`)."""

from __future__ import annotations

from django.urls import path, re_path

from apps.recommendations import radio_views, views, welcome

PUBLIC_ID = r"(?P<public_id>[0-9A-Za-z]{22})"

app_name = "social"
urlpatterns = [
    path("feed", views.feed, name="feed"),
    re_path(rf"^user/{PUBLIC_ID}$", views.profile, name="profile"),
    re_path(rf"^user/{PUBLIC_ID}/follow$", views.profile_follow, name="follow"),
    path("welcome/artists", welcome.welcome_artists, name="welcome"),
    path("radio", radio_views.radio, name="radio"),
]
