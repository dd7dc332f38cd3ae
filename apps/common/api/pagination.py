"""Spotify paging objects: `{href, items, limit, next, offset, previous, total}`, every key always
present, `next`/`previous` absolute (clients fetch them verbatim), bad bounds a 400 naming them."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import QuerySet

from apps.common.errors import ApplicationError

MAX_OFFSET = 100_000


def int_param(request, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApplicationError(f"Invalid {name}: {raw!r} is not an integer.") from None
    if not low <= value <= high:
        raise ApplicationError(f"Invalid {name}: must be between {low} and {high}.")
    return value


def paging_params(request, *, default_limit: int = 20, max_limit: int = 50) -> tuple[int, int]:
    limit = int_param(request, "limit", default_limit, low=1, high=max_limit)
    offset = int_param(request, "offset", 0, low=0, high=MAX_OFFSET)
    return limit, offset


def _page_url(request, offset: int, limit: int, path: str | None) -> str:
    params = request.query_params.copy()
    params["offset"] = str(offset)
    params["limit"] = str(limit)
    base = request.build_absolute_uri(path or request.path)
    return base + "?" + urlencode(sorted(params.lists()), doseq=True)


def paging_object(request, *, items: list, total: int, limit: int, offset: int, path: str | None = None) -> dict:
    """`path`: where the pages are served when that is not the request's own path (a page embedded
    in another object, such as a playlist's first page of items)."""
    return {
        "href": _page_url(request, offset, limit, path),
        "items": items,
        "limit": limit,
        "next": _page_url(request, offset + limit, limit, path) if offset + limit < total else None,
        "offset": offset,
        "previous": _page_url(request, max(offset - limit, 0), limit, path) if offset > 0 else None,
        "total": total,
    }


def paginate(request, queryset: QuerySet | list, serialize, *, default_limit: int = 20, max_limit: int = 50) -> dict:
    """Slice `queryset` per the request's limit/offset and build the paging object."""
    limit, offset = paging_params(request, default_limit=default_limit, max_limit=max_limit)
    total = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
    rows = list(queryset[offset : offset + limit])
    return paging_object(request, items=serialize(rows), total=total, limit=limit, offset=offset)
