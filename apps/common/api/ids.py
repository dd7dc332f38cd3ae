from __future__ import annotations

from apps.common.errors import ApplicationError
from apps.common.ids import is_public_id


def ids_param(request, *, name: str = "ids", maximum: int = 50) -> list[str]:
    """Comma-separated base62 ids, as Spotify's `?ids=` takes them."""
    raw = request.query_params.get(name, "")
    return checked_ids([part.strip() for part in raw.split(",") if part.strip()], name=name, maximum=maximum)


def checked_ids(ids: list[str], *, name: str = "ids", maximum: int = 50) -> list[str]:
    """A list of ids from a query or a body: present, at most `maximum`, each base62."""
    if not ids:
        raise ApplicationError(f"Missing required parameter: {name}.")
    if len(ids) > maximum:
        raise ApplicationError(f"Too many ids requested: at most {maximum}.")
    bad = [value for value in ids if not is_public_id(value)]
    if bad:
        raise ApplicationError(f"Invalid base62 id: {bad[0]!r}.")
    return ids
