from __future__ import annotations

from rest_framework_simplejwt.authentication import JWTAuthentication


class BearerAuthentication(JWTAuthentication):
    """JWT bearer tokens; a 401 carries `WWW-Authenticate: Bearer realm="api"` (RFC 6750)."""

    www_authenticate_realm = "api"
