from __future__ import annotations

from functools import cache

from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password


class BearerAuthentication(JWTAuthentication):
    """JWT bearer tokens; a 401 carries `WWW-Authenticate: Bearer realm="api"` (RFC 6750)."""

    www_authenticate_realm = "api"


# --- The same checks without a request or a User instance ----------------------------------
# For an endpoint served in front of Django (apps/playback/events/collector.py). Each function is
# one step of BearerAuthentication.authenticate, with its errors, so the two cannot disagree.


USER_ID_FIELD = api_settings.USER_ID_FIELD  # the user's field a token's id claim names


@cache
def _bearer() -> BearerAuthentication:
    return BearerAuthentication()  # made on first use: it resolves the user model


def www_authenticate() -> str:
    return _bearer().authenticate_header(None)


def bearer_token(request) -> bytes | None:
    """The raw token of the request's `Authorization: Bearer <token>` header (read from META, as
    the authentication class reads it). None when the header is absent or names another scheme
    (another authentication may apply); AuthenticationFailed when it is malformed."""
    header = _bearer().get_header(request)
    return None if header is None else _bearer().get_raw_token(header)


def validated_token(raw_token: bytes) -> Token:
    """The token, its signature, type and expiry checked (no database); InvalidToken otherwise."""
    return _bearer().get_validated_token(raw_token)


def token_user_id(token: Token) -> str:
    try:
        return token[api_settings.USER_ID_CLAIM]
    except KeyError:
        raise InvalidToken("Token contained no recognizable user identification") from None


def user_checks(token: Token, *, found: bool, is_active: bool, password: str) -> None:
    """What `get_user` refuses once the user's row is read: no such user, an inactive one and,
    where CHECK_REVOKE_TOKEN is on, a token from before a password change."""
    if not found:
        raise AuthenticationFailed("User not found", code="user_not_found")
    if api_settings.CHECK_USER_IS_ACTIVE and not is_active:
        raise AuthenticationFailed("User is inactive", code="user_inactive")
    revoked = api_settings.CHECK_REVOKE_TOKEN and (
        token.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(password)
    )
    if revoked:
        raise AuthenticationFailed("The user's password has been changed.", code="password_changed")
