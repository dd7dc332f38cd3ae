from __future__ import annotations

from apps.common.api.routes import api_path
from apps.recommendations import api

urlpatterns = [
    *api_path("me/feed", api.FeedView.as_view(), "feed"),
]
