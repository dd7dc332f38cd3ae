from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.catalog.validators import validate_isrc, validate_upc
from apps.common.fields import PublicIdField

TITLE_MAX = 500


class Genre(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Artist(models.Model):
    public_id = PublicIdField()
    name = models.CharField(max_length=TITLE_MAX)
    bio = models.TextField(blank=True)
    # Renditions of the artist picture: [{"key": storage key, "width": px, "height": px}], largest first.
    images = models.JSONField(default=list, blank=True)
    genres = models.ManyToManyField(Genre, blank=True, related_name="artists")
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_artists", help_text="Artist accounts."
    )
    popularity = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class AlbumType(models.TextChoices):
    ALBUM = "album", "Album"
    SINGLE = "single", "Single"
    COMPILATION = "compilation", "Compilation"


class DatePrecision(models.TextChoices):
    YEAR = "year", "Year"
    MONTH = "month", "Month"
    DAY = "day", "Day"


class AlbumQuerySet(models.QuerySet):
    def with_ready_tracks(self) -> AlbumQuerySet:
        """Albums a listener can see: those with at least one ready track."""
        return self.filter(tracks__ingest_state=IngestState.READY).distinct()

    def by_artist(self, artist: Artist) -> AlbumQuerySet:
        return self.filter(album_artists__artist=artist)


class Album(models.Model):
    public_id = PublicIdField()
    title = models.CharField(max_length=TITLE_MAX)
    album_type = models.CharField(max_length=12, choices=AlbumType.choices, default=AlbumType.ALBUM)
    release_date = models.DateField()
    release_date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    upc = models.CharField(max_length=13, blank=True, null=True, unique=True, validators=[validate_upc])
    label = models.CharField(max_length=200, blank=True)
    images = models.JSONField(default=list, blank=True)  # cover art renditions, 640/300/64 px
    artists = models.ManyToManyField(Artist, through="AlbumArtist", related_name="albums")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AlbumQuerySet.as_manager()

    class Meta:
        ordering = ["-release_date", "title"]

    def __str__(self) -> str:
        return self.title

    def release_date_text(self) -> str:
        """The release date as Spotify prints it: to the precision that is known."""
        if self.release_date_precision == DatePrecision.YEAR:
            return f"{self.release_date:%Y}"
        if self.release_date_precision == DatePrecision.MONTH:
            return f"{self.release_date:%Y-%m}"
        return self.release_date.isoformat()


class AlbumArtist(models.Model):
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="album_artists")
    artist = models.ForeignKey(Artist, on_delete=models.PROTECT, related_name="album_credits")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["album", "artist"], name="album_artist_unique")]

    def __str__(self) -> str:
        return f"{self.artist} on {self.album}"


class IngestState(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class TrackQuerySet(models.QuerySet):
    def ready(self) -> TrackQuerySet:
        """Only ready tracks are ever shown to listeners."""
        return self.filter(ingest_state=IngestState.READY)

    def uploaded_by(self, user) -> TrackQuerySet:
        return self.filter(uploaded_by=user)

    def with_relations(self) -> TrackQuerySet:
        """Everything a track object renders, in a fixed number of queries."""
        return self.select_related("album").prefetch_related(
            models.Prefetch("track_artists", queryset=TrackArtist.objects.select_related("artist")),
            models.Prefetch("album__album_artists", queryset=AlbumArtist.objects.select_related("artist")),
        )


class Track(models.Model):
    public_id = PublicIdField()
    album = models.ForeignKey(Album, on_delete=models.PROTECT, related_name="tracks")
    title = models.CharField(max_length=TITLE_MAX)
    # Not unique: one recording (ISRC) is often released several times (single, album,
    # compilation), and relinking plays whichever release is available in the listener's market.
    isrc = models.CharField(max_length=12, null=True, blank=True, db_index=True, validators=[validate_isrc])
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    explicit = models.BooleanField(default=False)
    disc_number = models.PositiveSmallIntegerField(default=1)
    track_number = models.PositiveSmallIntegerField(default=1)
    language = models.CharField(max_length=16, blank=True, help_text="BCP 47 tag, e.g. en, pt-BR, ja.")
    genres = models.ManyToManyField(Genre, blank=True, related_name="tracks")
    artists = models.ManyToManyField(Artist, through="TrackArtist", related_name="tracks")
    popularity = models.PositiveSmallIntegerField(default=0)

    # Ingest: uploaded -> processing -> ready | failed (with a human reason).
    ingest_state = models.CharField(max_length=12, choices=IngestState.choices, default=IngestState.UPLOADED)
    ingest_error = models.TextField(blank=True)
    ingest_progress = models.PositiveSmallIntegerField(default=0)  # percent, for the studio's live view
    # Each ingest run draws a fresh token; only the run holding the current token may publish, so a
    # redelivered task racing an earlier one can never publish twice or over a newer result.
    ingest_attempt = models.CharField(max_length=32, blank=True)
    ingest_started_at = models.DateTimeField(null=True, blank=True)
    ingest_finished_at = models.DateTimeField(null=True, blank=True)

    master_key = models.CharField(max_length=500, blank=True)  # private storage key of the upload
    master_filename = models.CharField(max_length=255, blank=True)
    master_format = models.CharField(max_length=16, blank=True)
    master_bytes = models.BigIntegerField(default=0)
    hls_prefix = models.CharField(max_length=200, blank=True)  # published ladder: <prefix>/master.m3u8
    # EBU R128, measured at ingest so players can normalise volume without analysing audio.
    loudness_lufs = models.FloatField(null=True, blank=True)
    true_peak_dbtp = models.FloatField(null=True, blank=True)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrackQuerySet.as_manager()

    class Meta:
        ordering = ["album", "disc_number", "track_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["album", "disc_number", "track_number"], name="track_position_in_album_unique"
            ),
            models.UniqueConstraint(fields=["album", "isrc"], name="track_isrc_once_per_album"),
            models.CheckConstraint(
                condition=Q(ingest_state="ready", hls_prefix__gt="") | ~Q(ingest_state="ready"),
                name="track_ready_has_ladder",
            ),
        ]
        indexes = [models.Index(fields=["ingest_state", "-popularity"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.ingest_state == IngestState.READY

    @property
    def master_playlist_key(self) -> str:
        return f"{self.hls_prefix}/master.m3u8" if self.hls_prefix else ""


class ArtistRole(models.TextChoices):
    PRIMARY = "primary", "Primary"
    FEATURED = "featured", "Featured"


class TrackArtist(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="track_artists")
    artist = models.ForeignKey(Artist, on_delete=models.PROTECT, related_name="track_credits")
    role = models.CharField(max_length=10, choices=ArtistRole.choices, default=ArtistRole.PRIMARY)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["track", "artist"], name="track_artist_unique")]

    def __str__(self) -> str:
        return f"{self.artist} ({self.role}) on {self.track}"


class AudioRendition(models.Model):
    """One rung of a track's HLS ladder: AAC-LC in fragmented MP4."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="renditions")
    codec = models.CharField(max_length=32, default="mp4a.40.2")  # RFC 6381 codec string (AAC-LC)
    bitrate_kbps = models.PositiveIntegerField()  # the nominal rung: 96, 160 or 320
    # HLS BANDWIDTH is the peak segment bit rate and AVERAGE-BANDWIDTH the mean (RFC 8216 4.3.4.2),
    # measured from the segments actually written, not the nominal rate.
    peak_bandwidth = models.PositiveIntegerField()
    average_bandwidth = models.PositiveIntegerField()
    playlist_key = models.CharField(max_length=500)  # storage key of the variant playlist
    bytes = models.BigIntegerField()
    segment_count = models.PositiveIntegerField()
    segment_duration_s = models.FloatField()  # target duration
    sample_rate = models.PositiveIntegerField(default=44100)
    channels = models.PositiveSmallIntegerField(default=2)

    class Meta:
        ordering = ["bitrate_kbps"]
        constraints = [models.UniqueConstraint(fields=["track", "bitrate_kbps"], name="rendition_rung_unique")]

    def __str__(self) -> str:
        return f"{self.track} @ {self.bitrate_kbps} kbps"


WORLDWIDE = "*"  # the territory of a rule that holds in every country without a rule of its own


class AvailabilityKind(models.TextChoices):
    GRANT = "grant", "Playable"
    GRANT_PREMIUM = "grant_premium", "Playable on premium only"
    BLOCK = "block", "Blocked"
    TAKEDOWN = "takedown", "Taken down"


class TrackAvailability(models.Model):
    """The availability read model: where and when a track may play, as rights decided.

    Rights writes these rows (through `catalog.services.availability`) in the transaction that
    changes a licence or a takedown; every reader asks them with one indexed query. A row holds
    for `territory` (ISO 3166-1 alpha-2, or `*` for every country without a rule of its own)
    from `starts_at` until `ends_at` (open ends are null), so a scheduled release appears and an
    expiring licence ends at the right moment with no job to run.
    """

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="availability")
    territory = models.CharField(max_length=2)
    kind = models.CharField(max_length=16, choices=AvailabilityKind.choices)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=64, help_text="The decision this row comes from, e.g. licence:<id>.")

    class Meta:
        ordering = ["track", "territory", "starts_at"]
        indexes = [models.Index(fields=["track", "territory"])]

    def __str__(self) -> str:
        return f"{self.track_id} {self.territory} {self.kind}"


class AudioFeatures(models.Model):
    """Content features measured from a track's master at ingest (`apps.catalog.media.features`
    says how each one is measured), and the normalised vector that similarity compares.

    One row per track; a re-ingest or a newer analyser replaces it. Tracks whose audio has
    nothing to measure (silence, under 3 s) or whose analysis failed have no row.
    """

    track = models.OneToOneField(Track, primary_key=True, related_name="audio_features", on_delete=models.CASCADE)
    # The measured scalars, in `FEATURE_NAMES` order; Spotify's audio-features fields where one exists.
    tempo = models.FloatField(help_text="Beats per minute.")
    key = models.SmallIntegerField(help_text="Pitch class of the tonic, 0 = C .. 11 = B; -1 when no key is clear.")
    mode = models.SmallIntegerField(help_text="1 major, 0 minor.")
    time_signature = models.SmallIntegerField(help_text="Beats per bar, measured as 3 or 4.")
    energy = models.FloatField(help_text="0-1, from the frame RMS levels.")
    loudness = models.FloatField(help_text="dB: the EBU R128 integrated loudness (LUFS) if measured, else RMS dBFS.")
    danceability = models.FloatField(help_text="0-1: pulse clarity (periodicity of onsets at the tempo).")
    spectral_centroid = models.FloatField(help_text="Hz.")
    spectral_bandwidth = models.FloatField(help_text="Hz.")
    spectral_rolloff = models.FloatField(help_text="Hz below which 85 % of the energy lies.")
    spectral_flatness = models.FloatField(help_text="0 tonal .. 1 noise.")
    zero_crossing_rate = models.FloatField(help_text="Crossings per sample.")
    onset_rate = models.FloatField(help_text="Onsets per second.")
    beat_strength = models.FloatField(help_text="Onset strength on the beats over the mean (1: no pulse).")
    key_confidence = models.FloatField(help_text="Krumhansl-Schmuckler correlation of the key, -1..1.")
    # What was analysed: at most 120 s from the middle of the track.
    excerpt_start_ms = models.PositiveIntegerField(default=0)
    excerpt_ms = models.PositiveIntegerField(default=0)
    # `VECTOR_COMPONENTS` order: each feature standardised with fixed reference values, the key on
    # the circle of fifths as sin/cos, then L2-normalised.
    vector = models.JSONField(default=list)
    analysed_at = models.DateTimeField()
    analyser_version = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name_plural = "audio features"
        indexes = [models.Index(fields=["analyser_version"])]

    def __str__(self) -> str:
        return f"audio features of track {self.track_id}"


# The search read model lives with the search code; imported here so Django registers it.
from apps.catalog.search.models import SearchDocument, SearchTerm, SearchTermVariant  # noqa: E402, F401
