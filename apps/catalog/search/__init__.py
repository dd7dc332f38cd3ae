"""Search: one service over the search read model (`SearchDocument`), three backends.

- `analysis`: how text becomes tokens, the same for documents and queries on every backend;
- `models`, `indexing`: the read model and what keeps it current (once per transaction, after commit);
- `query`: what a `q` asks (words, field filters); `spelling`: typo corrections from the vocabulary;
- `backends/`: candidate retrieval on PostgreSQL, SQLite and Elasticsearch;
- `ranking`: one scorer over every backend's candidates; `service`: search and suggest.
"""
