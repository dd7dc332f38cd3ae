"""Writing the availability read model. Only rights calls this, inside the transaction that
changes a licence or a takedown, so readers never see a decision without its rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from apps.catalog.freshness import bump_catalog_version
from apps.catalog.models import AvailabilityKind, TrackAvailability


@dataclass(frozen=True)
class AvailabilityRule:
    territory: str  # ISO 3166-1 alpha-2, or models.WORLDWIDE
    kind: AvailabilityKind
    starts_at: datetime | None
    ends_at: datetime | None
    source: str


@transaction.atomic
def availability_replace(*, rules_by_track: dict[int, list[AvailabilityRule]]) -> None:
    """Make each given track's rows exactly these rules."""
    if not rules_by_track:
        return
    TrackAvailability.objects.filter(track_id__in=list(rules_by_track)).delete()
    TrackAvailability.objects.bulk_create(
        TrackAvailability(
            track_id=track_id,
            territory=rule.territory,
            kind=rule.kind,
            starts_at=rule.starts_at,
            ends_at=rule.ends_at,
            source=rule.source[:64],
        )
        for track_id, rules in rules_by_track.items()
        for rule in rules
    )
    bump_catalog_version()
