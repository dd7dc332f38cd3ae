from __future__ import annotations

from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "apps.recommendations"
    label = "recommendations"

    def ready(self) -> None:
        from apps.catalog.contexts import register_context_extender
        from apps.catalog.home import register_home_view
        from apps.recommendations.home_page import home_page_shelves
        from apps.recommendations.products.radio import extend_station

        register_context_extender("playlist", extend_station)  # radio stations grow as they play
        register_home_view(home_page_shelves)  # the web home page shows the home view's shelves
