"""Staff views of the catalog.

Every changelist computes its per-row columns in the list query itself (select_related,
annotations, one prefetch), so a page costs the same number of queries for 10 rows as for 100.
Ingest results are written only by the pipeline: staff can read them and re-run ingest, not edit
them, so the admin cannot publish a ladder that was never encoded.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from apps.catalog.media.features import FEATURE_NAMES
from apps.catalog.models import (
    Album,
    AlbumArtist,
    Artist,
    ArtistRole,
    AudioFeatures,
    AudioRendition,
    Genre,
    IngestState,
    Track,
    TrackArtist,
    TrackAvailability,
)
from apps.catalog.services.uploads import track_reingest
from apps.common.admin import ReadOnlyModelAdmin
from apps.common.errors import ApplicationError

INGEST_FIELDS = (
    "ingest_state",
    "ingest_error",
    "ingest_progress",
    "ingest_attempt",
    "ingest_started_at",
    "ingest_finished_at",
    "master_key",
    "master_filename",
    "master_format",
    "master_bytes",
    "hls_prefix",
    "loudness_lufs",
    "true_peak_dbtp",
    "duration_ms",
)


class ReadOnlyInline(admin.TabularInline):
    """Rows another process owns: shown for context, never added, edited or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# --- Genre ----------------------------------------------------------------------------------


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "track_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Genre]:
        return super().get_queryset(request).annotate(track_count=Count("tracks", distinct=True))

    @admin.display(description="tracks", ordering="track_count")
    def track_count(self, genre: Genre) -> int:
        return genre.track_count


# --- Artist ---------------------------------------------------------------------------------


def _thumbnail(images: list[dict], *, size: int = 64) -> str:
    if not images:
        return "—"
    # `images` holds renditions of one picture, largest first: the smallest is the thumbnail.
    image = min(images, key=lambda i: i.get("width") or 0)
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="" loading="lazy">',
        default_storage.url(image["key"]),
        size,
        size,
    )


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "name", "public_id", "track_count", "popularity")
    list_display_links = ("thumbnail", "name")
    list_filter = ("genres",)
    search_fields = ("name",)
    filter_horizontal = ("managers", "genres")
    # `images` is written by the artwork service (which also stores the files); editing the JSON
    # by hand could point at keys that do not exist.
    readonly_fields = ("public_id", "thumbnail", "images", "created_at")
    fields = ("public_id", "name", "bio", "thumbnail", "images", "genres", "managers", "popularity", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Artist]:
        return super().get_queryset(request).annotate(track_count=Count("tracks", distinct=True))

    @admin.display(description="tracks", ordering="track_count")
    def track_count(self, artist: Artist) -> int:
        return artist.track_count

    @admin.display(description="picture")
    def thumbnail(self, artist: Artist) -> str:
        return _thumbnail(artist.images)


# --- Album ----------------------------------------------------------------------------------


class ReleaseYearFilter(admin.SimpleListFilter):
    title = "release year"
    parameter_name = "release_year"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        years = Album.objects.dates("release_date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Album]) -> QuerySet[Album]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(release_date__year=int(value))
        return queryset


class AlbumArtistInline(admin.TabularInline):
    model = AlbumArtist
    extra = 0
    autocomplete_fields = ("artist",)
    ordering = ("position",)


class AlbumTrackInline(ReadOnlyInline):
    """The album's tracks at a glance; each is edited (or re-ingested) on its own page."""

    model = Track
    fields = ("disc_number", "track_number", "title", "ingest_state")
    readonly_fields = fields
    ordering = ("disc_number", "track_number")
    show_change_link = True


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ("title", "album_type", "release_date", "artist_names", "track_summary")
    list_filter = ("album_type", ReleaseYearFilter)
    search_fields = ("title", "upc", "artists__name")
    readonly_fields = ("public_id", "cover", "images", "created_at")
    fields = (
        "public_id",
        "title",
        "album_type",
        ("release_date", "release_date_precision"),
        "upc",
        "label",
        "cover",
        "images",
        "created_at",
    )
    inlines = (AlbumArtistInline, AlbumTrackInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Album]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                track_total=Count("tracks", distinct=True),
                track_ready=Count("tracks", filter=Q(tracks__ingest_state=IngestState.READY), distinct=True),
            )
            .prefetch_related(
                Prefetch("album_artists", queryset=AlbumArtist.objects.select_related("artist").order_by("position"))
            )
        )

    @admin.display(description="artists")
    def artist_names(self, album: Album) -> str:
        return ", ".join(link.artist.name for link in album.album_artists.all())

    @admin.display(description="ready / tracks", ordering="track_total")
    def track_summary(self, album: Album) -> str:
        return f"{album.track_ready} / {album.track_total}"

    @admin.display(description="cover")
    def cover(self, album: Album) -> str:
        return _thumbnail(album.images, size=128)


# --- Track ----------------------------------------------------------------------------------


class TrackArtistInline(admin.TabularInline):
    model = TrackArtist
    extra = 0
    autocomplete_fields = ("artist",)
    ordering = ("position",)


class AudioRenditionInline(ReadOnlyInline):
    model = AudioRendition
    fields = (
        "bitrate_kbps",
        "codec",
        "peak_bandwidth",
        "average_bandwidth",
        "segment_count",
        "segment_duration_s",
        "bytes",
        "playlist_key",
    )
    readonly_fields = fields


class AudioFeaturesInline(ReadOnlyInline):
    """Measured by the analysis at ingest (or `manage.py analyse_audio_features`); nothing to edit."""

    model = AudioFeatures
    template = "admin/edit_inline/stacked.html"  # one row of many fields: a form, not a table
    fields = (*FEATURE_NAMES, "key_confidence", "excerpt_start_ms", "excerpt_ms", "analysed_at", "analyser_version")
    readonly_fields = fields


class TrackAvailabilityInline(ReadOnlyInline):
    """The availability read model, as rights last projected it (change it through licences
    and takedowns in the rights section)."""

    model = TrackAvailability
    fields = ("territory", "kind", "starts_at", "ends_at", "source")
    readonly_fields = fields
    verbose_name_plural = "availability (written by rights)"


def _duration(ms: int | None) -> str:
    if ms is None:
        return "—"
    seconds = round(ms / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "album",
        "primary_artist",
        "isrc",
        "ingest_state",
        "progress",
        "duration",
        "loudness",
        "created_at",
    )
    list_select_related = ("album",)
    list_filter = ("ingest_state", "explicit", "genres")
    ordering = ("-created_at",)  # newest uploads (and their failures) first
    search_fields = ("title", "isrc", "album__title", "artists__name")
    autocomplete_fields = ("album", "uploaded_by")
    filter_horizontal = ("genres",)
    readonly_fields = ("public_id", *INGEST_FIELDS, "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "public_id",
                    "title",
                    "album",
                    ("disc_number", "track_number"),
                    "isrc",
                    "explicit",
                    "language",
                    "genres",
                    "popularity",
                    "uploaded_by",
                    ("created_at", "updated_at"),
                )
            },
        ),
        (
            "Ingest",
            {
                "description": "Written by the ingest pipeline only. Use the “Re-run ingest” action to process again.",
                "fields": INGEST_FIELDS,
            },
        ),
    )
    inlines = (TrackArtistInline, AudioRenditionInline, AudioFeaturesInline, TrackAvailabilityInline)
    actions = ("rerun_ingest",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Track]:
        # A subquery, not a prefetch: the column stays one query for the whole page and the
        # changelist can sort on it.
        primary = (
            TrackArtist.objects.filter(track=OuterRef("pk"), role=ArtistRole.PRIMARY)
            .order_by("position")
            .values("artist__name")[:1]
        )
        return super().get_queryset(request).annotate(primary_artist_name=Subquery(primary))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A track is born from a stored master (the studio or the upload API); one created here
        # would have nothing to ingest and stay "uploaded" for ever.
        return False

    @admin.display(description="primary artist", ordering="primary_artist_name")
    def primary_artist(self, track: Track) -> str:
        return track.primary_artist_name or "—"

    @admin.display(description="progress", ordering="ingest_progress")
    def progress(self, track: Track) -> str:
        return f"{track.ingest_progress}%"

    @admin.display(description="duration", ordering="duration_ms")
    def duration(self, track: Track) -> str:
        return _duration(track.duration_ms)

    @admin.display(description="loudness (LUFS)", ordering="loudness_lufs")
    def loudness(self, track: Track) -> str:
        return "—" if track.loudness_lufs is None else f"{track.loudness_lufs:.1f}"

    @admin.action(description="Re-run ingest", permissions=["change"])
    def rerun_ingest(self, request: HttpRequest, queryset: QuerySet[Track]) -> None:
        # One service call (and transaction) per track: a track that cannot be re-run does not
        # stop the others from being queued.
        queued = 0
        failures: list[tuple[Track, str]] = []
        for track in queryset.order_by("pk"):
            try:
                track_reingest(track=track)
            except ApplicationError as exc:
                failures.append((track, exc.message))
            else:
                queued += 1
        if queued:
            self.message_user(request, f"Queued ingest for {queued} track(s).", messages.SUCCESS)
        if failures:
            self.message_user(
                request,
                format_html(
                    "Could not re-run ingest for {} track(s): {}",
                    len(failures),
                    format_html_join("; ", "“{}”: {}", ((str(t), message) for t, message in failures)),
                ),
                messages.ERROR,
            )


# --- Audio renditions -------------------------------------------------------------------------


@admin.register(AudioRendition)
class AudioRenditionAdmin(ReadOnlyModelAdmin):
    """Rungs of published ladders. They change only when ingest publishes, so this is read-only."""

    list_display = (
        "track",
        "bitrate_kbps",
        "codec",
        "peak_bandwidth",
        "average_bandwidth",
        "segment_count",
        "bytes",
    )
    list_select_related = ("track",)
    list_filter = ("bitrate_kbps",)
    search_fields = ("track__title", "track__isrc", "playlist_key")
