"""OpenAPI schema hooks (drf-spectacular)."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


def drop_trailing_slash_twins(endpoints):
    """Every route is served with and without a trailing slash (apps.common.api.routes); the schema
    documents each once, without it."""
    return [endpoint for endpoint in endpoints if not endpoint[0].endswith("/")]


class BearerScheme(SimpleJWTScheme):
    """Documents BearerAuthentication (a JWTAuthentication subclass) as the bearer scheme."""

    target_class = "apps.common.api.auth.BearerAuthentication"
    name = "bearer"
