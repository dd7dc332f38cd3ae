from __future__ import annotations

app_name = "studio"
urlpatterns: list = []
