from django.db import migrations

from apps.common.migrations_ops import vendor_sql

# PostgreSQL: each tier's word index for tracks also holds a hash of the name (btree_gin, shipped
# with PostgreSQL's contrib modules like pg_trgm), for the "<title> <artist>" arm: tracks named by
# the first words holding every word. With words alone in the index, a common title and common
# words had thousands of tracks read from the table to test their names ("mar alegria": 4,361
# rows and 2,585 pages for 30 answers, 18-36 ms); both in one index, the scan intersects the two
# and reads only the answers (~3.5 ms). A hash rather than the name: the name itself would also
# serve ranges of names in the index, which the planner then took for the prefix arm in place of
# the name index (1.1 -> 5.2 ms for "love").
TIERS = {"top": "popularity >= 30", "mid": "popularity >= 10 AND popularity < 30", "tail": "popularity < 10"}


def _indexes(columns: str) -> list[str]:
    """Each tier's index rebuilt on `columns`: every new one built beside the old first, and only
    then the old ones dropped and the new renamed, so that searches go on reading while the new
    indexes build (a dropped index holds the table's exclusive lock until the migration commits)."""
    return [
        *(
            f"CREATE INDEX search_vector_track_{tier}_new ON catalog_searchdocument USING gin ({columns}) "
            f"WITH (fastupdate = off) WHERE kind = 'track' AND {condition}"
            for tier, condition in TIERS.items()
        ),
        *(
            statement
            for tier in TIERS
            for statement in (
                f"DROP INDEX search_vector_track_{tier}",
                f"ALTER INDEX search_vector_track_{tier}_new RENAME TO search_vector_track_{tier}",
            )
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_search_small_kinds_untiered")]

    # Backwards the extension stays, as pg_trgm does (0004): something else may use it.
    operations = [
        vendor_sql(
            postgresql=(
                ["CREATE EXTENSION IF NOT EXISTS btree_gin", *_indexes("vector, hashtext(name_key)")],
                _indexes("vector"),
            )
        )
    ]
