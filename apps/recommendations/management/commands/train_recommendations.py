"""`manage.py train_recommendations`: absorb pending plays, train the collaborative model now and
publish it (what Celery beat does on its schedule); `--charts` refreshes the charts too."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.recommendations.products.charts import refresh_charts
from apps.recommendations.training import train_and_publish


class Command(BaseCommand):
    help = "Train and publish the recommendation model (and optionally refresh the charts)."

    def add_arguments(self, parser):
        parser.add_argument("--charts", action="store_true", help="Refresh the trending charts as well.")

    def handle(self, *args, charts: bool = False, **options):
        model = train_and_publish()
        if model is None:
            self.stdout.write("Nothing to train on yet: no listener has played anything.")
        else:
            self.stdout.write(
                f"Trained v{model.version}: {model.users} listeners x {model.tracks} tracks, "
                f"{model.interactions} interactions, fit in {model.seconds:.1f} s."
            )
        if charts:
            self.stdout.write(f"Charts refreshed: {len(refresh_charts())}.")
