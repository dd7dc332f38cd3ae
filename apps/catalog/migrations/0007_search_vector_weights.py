from django.db import migrations

from apps.common.migrations_ops import vendor_sql

# PostgreSQL: the vector's weights made real. array_to_tsvector (0004) gives lexemes without
# positions, and a weight is kept on a position, so setweight did nothing: every weighted query
# ("artist:" reads B, the words-anywhere arm ABC, the titled arm AB) matched a word in any column,
# the genres' included. Each term now gets a position (1) and its column's weight, written as
# tsvector text: quotes and backslashes doubled, each term quoted whole, so no parser re-splits
# what analysis produced.
KINDS = ("track", "artist", "album", "playlist")
TIERS = {"top": "popularity >= 30", "mid": "popularity >= 10 AND popularity < 30", "tail": "popularity < 10"}
COLUMNS = {"name_terms": "A", "artist_terms": "B", "album_terms": "C", "genre_terms": "D"}


def _weighted(column: str, weight: str) -> str:
    escaped = f"replace(replace(btrim({column}), '\\', '\\\\'), '''', '''''')"
    return f"(regexp_replace({escaped}, '(\\S+)', '''\\1'':1{weight}', 'g'))::tsvector"


WEIGHTED = " || ".join(_weighted(column, weight) for column, weight in COLUMNS.items())
UNWEIGHTED = " || ".join(
    f"setweight(array_to_tsvector(string_to_array(btrim({column}), ' ')), '{weight}')"
    for column, weight in COLUMNS.items()
)


def _vector(expression: str) -> list[str]:
    return [
        *(f"DROP INDEX IF EXISTS search_vector_{kind}_{tier}" for kind in KINDS for tier in TIERS),
        "ALTER TABLE catalog_searchdocument DROP COLUMN vector",
        f"ALTER TABLE catalog_searchdocument ADD COLUMN vector tsvector GENERATED ALWAYS AS ({expression}) STORED",
        *(
            f"CREATE INDEX search_vector_{kind}_{tier} ON catalog_searchdocument USING gin (vector) "
            f"WITH (fastupdate = off) WHERE kind = '{kind}' AND {condition}"
            for kind in KINDS
            for tier, condition in TIERS.items()
        ),
        "ANALYZE catalog_searchdocument",
    ]


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_audio_features")]

    operations = [vendor_sql(postgresql=(_vector(WEIGHTED), _vector(UNWEIGHTED)))]
