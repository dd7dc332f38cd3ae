from __future__ import annotations

from django.urls import path, re_path

from apps.playback.streaming import views

app_name = "stream"

# Mounted at /stream/ by streamify/urls.py: `/stream/<signature>/<expires>/<asset>/<file>`
# (apps/playback/streaming/signing.py). The parts are checked by signing.verify(), not here, so
# that a malformed URL is refused the way nginx refuses it.
urlpatterns = [
    path("<str:sig>/<str:expires>/<str:asset>/<path:file>", views.stream_file, name="file"),
    re_path(r"^(?P<rest>.*)$", views.stream_not_found),
]
