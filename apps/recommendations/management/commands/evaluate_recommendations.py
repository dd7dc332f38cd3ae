"""`manage.py evaluate_recommendations`: offline evaluation of the recommender on a generated
listening dataset with planted taste structure, in memory (no database, nothing written).

    manage.py evaluate_recommendations [--users 5000] [--tracks 20000] [--seed 0] [--holdout 10]

It generates the dataset (apps/recommendations/evaluation/dataset.py: genres with centroids in a
16-dimensional audio-feature space, artists and tracks around them, Zipf popularity within each
genre, listeners mixing 1-3 genre tastes, heavy-tailed play counts, favourites replayed and saved,
plays outside a listener's tastes mostly skipped, 10% of the tracks released after the training
cut-off), holds out each listener's last `--holdout` streams of established tracks and every play
of a new track, fits five rankers on the rest (the hybrid the product serves, ALS alone, content
alone, popularity, random) and prints, side by side, precision@10, recall@10, NDCG@10, catalog
coverage and intra-list diversity, with fit and ranking seconds; then the same metrics for the new
tracks, ranked among the new tracks only; then the two goals of issue 7:

    hybrid NDCG@10 / popularity NDCG@10 >= 2
    new tracks: content NDCG@10 / random NDCG@10 >= 3

Every parameter of the generator, the hold-out and each metric's formula are documented in
apps/recommendations/evaluation/__init__.py. With the defaults it takes about a minute on two cores.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.recommendations.evaluation.dataset import DatasetSpec
from apps.recommendations.evaluation.runner import evaluate, format_report

MIN_USERS = 10
MIN_TRACKS = 200  # ten per genre, so that every genre keeps established tracks beside its new ones
MAX_USERS = 200_000
MAX_TRACKS = 1_000_000


class Command(BaseCommand):
    help = (
        "Evaluate the recommender (hybrid, ALS, content, popularity, random) on a generated listening "
        "dataset with planted taste structure; prints precision@10, recall@10, NDCG@10, coverage and diversity."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=5_000, help="Listeners to generate (default 5,000).")
        parser.add_argument("--tracks", type=int, default=20_000, help="Tracks to generate (default 20,000).")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the generator and the models (default 0).")
        parser.add_argument(
            "--holdout", type=int, default=10, help="Last streams held out per listener for testing (default 10)."
        )

    def handle(self, *args, users: int, tracks: int, seed: int, holdout: int, **options) -> None:
        if not MIN_USERS <= users <= MAX_USERS:
            raise CommandError(f"--users must be between {MIN_USERS} and {MAX_USERS:,}.")
        if not MIN_TRACKS <= tracks <= MAX_TRACKS:
            raise CommandError(f"--tracks must be between {MIN_TRACKS} and {MAX_TRACKS:,}.")
        if holdout < 1:
            raise CommandError("--holdout must be at least 1.")
        report = evaluate(DatasetSpec(users=users, tracks=tracks, seed=seed), holdout=holdout, log=self.stdout.write)
        self.stdout.write("")
        self.stdout.write(format_report(report))
        self.stdout.write(f"\nDone in {report.seconds:.1f} s.")
