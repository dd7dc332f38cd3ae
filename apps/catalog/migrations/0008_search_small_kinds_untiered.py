from django.db import migrations

from apps.common.migrations_ops import vendor_sql

# PostgreSQL: artists, albums and playlists get one word index each instead of one per popularity
# tier. Tiers pay off only for tracks (millions, where a common word's matches cannot all be read
# and sorted); for the few-percent kinds the planner's own choice per query (walk the popularity
# index for a common word, read the posting list of a rare one) costs as little, while each tier
# was one more scan to plan in every search and suggest statement, and every index of the table
# is weighed again for each scan of it. Side by side in bench_search's million tracks: suggest
# mean 9.5 -> 7.8 ms, search 14.9 -> 13.0 (TIERED_KINDS in apps/catalog/search/backends/postgres.py).
SMALL_KINDS = ("artist", "album", "playlist")
TIERS = {"top": "popularity >= 30", "mid": "popularity >= 10 AND popularity < 30", "tail": "popularity < 10"}


def _one_per_kind() -> list[str]:
    return [
        *(
            f"CREATE INDEX search_vector_{kind} ON catalog_searchdocument USING gin (vector) "
            f"WITH (fastupdate = off) WHERE kind = '{kind}'"
            for kind in SMALL_KINDS
        ),
        *(f"DROP INDEX search_vector_{kind}_{tier}" for kind in SMALL_KINDS for tier in TIERS),
    ]


def _per_tier() -> list[str]:
    return [
        *(
            f"CREATE INDEX search_vector_{kind}_{tier} ON catalog_searchdocument USING gin (vector) "
            f"WITH (fastupdate = off) WHERE kind = '{kind}' AND {condition}"
            for kind in SMALL_KINDS
            for tier, condition in TIERS.items()
        ),
        *(f"DROP INDEX search_vector_{kind}" for kind in SMALL_KINDS),
    ]


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_search_vector_weights")]

    operations = [vendor_sql(postgresql=(_one_per_kind(), _per_tier()))]
