"""Rights objects for the staff API, in the house JSON style."""

from __future__ import annotations

from apps.catalog.models import TrackAvailability
from apps.common.uris import build_uri
from apps.rights.models import AuditEntry, Licence, Takedown


def _when(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def _target(kind: str, row) -> dict | None:
    return (
        {"id": row.public_id, "uri": build_uri(kind, row.public_id), "name": getattr(row, "title", "")} if row else None
    )


def _user(user) -> dict | None:
    return {"id": user.public_id, "uri": build_uri("user", user.public_id)} if user else None


def licence_object(request, licence: Licence) -> dict:
    return {
        "id": licence.public_id,
        "type": "licence",
        "href": request.build_absolute_uri(f"/v1/rights/licences/{licence.public_id}"),
        "track": _target("track", licence.track),
        "album": _target("album", licence.album),
        "kind": licence.kind,
        "territories": licence.territories,
        "premium_only": licence.premium_only,
        "valid_from": _when(licence.valid_from),
        "valid_until": _when(licence.valid_until),
        "reference": licence.reference,
        "created_by": _user(licence.created_by),
        "created_at": _when(licence.created_at),
        "updated_at": _when(licence.updated_at),
    }


def takedown_object(request, takedown: Takedown) -> dict:
    return {
        "id": takedown.public_id,
        "type": "takedown",
        "href": request.build_absolute_uri(f"/v1/rights/takedowns/{takedown.public_id}"),
        "track": _target("track", takedown.track),
        "territories": takedown.territories,
        "reason": takedown.reason,
        "active": takedown.is_active,
        "created_by": _user(takedown.created_by),
        "created_at": _when(takedown.created_at),
        "lifted_by": _user(takedown.lifted_by),
        "lifted_at": _when(takedown.lifted_at),
        "lift_reason": takedown.lift_reason,
    }


def availability_rule_object(row: TrackAvailability) -> dict:
    return {
        "territory": row.territory,
        "kind": row.kind,
        "starts_at": _when(row.starts_at),
        "ends_at": _when(row.ends_at),
        "source": row.source,
    }


def audit_object(entry: AuditEntry) -> dict:
    return {
        "action": entry.action,
        "subject": entry.subject,
        "actor": _user(entry.actor),
        "track": _target("track", entry.track),
        "album": _target("album", entry.album),
        "details": entry.details,
        "at": _when(entry.at),
    }
