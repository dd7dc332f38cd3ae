from __future__ import annotations

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"

    def ready(self) -> None:
        from apps.common.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from apps.common.lookups import register_lookups

        register_lookups()
