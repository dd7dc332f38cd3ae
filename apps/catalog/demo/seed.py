"""Seed the demo: four accounts, the demo artists with pictures, their releases with covers, and
tracks rendered by the synthesiser and put through the real ingest pipeline (inline, no worker).

Safe to run again: accounts are found by email, artists by name, releases by UPC and tracks by
ISRC, so a second run creates nothing and re-ingests nothing that is ready. It also completes a
partial run: missing pictures and covers are drawn, and a track left `uploaded`, `processing`
(a run that died) or `failed` is ingested again from its stored master.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from PIL import Image

from apps.accounts.models import Product, Role, User
from apps.catalog.demo.catalog import (
    ALBUMS,
    ARTISTS,
    ARTISTS_BY_KEY,
    MANAGED_ARTIST,
    DemoAlbum,
    DemoArtist,
    DemoTrack,
    demo_tracks,
    primary_artist,
)
from apps.catalog.demo.covers import album_cover, artist_picture, image_file
from apps.catalog.demo.synth import render_wav
from apps.catalog.models import Album, AlbumType, Artist, AudioRendition, IngestState, Track
from apps.catalog.services.catalog import album_cover_set, album_create, artist_create, artist_image_set
from apps.catalog.services.ingest import track_ingest
from apps.catalog.services.uploads import UploadMetadata, track_create_from_master

# The documented password of the public demo accounts, printed by the command: not a secret.
DEMO_PASSWORD = "streamify"  # noqa: S105
MIN_SECONDS = 2.0  # ingest refuses under 1 s; keep scaled-down test pieces well clear of it


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    country: str
    product: str
    role: str
    superuser: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("listener@demo.streamify", "Demo Listener", "US", Product.FREE, Role.LISTENER),
    DemoAccount("premium@demo.streamify", "Demo Premium", "BR", Product.PREMIUM, Role.LISTENER),
    DemoAccount("artist@demo.streamify", "Saga Lindqvist", "SE", Product.PREMIUM, Role.ARTIST),
    DemoAccount("admin@demo.streamify", "Demo Admin", "JP", Product.PREMIUM, Role.STAFF, superuser=True),
)
ARTIST_ACCOUNT = "artist@demo.streamify"


@dataclass
class SeedReport:
    users_created: int = 0
    artists_created: int = 0
    albums_created: int = 0
    tracks_created: int = 0
    tracks_ingested: int = 0
    tracks_already_ready: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _seed(text: str) -> int:
    return zlib.crc32(text.encode())


def demo_accounts_ensure(*, report: SeedReport) -> dict[str, User]:
    """The four demo logins, created once and left alone afterwards (a changed password or tier
    is the user's business, not the seeder's)."""
    users = {}
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email__iexact=account.email).first()
        if user is None:
            # Not `user_create`: its password validation rightly refuses "streamify" for these
            # accounts (too similar to the email address), and the demo wants one memorable password.
            fields = {"display_name": account.display_name, "country": account.country, "product": account.product}
            if account.superuser:
                user = User.objects.create_superuser(account.email, DEMO_PASSWORD, **fields)
            else:
                user = User.objects.create_user(account.email, DEMO_PASSWORD, role=account.role, **fields)
            report.users_created += 1
        users[account.email] = user
    return users


def demo_artist_ensure(*, demo: DemoArtist, manager: User | None, report: SeedReport) -> Artist:
    artist = Artist.objects.filter(name=demo.name).order_by("pk").first()
    if artist is None:
        artist = artist_create(name=demo.name, manager=manager, bio=demo.bio, genres=list(demo.genres))
        report.artists_created += 1
    elif manager is not None:
        artist.managers.add(manager)  # no-op when already there
    if not artist.images:
        artist_image_set(artist=artist, image=image_file(artist_picture(genre=demo.genres[0], seed=_seed(demo.name))))
    return artist


def _cover(demo: DemoAlbum) -> Image.Image:
    credited = [ARTISTS_BY_KEY[key] for key in demo.artists]
    various = demo.album_type == AlbumType.COMPILATION
    return album_cover(
        title=demo.title,
        romanized_title=demo.romanized,
        artist="Various Artists" if various else ", ".join(a.name for a in credited),
        romanized_artist="" if various else ", ".join(a.romanized or a.name for a in credited),
        genre=demo.genre,
        seed=_seed(demo.upc),
    )


def demo_album_ensure(*, demo: DemoAlbum, artists: dict[str, Artist], report: SeedReport) -> Album:
    album = Album.objects.filter(upc=demo.upc).first()
    if album is None:
        album = album_create(
            title=demo.title,
            artists=[artists[key] for key in demo.artists],
            album_type=demo.album_type,
            release_date=demo.release_date,
            release_date_precision=demo.precision,
            label=demo.label,
            upc=demo.upc,
            cover=image_file(_cover(demo)),
        )
        report.albums_created += 1
    elif not album.images:
        album_cover_set(album=album, cover=image_file(_cover(demo)))
    return album


def demo_track_ensure(
    *,
    album_demo: DemoAlbum,
    demo: DemoTrack,
    album: Album,
    artists: dict[str, Artist],
    uploader: User | None,
    duration_scale: float,
    scratch: Path,
    report: SeedReport,
) -> str:
    """Create and ingest one track, or finish one a previous run left; returns the progress text."""
    started = time.monotonic()
    track = Track.objects.filter(isrc=demo.isrc).first()
    if track is not None and track.ingest_state == IngestState.READY:
        report.tracks_already_ready += 1
        return "already ready"
    if track is None:
        primary = primary_artist(album_demo, demo)
        seconds = max(MIN_SECONDS, round(demo.music.seconds * duration_scale, 3))
        path = render_wav(dataclasses.replace(demo.music, seconds=seconds), scratch / f"{demo.isrc}.wav")
        with path.open("rb") as handle:
            track = track_create_from_master(
                artist=artists[primary.key],
                file=File(handle, name=path.name),
                metadata=UploadMetadata(
                    title=demo.title,
                    isrc=demo.isrc,
                    explicit=demo.explicit,
                    track_number=album_demo.tracks.index(demo) + 1,
                    disc_number=1,
                    language=demo.language,
                    genres=list(primary.genres),
                    featured_artist_ids=[artists[key].public_id for key in demo.featured],
                ),
                album=album,
                uploaded_by=uploader if primary.key == MANAGED_ARTIST else None,
                queue_ingest=False,
            )
        path.unlink()
        report.tracks_created += 1
        verb = "ready"
    else:
        verb = f"re-ingested (was {track.ingest_state}), ready"
    track_ingest(track_id=track.pk)
    track.refresh_from_db(fields=["ingest_state", "ingest_error"])
    if track.ingest_state != IngestState.READY:
        report.failures.append(f"{demo.title} ({demo.isrc}): {track.ingest_error or track.ingest_state}")
        return f"failed: {track.ingest_error or track.ingest_state}"
    report.tracks_ingested += 1
    return f"{verb} in {time.monotonic() - started:.1f} s"


def demo_catalog_seed(
    *, duration_scale: float = 1.0, track_limit: int | None = None, log: Callable[[str], None] = print
) -> SeedReport:
    """Seed everything; `track_limit` seeds only the first N tracks (and the releases they are on).

    Not one transaction: every track commits as it is done, so an interrupted run keeps its work
    and the next run carries on from there."""
    if duration_scale <= 0:
        raise ValueError("duration_scale must be positive.")
    started = time.monotonic()
    report = SeedReport()
    users = demo_accounts_ensure(report=report)
    uploader = users[ARTIST_ACCOUNT]
    artists = {
        demo.key: demo_artist_ensure(demo=demo, manager=uploader if demo.key == MANAGED_ARTIST else None, report=report)
        for demo in ARTISTS
    }
    selected = demo_tracks()[:track_limit] if track_limit is not None else demo_tracks()
    albums: dict[str, Album] = {}
    for album_demo in ALBUMS:
        if any(a is album_demo for a, _ in selected):
            albums[album_demo.upc] = demo_album_ensure(demo=album_demo, artists=artists, report=report)
    with tempfile.TemporaryDirectory(prefix="streamify-demo-") as scratch:
        for number, (album_demo, demo) in enumerate(selected, start=1):
            try:
                outcome = demo_track_ensure(
                    album_demo=album_demo,
                    demo=demo,
                    album=albums[album_demo.upc],
                    artists=artists,
                    uploader=uploader,
                    duration_scale=duration_scale,
                    scratch=Path(scratch),
                    report=report,
                )
            except Exception as exc:  # report and go on: the next run retries what is left
                report.failures.append(f"{demo.title} ({demo.isrc}): {exc}")
                outcome = f"error: {exc}"
            log(f"[{number}/{len(selected)}] {demo.title} — {outcome}")
    report.seconds = time.monotonic() - started
    return report


def demo_catalog_counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "artists": Artist.objects.count(),
        "albums": Album.objects.count(),
        "tracks": Track.objects.count(),
        "ready tracks": Track.objects.ready().count(),
        "renditions": AudioRendition.objects.count(),
    }
