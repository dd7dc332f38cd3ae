"""The Elasticsearch index of the search read model, declared through django-elasticsearch-dsl: one
document per `SearchDocument` row, its text already analysed in Python (apps.catalog.search.analysis).

The term columns are indexed with the whitespace analyzer, so Elasticsearch's terms are exactly the
tokens the other backends match (and ranking re-checks): Elasticsearch adds how they are found
(fuzzy terms, prefixes), never a second idea of what a word is. For the same reason the
search_as_you_type field is the name's tokens (`name_terms`), not the raw name.

Imported only where Elasticsearch is configured (backends/elastic.py, tasks.py import it lazily).
django-elasticsearch-dsl's signal-driven syncing is off for this document (and in settings): rows
change inside the catalog's transactions, and the index follows after commit, through Celery.
"""

from __future__ import annotations

from django.conf import settings
from django_elasticsearch_dsl import Document, fields
from django_elasticsearch_dsl.registries import registry

from apps.catalog.search.models import SearchDocument

# Word beginnings up to this length are indexed for `prefix` queries on the artist and album
# columns (a longer beginning falls back to walking the terms, which is still correct).
PREFIX_CHARS = {"min_chars": 1, "max_chars": 8}


def document_id(kind: str, object_id: int) -> str:
    """The Elasticsearch `_id`: the row's natural key. Not its primary key, which a bulk reindex on
    PostgreSQL (delete and COPY) renumbers; and a deleted row is then removed by the same key."""
    return f"{kind}:{object_id}"


def _terms(**kwargs) -> fields.TextField:
    return fields.TextField(analyzer="whitespace", **kwargs)


@registry.register_document
class SearchDocumentIndex(Document):
    id = fields.LongField()  # the SearchDocument's pk: a candidate's id, and the last sort key
    kind = fields.KeywordField()
    object_id = fields.LongField()
    public_id = fields.KeywordField()
    name = fields.TextField()
    # Shown under a suggestion and as its picture, never searched.
    subtitle = fields.KeywordField(index=False, doc_values=False)
    image_key = fields.KeywordField(index=False, doc_values=False)
    name_key = fields.KeywordField()  # exact and prefix matches of the whole name
    name_terms = fields.SearchAsYouTypeField(analyzer="whitespace")  # weight A; the word being typed
    artist_terms = _terms(index_prefixes=PREFIX_CHARS)  # B
    album_terms = _terms(index_prefixes=PREFIX_CHARS)  # C
    genre_terms = _terms()  # D, only through `genre:`
    code = fields.KeywordField()
    year_from = fields.IntegerField()
    year_to = fields.IntegerField()
    released_on = fields.DateField()
    popularity = fields.IntegerField()

    class Index:
        name = settings.ELASTICSEARCH_INDEX  # an alias: elastic_rebuild swaps the index behind it
        # One shard: the catalog's documents are small, and every search sorts the whole of it.
        settings = {"number_of_shards": 1}

    class Django:
        model = SearchDocument
        ignore_signals = True  # apps.catalog.search.tasks.search_sync keeps the index current
        auto_refresh = False  # Elasticsearch's refresh interval (1 s) is fresh enough
        queryset_pagination = 2_000

    @classmethod
    def generate_id(cls, object_instance: SearchDocument) -> str:
        return document_id(object_instance.kind, object_instance.object_id)
