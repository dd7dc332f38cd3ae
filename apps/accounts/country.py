"""Where a listener is: the country that decides what may play.

The profile's country, overridden only by a header that a trusted fronting proxy sets (from GeoIP,
say) and that arrives from one of `TRUSTED_PROXIES`. A header from anyone else is ignored: it is a
value the client controls, and a client must not be able to move itself into another market.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django_countries import countries


@lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]):
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _from_trusted_proxy(meta) -> str | None:
    """The country header of a request's META (or the same built from an ASGI scope), if a
    trusted proxy sent it."""
    header = settings.COUNTRY_HEADER
    if not header:
        return None
    raw = meta.get("HTTP_" + header.upper().replace("-", "_"), "")
    if not raw:
        return None
    try:
        peer = ipaddress.ip_address(meta.get("REMOTE_ADDR", ""))
    except ValueError:
        return None
    if not any(peer in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES))):
        return None
    code = raw.strip().upper()
    return code if code in countries else None


def _profile_country(user) -> str:
    profile = getattr(user, "country", None) if user is not None and user.is_authenticated else None
    return str(profile or settings.DEFAULT_COUNTRY)


def request_country(request, user=None) -> str:
    """The listener's country for this request (ISO 3166-1 alpha-2)."""
    user = user if user is not None else getattr(request, "user", None)
    return _from_trusted_proxy(request.META) or _profile_country(user)


def scope_country(scope, user) -> str:
    """The same for a websocket connection, from its ASGI scope (the handshake's headers and
    peer, as Django builds META from them for HTTP)."""
    return scope_proxy_country(scope) or _profile_country(user)


def scope_proxy_country(scope) -> str | None:
    """The trusted proxy's country for an ASGI connection, if one sent it: for what is served
    without a User instance, which then falls back to the profile's column or DEFAULT_COUNTRY."""
    meta = {"HTTP_" + name.decode("latin-1").upper().replace("-", "_"): value.decode("latin-1")
            for name, value in scope.get("headers", [])}  # fmt: skip
    client = scope.get("client")
    meta["REMOTE_ADDR"] = client[0] if client else ""
    return _from_trusted_proxy(meta)
