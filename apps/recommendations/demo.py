"""Listening history for the demo (`manage.py seed_demo_listening`, run by `make run` after the
demo catalog): the demo listeners and a dozen demo fans play the catalog for three weeks, each
after two genres they like (and skipping, early, most of what they don't), so that the first home
page of a fresh install already has mixes, radio, charts and "Because you liked". Plays go through
the real ingest path; then the affinities are absorbed, the model trained and the charts made.
Run once: a database with a trained model is left as it is."""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

from apps.catalog.models import Genre, Track
from apps.playback.events.checks import ms_from_datetime
from apps.playback.events.services import play_events_ingest
from apps.recommendations.models import TrainedModel
from apps.recommendations.products.charts import refresh_charts
from apps.recommendations.signals import absorb_play_events
from apps.recommendations.training import train_and_publish

DEMO_LISTENERS = ("listener@demo.streamify", "premium@demo.streamify")
FANS = 12
FAN_COUNTRIES = ("US", "BR", "SE", "FR", "JP", "DE")
DAYS = 21
BATCH = 50


def seed_demo_listening(*, log=print, seed: int = 7) -> bool:
    """False when there was nothing to do (already seeded, or no catalog)."""
    if TrainedModel.objects.filter(ready=True).exists():
        log("Demo listening: a model is already trained; nothing to do.")
        return False
    by_genre = {
        genre.pk: list(Track.objects.ready().filter(genres=genre).values_list("public_id", flat=True))
        for genre in Genre.objects.all()
    }
    by_genre = {genre: tracks for genre, tracks in by_genre.items() if tracks}
    if len(by_genre) < 2:
        log("Demo listening: the catalog has too few genres to listen to; nothing to do.")
        return False
    rng = random.Random(seed)  # noqa: S311 (a demo's choices, not a secret)
    users = list(get_user_model().objects.filter(email__in=DEMO_LISTENERS)) + _fans()
    now = timezone.now()
    for user in users:
        liked = rng.sample(sorted(by_genre), min(2, len(by_genre) - 1))  # and something they skip
        others = [t for genre, tracks in by_genre.items() if genre not in liked for t in tracks]
        favourites = [t for genre in liked for t in by_genre[genre]]
        events = []
        for n in range(rng.randint(25, 45)):
            at = ms_from_datetime(now - timedelta(days=rng.uniform(1.2, DAYS)))
            if others and rng.random() < 0.15:  # something else, skipped within seconds
                track, kind, ms = rng.choice(others), "skip", rng.randint(2_000, 9_000)
            else:
                track, kind, ms = rng.choice(favourites), "play.end", rng.randint(90_000, 150_000)
            events.append({"id": f"demo-{user.pk}-{n}", "type": kind, "track": track, "ms_played": ms, "timestamp": at})
        for start in range(0, len(events), BATCH):
            play_events_ingest(
                user=user, country=user.country.code, product=user.product, events=events[start : start + BATCH]
            )
    with override_settings(RECOMMENDATIONS_SETTLE_SECONDS=0):  # nothing else writes during the seed
        absorbed = absorb_play_events()
    model = train_and_publish()
    charts = refresh_charts()
    log(f"Demo listening: {len(users)} listeners, {absorbed} plays; model v{model.version}; {len(charts)} charts.")
    return True


def _fans() -> list:
    users = get_user_model().objects
    fans = []
    for n in range(1, FANS + 1):
        email = f"fan{n}@demo.streamify"
        fan = users.filter(email=email).first() or users.create_user(
            email=email, password=None, display_name=f"Demo Fan {n}", country=FAN_COUNTRIES[n % len(FAN_COUNTRIES)]
        )
        fans.append(fan)
    return fans
