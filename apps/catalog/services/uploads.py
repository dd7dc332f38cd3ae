"""An artist's upload: validate everything, store the master, create the track, queue ingest.

Every check runs before anything is written. The writes are ordered so that a failure leaves
nothing behind: files go to storage first under keys nothing references, the rows are created in
one transaction, and if that transaction fails the files are deleted again.
"""

from __future__ import annotations

import datetime
import re
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import get_valid_filename

from apps.accounts.models import User
from apps.catalog.media.sniff import SNIFF_BYTES, sniff_audio_format
from apps.catalog.media.tags import FileTags, read_tags
from apps.catalog.models import Album, AlbumType, Artist, ArtistRole, DatePrecision, IngestState, Track, TrackArtist
from apps.catalog.services.artwork import artwork_delete
from apps.catalog.services.catalog import album_create, clean_title, genres_get_or_create
from apps.catalog.services.ingest import REINGEST_REQUESTED
from apps.catalog.validators import normalize_isrc, validate_isrc
from apps.common.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from apps.common.ids import new_public_id


@dataclass
class UploadMetadata:
    """What the artist typed; anything left empty is filled from the file's own tags."""

    title: str = ""
    isrc: str = ""
    explicit: bool = False
    track_number: int | None = None
    disc_number: int | None = None
    language: str = ""
    genres: list[str] = field(default_factory=list)
    featured_artist_ids: list[str] = field(default_factory=list)
    album_id: str = ""  # an existing album of the artist's, or
    album_title: str = ""  # a new one (default: a single named after the track)
    album_type: str = ""
    release_date: datetime.date | None = None
    label: str = ""
    upc: str = ""


def managed_artist_for(*, user: User, artist_id: str | None) -> Artist:
    """The artist profile the upload is for; one the user does not manage is a 404."""
    if not user.is_artist:
        raise PermissionDenied("Only artist accounts can upload music.")
    managed = Artist.objects.filter(managers=user)
    if artist_id:
        artist = managed.filter(public_id=artist_id).first()
        if artist is None:
            raise NotFound("Artist not found.")
        return artist
    profiles = list(managed[:2])
    if not profiles:
        raise ApplicationError("Create an artist profile before uploading.")
    if len(profiles) > 1:
        raise ApplicationError("You manage several artists: say which one with artist_id.")
    return profiles[0]


def _local_path(upload: UploadedFile, scratch: Path) -> Path:
    """Uploads arrive as temporary files on disk (see FILE_UPLOAD_HANDLERS); other file objects
    (tests, management commands) are spooled to scratch in chunks."""
    if hasattr(upload, "temporary_file_path"):
        return Path(upload.temporary_file_path())
    target = scratch / "master"
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


def _check_duration(tags: FileTags) -> None:
    if tags.duration_ms is None:
        return  # the decode at ingest measures it for sure
    limit = settings.INGEST_MAX_DURATION_MS
    if tags.duration_ms > limit:
        raise ApplicationError(
            f"The track is {tags.duration_ms / 60000:.0f} minutes long; the limit is {limit // 60000} minutes."
        )
    if tags.duration_ms < settings.INGEST_MIN_DURATION_MS:
        raise ApplicationError(f"The track is shorter than the {settings.INGEST_MIN_DURATION_MS // 1000} s minimum.")


def _clean_isrc(raw: str, *, artist: Artist, album: Album | None) -> str | None:
    """An ISRC names a recording, which may be released again (on an album after its single, on
    a compilation): by the artist of that recording, on another release."""
    if not raw:
        return None
    isrc = normalize_isrc(raw)
    try:
        validate_isrc(isrc)
    except ValidationError as exc:
        raise ValidationError({"isrc": exc.messages}) from exc
    existing = Track.objects.filter(isrc=isrc)
    if album is not None and existing.filter(album=album).exists():
        raise Conflict(f"This album already has the recording with ISRC {isrc}.")
    others = existing.exclude(track_artists__artist=artist, track_artists__role=ArtistRole.PRIMARY)
    if others.exists():
        raise Conflict(f"ISRC {isrc} belongs to another artist's recording.")
    return isrc


def _release_date_from_tag(text: str) -> tuple[datetime.date, str] | None:
    for pattern, precision in (
        (r"(\d{4})-(\d{2})-(\d{2})", "day"),
        (r"(\d{4})-(\d{2})", "month"),
        (r"(\d{4})", "year"),
    ):
        match = re.match(pattern, text or "")
        if match:
            parts = [int(p) for p in match.groups()] + [1] * (3 - len(match.groups()))
            try:
                return datetime.date(*parts), precision
            except ValueError:
                return None
    return None


def _existing_album(*, user: User, album_id: str) -> Album:
    album = Album.objects.filter(public_id=album_id, album_artists__artist__managers=user).distinct().first()
    if album is None:
        raise NotFound("Album not found.")
    return album


def _featured(ids: list[str], primary: Artist) -> list[Artist]:
    found = {a.public_id: a for a in Artist.objects.filter(public_id__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"featured_artist_ids": f"Unknown artist id(s): {', '.join(missing)}."})
    return [found[i] for i in dict.fromkeys(ids) if found[i] != primary]


def _position(album: Album, disc: int, number: int | None) -> int:
    if number is None:
        highest = album.tracks.filter(disc_number=disc).aggregate(n=Max("track_number"))["n"] or 0
        return highest + 1
    if album.tracks.filter(disc_number=disc, track_number=number).exists():
        raise Conflict(f"Disc {disc} of this album already has a track {number}.")
    return number


def upload_create(
    *, user: User, file: UploadedFile, metadata: UploadMetadata, artist_id: str | None = None, cover=None
) -> Track:
    """An artist account's upload: authorise, then create the track from its master."""
    artist = managed_artist_for(user=user, artist_id=artist_id)
    album = _existing_album(user=user, album_id=metadata.album_id) if metadata.album_id else None
    # An artist account may credit only profiles it manages: crediting someone else's would put the
    # track on their page without their consent (a consent flow between accounts is future work).
    managed = set(Artist.objects.filter(managers=user).values_list("public_id", flat=True))
    foreign = [i for i in metadata.featured_artist_ids if i not in managed]
    if foreign:
        raise ValidationError({"featured_artist_ids": f"Unknown artist id(s): {', '.join(foreign)}."})
    return track_create_from_master(
        artist=artist, file=file, metadata=metadata, album=album, cover=cover, uploaded_by=user
    )


def track_create_from_master(
    *,
    artist: Artist,
    file: UploadedFile,
    metadata: UploadMetadata,
    album: Album | None = None,
    cover=None,
    uploaded_by: User | None = None,
    queue_ingest: bool = True,
) -> Track:
    """Validate a master, store it, create the track (and its album when none is given) in the
    `uploaded` state, and queue ingest after commit (callers that run `track_ingest` themselves,
    like the demo seeder, pass `queue_ingest=False`). Callers have already authorised `artist` and
    `album`; `metadata.album_id` is ignored here."""
    if file is None:
        raise ValidationError({"file": "An audio file is required."})
    if file.size == 0:
        raise ApplicationError("The file is empty.")
    if file.size > settings.UPLOAD_MAX_BYTES:
        raise ApplicationError(f"The file is larger than the {settings.UPLOAD_MAX_BYTES} byte limit.", status=413)

    with tempfile.TemporaryDirectory(prefix="streamify-upload-") as scratch:
        path = _local_path(file, Path(scratch))
        with path.open("rb") as handle:
            audio_format = sniff_audio_format(handle.read(SNIFF_BYTES))
        tags = read_tags(str(path))
    _check_duration(tags)

    title = clean_title(metadata.title or tags.title or Path(file.name or "").stem.replace("_", " "))
    isrc = _clean_isrc(metadata.isrc or tags.isrc, artist=artist, album=album)
    featured = _featured(metadata.featured_artist_ids, artist)
    disc = metadata.disc_number or tags.disc_number or 1
    if album is not None:
        _position(album, disc, metadata.track_number or tags.track_number)  # refuse early, before storing

    public_id = new_public_id()
    safe_name = get_valid_filename(Path(file.name or "master").name)[-100:] or "master"
    master_key = default_storage.save(f"masters/{public_id}/{safe_name}", file)
    new_album_images: list[dict] = []
    try:
        with transaction.atomic():
            if album is None:
                released = (
                    (metadata.release_date, DatePrecision.DAY)
                    if metadata.release_date
                    else _release_date_from_tag(tags.date) or (timezone.localdate(), DatePrecision.DAY)
                )
                album = album_create(
                    title=metadata.album_title or tags.album or title,
                    artists=[artist],
                    album_type=metadata.album_type or (AlbumType.ALBUM if metadata.album_title else AlbumType.SINGLE),
                    release_date=released[0],
                    release_date_precision=released[1],
                    label=metadata.label,
                    upc=metadata.upc,
                    cover=cover,
                )
                new_album_images = album.images
                track_number = metadata.track_number or tags.track_number or 1
            else:
                # Numbering under a lock on the album (STYLE 6): two uploads into one album at once
                # get consecutive numbers instead of one of them a spurious 409.
                Album.objects.select_for_update().filter(pk=album.pk).exists()
                track_number = _position(album, disc, metadata.track_number or tags.track_number)
            track = Track.objects.create(
                public_id=public_id,
                album=album,
                title=title,
                isrc=isrc,
                explicit=metadata.explicit,
                disc_number=disc,
                track_number=track_number,
                language=(metadata.language or tags.language)[:16],
                duration_ms=tags.duration_ms,
                master_key=master_key,
                master_filename=(file.name or "")[:255],
                master_format=audio_format.name,
                master_bytes=file.size,
                uploaded_by=uploaded_by,
            )
            TrackArtist.objects.create(track=track, artist=artist, role=ArtistRole.PRIMARY, position=0)
            TrackArtist.objects.bulk_create(
                TrackArtist(track=track, artist=a, role=ArtistRole.FEATURED, position=i)
                for i, a in enumerate(featured, start=1)
            )
            track.genres.set(genres_get_or_create(names=metadata.genres or tags.genres))
            if queue_ingest:
                track_ingest_enqueue(track=track)
    except IntegrityError as exc:
        default_storage.delete(master_key)
        artwork_delete(new_album_images)
        raise Conflict("This upload conflicts with an existing track (ISRC or track number).") from exc
    except BaseException:
        default_storage.delete(master_key)
        artwork_delete(new_album_images)
        raise
    return track


def track_ingest_enqueue(*, track: Track) -> None:
    """Queue the ingest task once the surrounding transaction has committed (the worker must see
    the row)."""
    from apps.catalog.tasks import ingest_track  # tasks import services; import here, not at the top

    # robust: a broker outage after commit must not fail the request (and so trigger cleanup of a
    # committed upload); the track stays `uploaded` and staff can re-run it from the admin.
    transaction.on_commit(lambda: ingest_track.delay(track.pk), robust=True)


@transaction.atomic
def track_reingest(*, track: Track) -> None:
    """Staff action: run ingest again (after a failure on our side, or a pipeline upgrade).

    A ready track stays ready and keeps playing its current ladder until the new one is published."""
    locked = Track.objects.select_for_update().get(pk=track.pk)
    if not locked.master_key:
        raise ApplicationError("This track has no stored master to process.")
    if locked.ingest_state == IngestState.PROCESSING and locked.ingest_started_at:
        # A run that is still inside its ffmpeg time limit is alive; one past it crashed with its
        # worker and may be started again.
        alive_until = locked.ingest_started_at + timedelta(seconds=settings.INGEST_FFMPEG_TIMEOUT_SECONDS + 300)
        if timezone.now() < alive_until:
            raise Conflict("This track is being processed right now.")
    if locked.ingest_state == IngestState.READY:
        locked.ingest_attempt = REINGEST_REQUESTED
        locked.save(update_fields=["ingest_attempt", "updated_at"])
    else:
        locked.ingest_state = IngestState.UPLOADED
        locked.save(update_fields=["ingest_state", "updated_at"])
    track_ingest_enqueue(track=locked)
