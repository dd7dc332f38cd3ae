"""Request bodies as Spotify clients send them: spotipy sends `Content-Type: application/json` on
every call, bodiless ones included, so an empty body is an empty object."""

from __future__ import annotations

from apps.common.errors import ApplicationError


def json_object(request) -> dict:
    """The JSON object body, `{}` for none; a 400 for a body that is not an object."""
    data = request.data
    if data in (None, "") or data == {}:
        return {}
    if not isinstance(data, dict):
        raise ApplicationError("The body must be a JSON object.")
    return data
