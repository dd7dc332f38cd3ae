"""From rights decisions to availability rules: pure, so every rule of precedence is testable
without a database.

- A track's own licences decide for it; without any, its album's licences do; without those
  either, the default holds: available worldwide from its release date (an artist's own upload).
- A grant without a start begins at the release date: scheduled releases appear on time.
- An active takedown adds a takedown rule per territory, from now until it is lifted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from apps.catalog.models import WORLDWIDE, AvailabilityKind
from apps.catalog.services.availability import AvailabilityRule
from apps.rights.models import Licence, LicenceKind, Takedown

DEFAULT_SOURCE = "default:release"


def release_start(release_date: date) -> datetime:
    return datetime.combine(release_date, time.min, tzinfo=UTC)


def _licence_rules(licence: Licence, released_at: datetime) -> list[AvailabilityRule]:
    if licence.kind == LicenceKind.BLOCK:
        kind, starts = AvailabilityKind.BLOCK, licence.valid_from
    else:
        kind = AvailabilityKind.GRANT_PREMIUM if licence.premium_only else AvailabilityKind.GRANT
        starts = licence.valid_from or released_at
    return [
        AvailabilityRule(territory, kind, starts, licence.valid_until, f"licence:{licence.public_id}")
        for territory in licence.territories
    ]


def project_track(
    *,
    release_date: date,
    track_licences: Iterable[Licence],
    album_licences: Iterable[Licence],
    takedowns: Iterable[Takedown],
) -> list[AvailabilityRule]:
    released_at = release_start(release_date)
    licences = list(track_licences) or list(album_licences)
    if licences:
        rules = [rule for licence in licences for rule in _licence_rules(licence, released_at)]
    else:
        rules = [AvailabilityRule(WORLDWIDE, AvailabilityKind.GRANT, released_at, None, DEFAULT_SOURCE)]
    for takedown in takedowns:
        if takedown.is_active:
            rules += [
                AvailabilityRule(territory, AvailabilityKind.TAKEDOWN, None, None, f"takedown:{takedown.public_id}")
                for territory in takedown.territories
            ]
    return rules
