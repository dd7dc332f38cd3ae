"""Where a listener is: the country that decides what may play.

The profile's country, overridden only by a header that a trusted fronting proxy sets (from GeoIP,
say) and that arrives from one of `TRUSTED_PROXIES`. A header from anyone else is ignored: it is a
value the client controls, and a client must not be able to move itself into another market.
"""

from __future__ import annotations

import io
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django_countries import countries


@lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]):
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def proxy_country(meta) -> str | None:
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
    return proxy_country(request.META) or _profile_country(user)


def scope_country(scope, user) -> str:
    """The same for a websocket connection, from its ASGI scope: its headers read as Django reads
    an HTTP request's (repeats joined, names with an underscore dropped so that `X_Country`
    cannot stand in for `X-Country`)."""
    meta = ASGIRequest({**scope, "method": "GET"}, io.BytesIO()).META  # a handshake is a GET
    return proxy_country(meta) or _profile_country(user)
