"""Changing rights. Every change locks the tracks it affects, records an audit entry and rewrites
their availability rows in the same transaction, so a reader never sees a decision without its
projection, and two staff members editing one track's licences at once cannot lose either edit
(the second waits for the first and then projects both)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_countries import countries

from apps.catalog.models import WORLDWIDE, Album, Track
from apps.catalog.services.availability import availability_replace
from apps.common.errors import ApplicationError
from apps.rights.models import AuditAction, AuditEntry, Licence, LicenceKind, Takedown
from apps.rights.projection import project_track


def clean_territories(raw) -> list[str]:
    """ISO 3166-1 alpha-2 codes, or `*` / `worldwide` alone; sorted, without repeats."""
    if isinstance(raw, str):
        raw = [part for part in raw.replace(";", ",").split(",")]
    if not isinstance(raw, list | tuple) or not all(isinstance(item, str) for item in raw):
        raise ApplicationError('territories must be a list of ISO 3166-1 alpha-2 codes, or ["*"] for worldwide.')
    codes = {item.strip().upper() for item in raw if item.strip()}
    if {"*", "WORLDWIDE"} & codes:
        if len(codes) > 1:
            raise ApplicationError("Worldwide (*) cannot be combined with other territories.")
        return [WORLDWIDE]
    if not codes:
        raise ApplicationError("Name at least one territory, or * for worldwide.")
    unknown = sorted(code for code in codes if code not in countries)
    if unknown:
        raise ApplicationError(f"Unknown territory {unknown[0]!r}: use ISO 3166-1 alpha-2 codes or *.")
    return sorted(codes)


def _check_window(valid_from: datetime | None, valid_until: datetime | None) -> None:
    for value in (valid_from, valid_until):
        if value is not None and timezone.is_naive(value):
            raise ApplicationError("Licence windows need a time zone (e.g. 2026-12-01T00:00:00Z).")
    if valid_from and valid_until and valid_until <= valid_from:
        raise ApplicationError("valid_until must be later than valid_from.")


def _lock_tracks(track_ids: Iterable[int]) -> list[int]:
    # In pk order, so two transactions locking overlapping sets cannot deadlock.
    return list(
        Track.objects.select_for_update().filter(pk__in=list(track_ids)).order_by("pk").values_list("pk", flat=True)
    )


def _affected(*, track: Track | None = None, album: Album | None = None) -> list[int]:
    if track is not None:
        return _lock_tracks([track.pk])
    return _lock_tracks(Track.objects.filter(album=album).values_list("pk", flat=True))


def tracks_reproject(track_ids: Iterable[int]) -> None:
    """Rewrite the availability rows of these tracks from the current decisions. Callers hold
    the tracks' row locks (or are creating them)."""
    tracks = list(Track.objects.filter(pk__in=list(track_ids)).select_related("album"))
    if not tracks:
        return
    by_track, by_album, takedowns = defaultdict(list), defaultdict(list), defaultdict(list)
    for licence in Licence.objects.filter(track__in=tracks):
        by_track[licence.track_id].append(licence)
    for licence in Licence.objects.filter(album_id__in={t.album_id for t in tracks}, track__isnull=True):
        by_album[licence.album_id].append(licence)
    for takedown in Takedown.objects.filter(track__in=tracks, lifted_at__isnull=True):
        takedowns[takedown.track_id].append(takedown)
    availability_replace(
        rules_by_track={
            track.pk: project_track(
                release_date=track.album.release_date,
                track_licences=by_track[track.pk],
                album_licences=by_album[track.album_id],
                takedowns=takedowns[track.pk],
            )
            for track in tracks
        }
    )


def _licence_details(licence: Licence) -> dict:
    return {
        "kind": licence.kind,
        "territories": licence.territories,
        "premium_only": licence.premium_only,
        "valid_from": licence.valid_from.isoformat() if licence.valid_from else None,
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "reference": licence.reference,
    }


def _audit(action: str, *, actor, subject: str, track=None, album=None, details: dict) -> None:
    AuditEntry.objects.create(action=action, actor=actor, subject=subject, track=track, album=album, details=details)


@transaction.atomic
def licence_create(
    *,
    actor,
    track: Track | None = None,
    album: Album | None = None,
    kind: str = LicenceKind.GRANT,
    territories,
    premium_only: bool = False,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    reference: str = "",
) -> Licence:
    if (track is None) == (album is None):
        raise ApplicationError("A licence is for one track or one album.")
    if kind not in LicenceKind.values:
        raise ApplicationError(f"kind must be one of {', '.join(LicenceKind.values)}.")
    if premium_only and kind != LicenceKind.GRANT:
        raise ApplicationError("premium_only applies to grants only.")
    _check_window(valid_from, valid_until)
    affected = _affected(track=track, album=album)
    licence = Licence.objects.create(
        track=track,
        album=album,
        kind=kind,
        territories=clean_territories(territories),
        premium_only=premium_only,
        valid_from=valid_from,
        valid_until=valid_until,
        reference=reference[:200],
        created_by=actor,
    )
    _audit(
        AuditAction.LICENCE_CREATED,
        actor=actor,
        subject=f"licence:{licence.public_id}",
        track=track,
        album=album,
        details=_licence_details(licence),
    )
    tracks_reproject(affected)
    return licence


LICENCE_EDITABLE = ("kind", "territories", "premium_only", "valid_from", "valid_until", "reference")


@transaction.atomic
def licence_update(*, actor, licence: Licence, **changes) -> Licence:
    unknown = set(changes) - set(LICENCE_EDITABLE)
    if unknown:
        raise ApplicationError(f"{sorted(unknown)[0]} cannot be changed; delete the licence and create another.")
    affected = _affected(track=licence.track, album=licence.album)
    licence = Licence.objects.select_for_update().get(pk=licence.pk)
    before = _licence_details(licence)
    if "territories" in changes:
        changes["territories"] = clean_territories(changes["territories"])
    for field, value in changes.items():
        setattr(licence, field, value)
    if licence.kind not in LicenceKind.values:
        raise ApplicationError(f"kind must be one of {', '.join(LicenceKind.values)}.")
    if licence.premium_only and licence.kind != LicenceKind.GRANT:
        raise ApplicationError("premium_only applies to grants only.")
    _check_window(licence.valid_from, licence.valid_until)
    licence.reference = licence.reference[:200]
    licence.save()
    _audit(
        AuditAction.LICENCE_CHANGED,
        actor=actor,
        subject=f"licence:{licence.public_id}",
        track=licence.track,
        album=licence.album,
        details={"before": before, "after": _licence_details(licence)},
    )
    tracks_reproject(affected)
    return licence


@transaction.atomic
def licence_delete(*, actor, licence: Licence) -> None:
    affected = _affected(track=licence.track, album=licence.album)
    _audit(
        AuditAction.LICENCE_DELETED,
        actor=actor,
        subject=f"licence:{licence.public_id}",
        track=licence.track,
        album=licence.album,
        details=_licence_details(licence),
    )
    licence.delete()
    tracks_reproject(affected)


@transaction.atomic
def takedown_create(*, actor, track: Track, territories, reason: str) -> Takedown:
    """Takes effect at once: the rows change in this transaction, and every new stream URL, track
    response and search is refused from its commit on."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("A takedown needs a reason.")
    affected = _affected(track=track)
    takedown = Takedown.objects.create(
        track=track, territories=clean_territories(territories), reason=reason, created_by=actor
    )
    _audit(
        AuditAction.TAKEDOWN_CREATED,
        actor=actor,
        subject=f"takedown:{takedown.public_id}",
        track=track,
        details={"territories": takedown.territories, "reason": reason},
    )
    tracks_reproject(affected)
    return takedown


@transaction.atomic
def takedown_lift(*, actor, takedown: Takedown, reason: str = "") -> Takedown:
    affected = _affected(track=takedown.track)
    takedown = Takedown.objects.select_for_update().get(pk=takedown.pk)
    if not takedown.is_active:
        raise ApplicationError("This takedown was already lifted.", status=409)
    takedown.lifted_at = timezone.now()
    takedown.lifted_by = actor
    takedown.lift_reason = (reason or "").strip()
    takedown.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    _audit(
        AuditAction.TAKEDOWN_LIFTED,
        actor=actor,
        subject=f"takedown:{takedown.public_id}",
        track=takedown.track,
        details={"reason": takedown.lift_reason},
    )
    tracks_reproject(affected)
    return takedown
