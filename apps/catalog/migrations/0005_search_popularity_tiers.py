from django.db import migrations

from apps.common.migrations_ops import vendor_sql

# PostgreSQL: each kind's GIN index split by popularity tier (apps.catalog.search.backends.postgres):
# a word's matches are read from the popular tier first, and the lower tiers only when it holds too
# few, so a common word never costs a scan of its whole posting list.
KINDS = ("track", "artist", "album", "playlist")
TIERS = {"top": "popularity >= 30", "mid": "popularity >= 10 AND popularity < 30", "tail": "popularity < 10"}
POSTGRESQL = (
    [
        *(f"DROP INDEX IF EXISTS search_vector_{kind}" for kind in KINDS),
        *(
            f"CREATE INDEX search_vector_{kind}_{tier} ON catalog_searchdocument USING gin (vector) "
            f"WITH (fastupdate = off) WHERE kind = '{kind}' AND {condition}"
            for kind in KINDS
            for tier, condition in TIERS.items()
        ),
    ],
    [
        *(f"DROP INDEX IF EXISTS search_vector_{kind}_{tier}" for kind in KINDS for tier in TIERS),
        *(
            f"CREATE INDEX search_vector_{kind} ON catalog_searchdocument USING gin (vector) "
            f"WITH (fastupdate = off) WHERE kind = '{kind}'"
            for kind in KINDS
        ),
    ],
)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_search")]

    operations = [vendor_sql(postgresql=POSTGRESQL)]
