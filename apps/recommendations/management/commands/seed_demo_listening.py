"""`manage.py seed_demo_listening`: a few weeks of demo listening, a trained model and charts
(apps.recommendations.demo), so a fresh install's home page already knows its demo listeners."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.recommendations.demo import seed_demo_listening


class Command(BaseCommand):
    help = "Give the demo listeners a listening history, train the recommender and make the charts (once)."

    def handle(self, *args, **options):
        seed_demo_listening(log=self.stdout.write)
