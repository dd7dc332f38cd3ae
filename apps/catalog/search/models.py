"""The search read model: one row per thing a listener can find, with its text already analysed
(apps.catalog.search.analysis) and what ranking and filters need, kept current by
`apps.catalog.search.indexing` right after each commit that changes the catalog.

PostgreSQL adds a stored generated tsvector over the term columns, weighted A (name), B (artists
or owner), C (album or description), D (genres), with a GIN index per kind, and a trigram index
on the vocabulary; SQLite adds FTS5 tables with the trigram tokenizer over the same columns
(migration 0004). Elasticsearch, when configured, indexes these rows.
"""

from __future__ import annotations

from django.db import models

from apps.common.fields import BytewiseCharField

NAME_MAX = 500


class SearchKind(models.TextChoices):
    TRACK = "track", "Track"
    ARTIST = "artist", "Artist"
    ALBUM = "album", "Album"
    PLAYLIST = "playlist", "Playlist"


class SearchDocument(models.Model):
    kind = models.CharField(max_length=8, choices=SearchKind.choices)
    object_id = models.BigIntegerField()
    public_id = models.CharField(max_length=22)
    # What a suggestion shows without loading the object: its name, a line under it, a picture.
    name = models.CharField(max_length=NAME_MAX)
    subtitle = models.CharField(max_length=NAME_MAX, blank=True)
    image_key = models.CharField(max_length=500, blank=True)  # storage key of the smallest rendition
    # The name folded to its words: exact and prefix matches, read off a byte-ordered index.
    name_key = BytewiseCharField(max_length=NAME_MAX)
    # Tokens, space separated and padded (analysis.padded): name; artists (or the playlist's
    # owner); album (or the playlist's description); genres, reachable only through `genre:`.
    name_terms = models.TextField()
    artist_terms = models.TextField(blank=True)
    album_terms = models.TextField(blank=True)
    genre_terms = models.TextField(blank=True)
    code = models.CharField(max_length=13, blank=True)  # ISRC of a track, UPC of an album
    year_from = models.SmallIntegerField(null=True, blank=True)  # release years (an artist's span)
    year_to = models.SmallIntegerField(null=True, blank=True)
    released_on = models.DateField(null=True, blank=True)  # not found before (a scheduled release)
    popularity = models.SmallIntegerField(default=0)  # 0-100, Spotify's scale

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_once")]
        indexes = [
            # Exact and prefix matches, most popular first, straight off the index.
            models.Index(fields=["kind", "name_key", "-popularity"], name="search_document_name_key"),
            # The most popular matches of a common word: walk this, test each row's vector.
            models.Index(fields=["kind", "-popularity", "id"], name="search_document_popular"),
            models.Index(fields=["code"], name="search_document_code", condition=~models.Q(code="")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class SearchTerm(models.Model):
    """The vocabulary: every word (not Chinese or Japanese) some document holds, with the
    popularity of the most popular one, which decides between spelling corrections and ranks the
    completions of a word being typed."""

    term = BytewiseCharField(max_length=100, unique=True)  # byte order: "is it a prefix of a term" is a range
    weight = models.SmallIntegerField(default=0)

    def __str__(self) -> str:
        return self.term


class SearchTermVariant(models.Model):
    """A term and each of its one-deletion variants (analysis.deletions), pointing at the term:
    the index that finds the words one edit away from a typed word with one lookup."""

    variant = models.CharField(max_length=100)
    term = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["variant", "term"], name="search_variant_once")]

    def __str__(self) -> str:
        return f"{self.variant} -> {self.term}"
