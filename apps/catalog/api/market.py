"""The `market` parameter: whose availability a catalog response describes."""

from __future__ import annotations

from django_countries import countries

from apps.accounts.country import request_country
from apps.catalog.availability import Listener
from apps.common.errors import ApplicationError


def market_listener(request, *names: str) -> Listener | None:
    """None without a market (responses then carry `available_markets`); otherwise the listener
    the answer is for. A country code or `from_token`; as Spotify documents, with a user token the
    user's own country takes priority over the parameter (and a client cannot pick a market to
    see what plays there for that user)."""
    name, raw = next(((n, request.query_params.get(n)) for n in names or ("market",) if request.query_params.get(n)),
                     ("market", None))  # fmt: skip
    if not raw:
        return None
    user = request.user
    if raw == "from_token":
        if not user.is_authenticated:
            raise ApplicationError(f"{name}=from_token needs a user access token.")
    elif raw.upper() not in countries:
        raise ApplicationError(f"Invalid {name}: {raw!r} is not an ISO 3166-1 alpha-2 country code.")
    if user.is_authenticated:
        return Listener(country=request_country(request), premium=user.is_premium)
    return Listener(country=raw.upper(), premium=False)
