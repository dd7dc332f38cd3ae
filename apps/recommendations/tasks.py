"""Celery entry points of the personalization loop (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.recommendations.models import TrackAffinity
from apps.recommendations.products.charts import refresh_charts
from apps.recommendations.products.mixes import daily_mixes, discover_weekly
from apps.recommendations.signals import absorb_play_events
from apps.recommendations.training import train_and_publish

ACTIVE_WINDOW = timedelta(days=28)


@shared_task(name="recommendations.absorb_signals", acks_late=True)
def absorb_signals() -> int:
    return absorb_play_events()


@shared_task(name="recommendations.train", acks_late=True)
def train() -> int | None:
    model = train_and_publish()
    return model.version if model else None


@shared_task(name="recommendations.refresh_charts", acks_late=True)
def charts() -> int:
    return len(refresh_charts())


@shared_task(name="recommendations.refresh_made_for_you", acks_late=True)
def made_for_you() -> int:
    """Daily: remake the mixes (and, on a new week, Discover Weekly) of every listener active in
    the last four weeks, so the morning's first home view finds them ready."""
    since = timezone.now() - ACTIVE_WINDOW
    active = TrackAffinity.objects.filter(last_played_at__gte=since).values("user_id").distinct()
    for user in get_user_model().objects.filter(pk__in=active, is_active=True).iterator():
        discover_weekly(user)
        daily_mixes(user, refresh=True)
    return active.count()
