"""What the personalization loop keeps: each listener's affinity for each track they played
(kept up to date incrementally from play events), the position of that incremental reader, the
trained collaborative models, and the radio stations listeners started."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.catalog.models import Track


class TrackAffinity(models.Model):
    """One listener's plays of one track, summed from their terminal play events. Saves and
    playlist adds are not copied here: they are current state with their own tables, read where
    the strength is computed (apps.recommendations.signals)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+", db_index=False)
    streams = models.PositiveIntegerField(default=0)
    early_skips = models.PositiveIntegerField(default=0)
    ms_played = models.BigIntegerField(default=0)
    # Streams heard to the end, in whole tracks: each stream adds the share of the track it played
    # (at most 1), so the strength can tell a track played through from one abandoned after 30 s.
    # Kept at absorb time, where the batch's durations are one read, rather than joined to the
    # catalog on every read of the strengths. `db_default`: rows written by raw COPY (benchmarks).
    full_listens = models.FloatField(default=0.0, db_default=0.0)
    last_played_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "track"], name="affinity_once_per_user_track")]
        indexes = [models.Index(fields=["track"], name="affinity_track")]

    def __str__(self) -> str:
        return f"listener {self.user_id} x track {self.track_id}: {self.streams} streams"


class SignalCursor(models.Model):
    """How far an incremental reader has read an append-only table (the last id it absorbed)."""

    name = models.CharField(max_length=40, primary_key=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.position}"


class TrainedModel(models.Model):
    """One trained collaborative model: its factors live in storage under `storage_key`; the
    newest row that is `ready` is the one served."""

    version = models.AutoField(primary_key=True)
    storage_key = models.CharField(max_length=200)
    trained_at = models.DateTimeField()
    users = models.PositiveIntegerField()
    tracks = models.PositiveIntegerField()
    interactions = models.PositiveBigIntegerField()
    factors = models.PositiveSmallIntegerField()
    seconds = models.FloatField(help_text="Wall time of the fit alone.")
    ready = models.BooleanField(default=False)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"ALS v{self.version} ({self.users} listeners x {self.tracks} tracks)"
