from __future__ import annotations

from django_countries import countries

from apps.common.errors import ApplicationError


def country_param(request, name: str = "market") -> str | None:
    """An ISO 3166-1 alpha-2 code, or `from_token` (the user's own country), or None."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    if raw == "from_token":
        user = request.user
        return getattr(user, "country", None) or None
    code = raw.upper()
    if code not in countries:
        raise ApplicationError(f"Invalid {name}: {raw!r} is not an ISO 3166-1 alpha-2 country code.")
    return code
