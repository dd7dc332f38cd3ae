"""Generate, split, fit every ranker, score every listener, and lay the results out side by side."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from apps.recommendations.evaluation import metrics
from apps.recommendations.evaluation.dataset import DatasetSpec, generate
from apps.recommendations.evaluation.holdout import Split, split
from apps.recommendations.evaluation.rankers import Ranker, all_rankers

K = 10
HYBRID_OVER_POPULARITY_GOAL = 2.0
CONTENT_OVER_RANDOM_ON_NEW_GOAL = 3.0


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    ndcg: float
    coverage: float
    diversity: float
    listeners: int


@dataclass(frozen=True)
class Result:
    name: str
    established: Scores
    new_tracks: Scores
    fit_seconds: float
    rank_seconds: float


@dataclass(frozen=True)
class Report:
    spec: DatasetSpec
    plays: int
    training_plays: int
    new_tracks: int
    results: list[Result]
    seconds: float

    def result(self, name: str) -> Result:
        return next(result for result in self.results if result.name == name)

    @property
    def hybrid_over_popularity(self) -> float:
        return _ratio(self.result("hybrid").established.ndcg, self.result("popularity").established.ndcg)

    @property
    def content_over_random_on_new(self) -> float:
        return _ratio(self.result("content").new_tracks.ndcg, self.result("random").new_tracks.ndcg)


def evaluate(
    spec: DatasetSpec,
    *,
    holdout: int,
    rankers: Sequence[Ranker] | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> Report:
    # One BLAS thread, as als.train holds it while `implicit` trains: implicit warns against a threaded
    # BLAS under its own threads, and the per-listener products here are too small to gain from one.
    with threadpool_limits(1, "blas"):
        return _evaluate(spec, holdout=holdout, rankers=rankers, log=log)


def _evaluate(
    spec: DatasetSpec, *, holdout: int, rankers: Sequence[Ranker] | None, log: Callable[[str], None]
) -> Report:
    started = time.perf_counter()
    dataset = generate(spec)
    data = split(dataset, holdout=holdout)
    log(
        f"Generated {len(dataset.plays.user):,} plays by {spec.users:,} listeners of {spec.tracks:,} tracks; "
        f"{len(data.train.user):,} in training, {len(data.relevant):,} listeners with held-out tracks, "
        f"{len(data.relevant_new):,} with new-track streams."
    )
    results = []
    for ranker in rankers if rankers is not None else all_rankers(spec.seed):
        fit_started = time.perf_counter()
        ranker.fit(data.train)
        fit_seconds = time.perf_counter() - fit_started
        rank_started = time.perf_counter()
        established = _score(ranker, data, data.relevant, among=None)
        new_tracks = _score(ranker, data, data.relevant_new, among=data.new_tracks)
        rank_seconds = time.perf_counter() - rank_started
        results.append(Result(ranker.name, established, new_tracks, fit_seconds, rank_seconds))
        log(f"  {ranker.name}: fitted in {fit_seconds:.1f} s, ranked in {rank_seconds:.1f} s")
    seconds = time.perf_counter() - started
    return Report(spec, len(dataset.plays.user), len(data.train.user), len(data.new_tracks), results, seconds)


def _score(ranker: Ranker, data: Split, relevant: dict[int, np.ndarray], *, among: np.ndarray | None) -> Scores:
    vectors = data.train.catalog.vectors
    no_exclusion = np.empty(0, dtype=np.int64)
    per_list = []
    lists = []
    for user, tracks in relevant.items():
        exclude = data.train.history_of(user)[0] if among is None else no_exclusion  # new tracks were never played
        recommended = ranker.top(user, K, exclude=exclude, among=among)
        wanted = set(tracks.tolist())
        lists.append(recommended)
        per_list.append(
            (
                metrics.precision_at_k(recommended, wanted, K),
                metrics.recall_at_k(recommended, wanted, K),
                metrics.ndcg_at_k(recommended, wanted, K),
                metrics.intra_list_diversity(recommended, vectors, K),
            )
        )
    if not per_list:
        return Scores(0.0, 0.0, 0.0, 0.0, 0.0, 0)
    precision, recall, ndcg, diversity = np.mean(per_list, axis=0)
    pool_size = data.train.catalog.size if among is None else len(among)
    coverage = metrics.catalog_coverage(lists, pool_size, K)
    return Scores(float(precision), float(recall), float(ndcg), coverage, float(diversity), len(per_list))


def format_report(report: Report) -> str:
    lines = [
        f"Held-out last streams (established tracks), @{K}, over {report.results[0].established.listeners:,} listeners",
        _table(report.results, lambda result: result.established, with_times=True),
        "",
        f"Held-out new tracks (ranked among the {report.new_tracks:,} new tracks only), "
        f"@{K}, over {report.results[0].new_tracks.listeners:,} listeners",
        _table(report.results, lambda result: result.new_tracks, with_times=False),
        "(ALS and popularity know nothing of tracks without plays: their rows here are ties, in index order.)",
        "",
        f"hybrid NDCG@{K} / popularity NDCG@{K} = {report.hybrid_over_popularity:.2f} "
        f"(goal >= {HYBRID_OVER_POPULARITY_GOAL:g}) "
        f"{_verdict(report.hybrid_over_popularity, HYBRID_OVER_POPULARITY_GOAL)}",
        f"new tracks: content NDCG@{K} / random NDCG@{K} = {report.content_over_random_on_new:.2f} "
        f"(goal >= {CONTENT_OVER_RANDOM_ON_NEW_GOAL:g}) "
        f"{_verdict(report.content_over_random_on_new, CONTENT_OVER_RANDOM_ON_NEW_GOAL)}",
    ]
    return "\n".join(lines)


def _table(results: Sequence[Result], scores_of: Callable[[Result], Scores], *, with_times: bool) -> str:
    header = f"{'model':<12}{'precision':>11}{'recall':>9}{'NDCG':>9}{'coverage':>10}{'diversity':>11}"
    if with_times:
        header += f"{'fit s':>8}{'rank s':>8}"
    lines = [header]
    for result in results:
        scores = scores_of(result)
        line = (
            f"{result.name:<12}{scores.precision:>11.4f}{scores.recall:>9.4f}{scores.ndcg:>9.4f}"
            f"{scores.coverage:>10.3f}{scores.diversity:>11.3f}"
        )
        if with_times:
            line += f"{result.fit_seconds:>8.1f}{result.rank_seconds:>8.1f}"
        lines.append(line)
    return "\n".join(lines)


def _verdict(ratio: float, goal: float) -> str:
    return "met" if ratio >= goal else "NOT MET"


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("inf")
