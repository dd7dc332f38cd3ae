from __future__ import annotations

from apps.accounts import api
from apps.common.api.routes import api_path

urlpatterns = [
    *api_path("auth/token", api.TokenObtainView.as_view(), "token"),
    *api_path("auth/token/refresh", api.TokenRefresh.as_view(), "token-refresh"),
    *api_path("auth/register", api.RegisterView.as_view(), "register"),
    *api_path("me", api.MeView.as_view(), "me"),
    *api_path("me/privacy", api.PrivacyView.as_view(), "privacy"),
]
