"""HTML forms of the upload portal. They parse what the artist typed; the services authorise,
validate the audio and write."""

from __future__ import annotations

from django import forms

from apps.accounts.models import User
from apps.catalog.models import TITLE_MAX, Album, AlbumType, Artist
from apps.catalog.services.uploads import UploadMetadata
from apps.common.forms import ServiceErrorsMixin

# What the file picker offers; the server decides from the bytes, never from the name or type.
AUDIO_ACCEPT = ".wav,.flac,.aif,.aiff,.aifc,.mp3,.ogg,.oga,.opus,.m4a,.mp4,.aac,audio/*"
FROM_TAGS = "Leave blank to use the file's own tags."


def _csv(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class ArtistProfileForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        max_length=TITLE_MAX,
        label="Artist name",
        help_text="As listeners will see it.",
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    bio = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}))
    genres = forms.CharField(required=False, max_length=500, help_text="Comma separated, e.g. indie pop, shoegaze.")

    @property
    def genre_names(self) -> list[str]:
        return _csv(self.cleaned_data.get("genres", ""))


class UploadForm(ServiceErrorsMixin, forms.Form):
    """One track. `artist_id` and `album_id` are plain text behind a select on purpose: whether
    the user may use that artist or album is the service's decision (404 for anything else)."""

    file = forms.FileField(
        label="Audio file",
        allow_empty_file=True,  # the service refuses empty files with its own message
        help_text="WAV, FLAC, AIFF, MP3, Ogg Vorbis, Opus or M4A. Lossless masters sound best.",
        widget=forms.FileInput(attrs={"accept": AUDIO_ACCEPT}),
    )
    artist_id = forms.CharField(required=False, label="Artist profile")
    title = forms.CharField(
        required=False,
        max_length=TITLE_MAX,
        help_text=FROM_TAGS,
        widget=forms.TextInput(attrs={"dir": "auto", "placeholder": "From the file's tags"}),
    )
    isrc = forms.CharField(
        required=False,
        max_length=20,
        label="ISRC",
        help_text="12 characters, e.g. USRC17607839. " + FROM_TAGS,
        widget=forms.TextInput(attrs={"placeholder": "From the file's tags", "autocapitalize": "characters"}),
    )
    explicit = forms.BooleanField(required=False, label="Explicit lyrics")
    track_number = forms.IntegerField(required=False, min_value=1, max_value=999, help_text=FROM_TAGS)
    disc_number = forms.IntegerField(required=False, min_value=1, max_value=99, help_text=FROM_TAGS)
    language = forms.CharField(
        required=False,
        max_length=16,
        help_text="BCP 47 tag such as en, pt-BR or ja. " + FROM_TAGS,
        widget=forms.TextInput(attrs={"placeholder": "From the file's tags"}),
    )
    genres = forms.CharField(
        required=False,
        max_length=500,
        help_text="Comma separated. " + FROM_TAGS,
        widget=forms.TextInput(attrs={"placeholder": "From the file's tags"}),
    )
    featured_artist_ids = forms.CharField(
        required=False,
        max_length=1000,
        label="Featured artist ids",
        help_text="Optional, comma separated Streamify artist ids.",
    )
    album_id = forms.CharField(required=False, label="Album")
    album_title = forms.CharField(
        required=False,
        max_length=TITLE_MAX,
        label="New album title",
        help_text="Blank: the album from the file's tags, else a single named after the track.",
        widget=forms.TextInput(attrs={"dir": "auto", "placeholder": "From the file's tags"}),
    )
    album_type = forms.ChoiceField(
        required=False,
        choices=[("", "Decide for me"), *AlbumType.choices],
        label="Album type",
    )
    release_date = forms.DateField(
        required=False,
        help_text=FROM_TAGS + " Else today.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    label = forms.CharField(required=False, max_length=200, label="Record label")
    upc = forms.CharField(required=False, max_length=13, label="UPC / EAN", help_text="12 or 13 digits.")
    cover = forms.FileField(
        required=False,
        label="Cover art",
        help_text="A square image, at least 300 × 300 pixels (JPEG or PNG).",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        artists = list(Artist.objects.filter(managers=user).order_by("name"))
        if len(artists) > 1:
            self.fields["artist_id"].required = True
            self.fields["artist_id"].widget = forms.Select(choices=[(a.public_id, a.name) for a in artists])
        else:
            # With one profile (or none yet) there is nothing to choose; blank lets the service pick.
            self.fields["artist_id"].widget = forms.HiddenInput()
        albums = (
            Album.objects.filter(album_artists__artist__managers=user).distinct().order_by("-created_at", "-pk")[:200]
        )
        self.fields["album_id"].widget = forms.Select(
            choices=[("", "A new album or single (below)")]
            + [(a.public_id, f"{a.title} ({a.get_album_type_display()}, {a.release_date:%Y})") for a in albums]
        )

    def metadata(self) -> UploadMetadata:
        data = self.cleaned_data
        return UploadMetadata(
            title=data["title"],
            isrc=data["isrc"],
            explicit=data["explicit"],
            track_number=data["track_number"],
            disc_number=data["disc_number"],
            language=data["language"],
            genres=_csv(data["genres"]),
            featured_artist_ids=_csv(data["featured_artist_ids"]),
            album_id=data["album_id"],
            album_title=data["album_title"],
            album_type=data["album_type"],
            release_date=data["release_date"],
            label=data["label"],
            upc=data["upc"],
        )
