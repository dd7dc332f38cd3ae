"""Licences and takedowns, with their audit trail.

These are the decisions; the catalog's `TrackAvailability` rows are their projection, rewritten by
`rights.services` in the same transaction as every change here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.catalog.models import Album, Track
from apps.common.fields import PublicIdField


class LicenceKind(models.TextChoices):
    GRANT = "grant", "Grant"
    BLOCK = "block", "Block"


class Licence(models.Model):
    """Grants or blocks a track, or an album as the default for its tracks, in some territories
    for a window. A track with licences of its own ignores its album's."""

    public_id = PublicIdField()
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.CASCADE, related_name="licences")
    album = models.ForeignKey(Album, null=True, blank=True, on_delete=models.CASCADE, related_name="licences")
    kind = models.CharField(max_length=8, choices=LicenceKind.choices, default=LicenceKind.GRANT)
    # ISO 3166-1 alpha-2 codes, or ["*"] for worldwide.
    territories = models.JSONField(default=list)
    premium_only = models.BooleanField(default=False, help_text="A grant for premium listeners only.")
    valid_from = models.DateTimeField(null=True, blank=True, help_text="Empty: from the beginning.")
    valid_until = models.DateTimeField(null=True, blank=True, help_text="Empty: no end.")
    reference = models.CharField(max_length=200, blank=True, help_text="Contract or deal reference.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(track__isnull=False) & Q(album__isnull=True))
                | (Q(track__isnull=True) & Q(album__isnull=False)),
                name="licence_one_target",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gt=models.F("valid_from")),
                name="licence_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(premium_only=False) | Q(kind=LicenceKind.GRANT), name="licence_premium_only_grants"
            ),
        ]

    def __str__(self) -> str:
        target = self.track or self.album
        return f"{self.get_kind_display()} {', '.join(self.territories)} for {target}"


class Takedown(models.Model):
    """Staff remove a track, everywhere or in some territories, at once. Lifting keeps the row."""

    public_id = PublicIdField()
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="takedowns")
    territories = models.JSONField(default=list)  # as on Licence; ["*"] for worldwide
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["track", "lifted_at"])]

    def __str__(self) -> str:
        return f"Takedown of {self.track} ({', '.join(self.territories)})"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class AuditAction(models.TextChoices):
    LICENCE_CREATED = "licence.created", "Licence created"
    LICENCE_CHANGED = "licence.changed", "Licence changed"
    LICENCE_DELETED = "licence.deleted", "Licence deleted"
    TAKEDOWN_CREATED = "takedown.created", "Takedown"
    TAKEDOWN_LIFTED = "takedown.lifted", "Takedown lifted"


class AuditEntry(models.Model):
    """Who changed which right, when, and what it said: kept after the licence itself is gone."""

    action = models.CharField(max_length=20, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=64, help_text="licence:<id> or takedown:<id>")
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    album = models.ForeignKey(Album, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    details = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.subject}"
