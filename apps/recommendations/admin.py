"""Staff views of the personalization loop: the trained models (with an action to train now) and
the affinities, read-only (they are derived from play events; an edit would be overwritten by
the next absorbed play, or forge one)."""

from __future__ import annotations

from django.contrib import admin, messages

from apps.common.admin import ReadOnlyModelAdmin
from apps.recommendations.models import TrackAffinity, TrainedModel
from apps.recommendations.tasks import train


@admin.register(TrainedModel)
class TrainedModelAdmin(ReadOnlyModelAdmin):
    list_display = ("version", "trained_at", "users", "tracks", "interactions", "factors", "seconds", "ready")
    ordering = ("-version",)
    actions = ["train_now"]

    @admin.action(description="Train a new model now (in the worker)")
    def train_now(self, request, queryset) -> None:
        train.delay()
        messages.success(request, "Training is queued; the new version appears here when it is published.")


@admin.register(TrackAffinity)
class TrackAffinityAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "track", "streams", "early_skips", "ms_played", "last_played_at")
    list_select_related = ("user", "track")
    search_fields = ("user__email", "track__public_id", "track__title")
    ordering = ("-last_played_at",)
    show_full_result_count = False
