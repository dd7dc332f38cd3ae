"""Offline evaluation of the recommender, in memory: no Django models, nothing written.

### Evaluating recommendations

`manage.py evaluate_recommendations [--users 5000] [--tracks 20000] [--seed 0] [--holdout 10]`
generates a listening dataset whose taste structure is known, hides each listener's latest plays,
fits five rankers on the rest and measures how well each finds what was hidden. It prints one
table for established tracks, one for new tracks (no plays in training), and the two goals of the
recommendations issue: hybrid NDCG@10 at least twice popularity's, and on new tracks content
NDCG@10 at least three times random's. About a minute on two cores with the defaults.

Modules: `dataset` (the generator), `holdout` (the split), `metrics`, `rankers`, `runner` (the
loop and the table).

#### The generator (`dataset.DatasetSpec`, defaults in brackets)

Catalog:

- `tracks` [20,000] tracks in `genres` [20] genres of equal size.
- Each genre has a centroid, a random unit vector in `dimensions` [16] dimensions: a stand-in for
  the normalised audio-feature vector the catalog stores per track (tempo, key, energy, ...).
- Each genre's tracks are cut into artists of `tracks_per_artist` [3-15, uniform] tracks. An
  artist's sound is the centroid plus Gaussian noise of sd `artist_spread` [0.10] per dimension;
  a track's vector is its artist's sound plus noise of sd `track_noise` [0.20], L2-normalised.
  Tracks of one genre then have a cosine of about 0.55 with each other, of about 0 with others.
- Popularity is Zipf within a genre: tracks are put in a random order and the track at rank r has
  appeal 1 / r^`track_zipf` [1.0].
- In every genre a share `new_share` [10%] of the tracks is new, released at `release_time` [0.8]
  on the timeline [0, 1): after the models were trained.

Listeners (`users` [5,000]):

- 1, 2 or 3 genre tastes with probabilities `taste_counts` [0.40, 0.35, 0.25]; the genres are
  drawn without replacement with probability proportional to 1 / (genre rank)^`genre_zipf` [0.5]
  (some genres are mainstream), and weighted by a symmetric Dirichlet(`taste_concentration` [2]).
- Plays per listener: log-normal with median `median_plays` [40] and log-sd `plays_sigma` [1.0],
  rounded and clipped to [`min_plays` [20], `max_plays` [2,000]] (heavy tail: the 99th percentile
  is about 400).
- `favourites` [8] tracks per listener, drawn from their tastes (genre by taste weight, track by
  appeal) among established tracks.

Plays, in time order (times uniform on [0, 1), sorted per listener):

- With probability `replay_share` [0.25] a play replays a random favourite; otherwise, with
  probability `exploration` [0.15], it explores a genre chosen uniformly among all genres;
  otherwise it takes a genre by taste weight. The track is drawn from the genre by appeal, among
  the tracks released by then (new tracks only from `release_time` on).
- A play of a track outside the listener's taste genres is an early skip with probability
  `skip_outside_taste` [0.8]; one inside with probability `skip_in_taste` [0.1]; the rest are streams.
- The first stream of a favourite is saved with probability `save_share` [0.5].
- The strength of a (listener, track) pair sums +1 per stream, -0.5 per early skip and +2 per save
  (`dataset.STREAM_STRENGTH`, `EARLY_SKIP_STRENGTH`, `SAVE_STRENGTH`, mirroring the product's
  apps/recommendations/signals.py).

With the defaults: about 337,000 plays, 83% streams, 90% of plays inside the listener's tastes.

#### The hold-out (`holdout.split`)

- Established tracks: each listener's last `--holdout` [10] streams of established tracks (skips
  are never held out; a listener with fewer than twice that many streams has half of them held
  out). The relevant set is the distinct held-out tracks not in the listener's training history,
  since every ranker excludes that history (a replay could never be recommended and would lower
  every model alike).
- New tracks: every play of a new track is held out, so none is in training. The relevant set is
  the new tracks the listener streamed; the rankers rank the new tracks only, and nothing is
  excluded. Only listeners with at least one such stream are scored.
- Training: all other plays (streams, skips and saves of established tracks).

#### The rankers (`rankers`)

- hybrid: what the product's engine (apps/recommendations/engine.py) does for a listener's own
  lists, with the same functions. ALS (`ml.als.train` on `ml.als.confidence_matrix` of the training
  strengths); the listener's factors folded in from their training history (`ml.als.fold_in`), as
  at request time; their content taste (`ml.content.taste_vector`, cosine scores); popularity =
  log(1 + training streams), which the z-scores of `ml.blend` treat exactly as the catalog's 0-100
  popularity (100 log(1 + streams) / log(1 + most)). Candidates as the engine's (`ml.rerank`'s counts): the best 200
  by ALS (among tracks with training plays: the model knows no others), the best 100 by content
  and the 100 most streamed, less the listener's history; scored by `ml.blend.blend` (history size =
  the pairs of non-zero strength, as the engine's) and ordered by `ml.rerank.diversified` (at most
  2 tracks per artist in any 10) with the engine's exploration candidates (ranked tracks outside
  the genres of the history) and share (0.1).
- ALS: the folded-in factors alone, over every track (a track without training plays has zero
  factors, so scores 0).
- content: cosine with the taste vector alone.
- popularity: training stream counts.
- random: a seeded uniform draw.

ALS and popularity know nothing of a track without plays: on the new-track test they rank ties
(in index order), which is what their row there shows.

#### The metrics (`metrics`, k = 10, binary relevance, averaged over scored listeners)

- precision@k = |top k ∩ relevant| / k (a list shorter than k counts its empty slots as misses).
- recall@k = |top k ∩ relevant| / |relevant|.
- NDCG@k = DCG / IDCG, DCG = Σ_{i=1..k} rel_i / log2(i + 1), IDCG = Σ_{i=1..min(k, |relevant|)} 1 / log2(i + 1).
- catalog coverage = |∪ over listeners of their top k| / catalog size (for new tracks: / number of
  new tracks). Computed over all scored listeners at once.
- intra-list diversity = mean over pairs i < j of a top k of 1 - cos(v_i, v_j), v the audio vectors:
  0 for identical sounds, about 1 for unrelated ones (random directions are near orthogonal), up
  to 2 for opposite ones, so a list spread over unrelated genres can score just above 1.
"""
