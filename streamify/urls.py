from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from apps.catalog.views import artwork
from apps.common.api.routes import api_path

api_patterns = [
    *include("apps.accounts.api_urls")[0].urlpatterns,
    *include("apps.catalog.api.urls")[0].urlpatterns,
    *include("apps.rights.api_urls")[0].urlpatterns,
    *include("apps.playback.streaming.api_urls")[0].urlpatterns,
    *include("apps.playback.events.urls")[0].urlpatterns,
    *include("apps.playback.player.urls")[0].urlpatterns,
    *include("apps.playlists.api.urls")[0].urlpatterns,
    *include("apps.recommendations.urls")[0].urlpatterns,
    *api_path("schema", SpectacularAPIView.as_view(), "schema"),
    *api_path("docs", SpectacularSwaggerView.as_view(url_name="api:schema"), "docs"),
    *api_path("redoc", SpectacularRedocView.as_view(url_name="api:schema"), "redoc"),
]

urlpatterns = [
    path("v1/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("studio/", include("apps.catalog.studio_urls")),
    # Signed media: the same URLs nginx validates and caches in front of us (docker/nginx/).
    path("stream/", include("apps.playback.streaming.urls")),
    path("", include("apps.playlists.urls")),  # /collection, /playlist/<id>
    path("", include("apps.recommendations.web_urls")),  # /feed, /user/<id>
    path("", include("apps.catalog.urls")),
]

if settings.MEDIA_STORAGE == "filesystem":
    # Public artwork only. Masters and HLS ladders are never served from here: audio leaves the
    # platform through signed, expiring stream URLs.
    # The pattern names exactly the files artwork_store writes: no dots, no slashes, no escapes that
    # serve() would normalise into another folder (masters/ and audio/ are never reachable).
    urlpatterns.append(
        re_path(
            r"^media/images/(?P<path>(?:albums|artists|playlists)/[A-Za-z0-9]{10}-\d{2,3}\.jpg)$",
            artwork,
        )
    )

handler400 = "apps.common.http.bad_request"
handler404 = "apps.common.http.page_not_found"
handler500 = "apps.common.http.server_error"
