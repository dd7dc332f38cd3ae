"""Candidate retrieval, per engine. A backend finds, for each kind, the few hundred documents worth
ranking (apps.catalog.search.ranking ranks them the same way for every backend); it never decides
the order users see."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

BACKENDS = {
    "postgresql": "apps.catalog.search.backends.postgres.PostgresBackend",
    "sqlite": "apps.catalog.search.backends.sqlite.SqliteBackend",
    "elasticsearch": "apps.catalog.search.backends.elastic.ElasticsearchBackend",
}


def get_backend():
    """Elasticsearch when `SEARCH_BACKEND` says so (set when ELASTICSEARCH_URL is), else the
    database's own full-text search."""
    name = getattr(settings, "SEARCH_BACKEND", "") or connection.vendor
    return import_string(BACKENDS[name])()
