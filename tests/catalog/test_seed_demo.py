"""`manage.py seed_demo`: the demo data itself, its artwork, and seeding through the real pipeline."""

from __future__ import annotations

import dataclasses
import io
import unicodedata
from collections import Counter

import numpy as np
import pytest
from django.contrib.auth import authenticate
from django.core.files.storage import default_storage
from django.core.management import call_command

from apps.accounts.models import Product, Role, User
from apps.catalog.demo.catalog import ALBUMS, ARTISTS, ARTISTS_BY_KEY, MANAGED_ARTIST, demo_tracks, primary_artist
from apps.catalog.demo.covers import SIZE, album_cover, artist_picture, drawable_text
from apps.catalog.demo.synth import render
from apps.catalog.models import Album, AlbumType, Artist, ArtistRole, AudioRendition, DatePrecision, IngestState, Track
from apps.catalog.validators import validate_isrc, validate_upc

ACCOUNTS = {
    "listener@demo.streamify": (Product.FREE, Role.LISTENER),
    "premium@demo.streamify": (Product.PREMIUM, Role.LISTENER),
    "artist@demo.streamify": (Product.PREMIUM, Role.ARTIST),
    "admin@demo.streamify": (Product.PREMIUM, Role.STAFF),
}


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", **{"duration_scale": 0.1, "tracks": 4, **options}, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def catalog_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (User, Artist, Album, Track, AudioRendition)}


def scripts(text: str) -> set[str]:
    return {unicodedata.name(c).split()[0] for c in text if c.isalpha()}


# --- the data ---------------------------------------------------------------------------------


def test_it_gives_every_track_a_valid_unique_isrc_from_one_registrant():
    isrcs = [track.isrc for _, track in demo_tracks()]
    for album, track in demo_tracks():
        validate_isrc(track.isrc)
        assert track.isrc[:5] == "QZS8D"
        assert track.isrc[5:7] == f"{album.release_date:%y}"
    assert len(set(isrcs)) == len(isrcs)
    assert [int(isrc[7:]) for isrc in isrcs] == list(range(1, len(isrcs) + 1))


def test_it_gives_every_release_a_valid_unique_upc():
    for album in ALBUMS:
        validate_upc(album.upc)
    assert len({album.upc for album in ALBUMS}) == len(ALBUMS)


def test_it_spans_locales_scripts_release_types_and_date_precisions():
    tracks = demo_tracks()
    assert 6 <= len(ARTISTS) <= 8 and 8 <= len(ALBUMS) <= 10 and 16 <= len(tracks) <= 20
    assert len({artist.name for artist in ARTISTS}) == len(ARTISTS)  # seeding finds artists by name
    names = " ".join(artist.name for artist in ARTISTS) + " ".join(track.title for _, track in tracks)
    assert {"ARABIC", "HIRAGANA", "CJK", "HANGUL", "LATIN"} <= scripts(names)
    assert {album.album_type for album in ALBUMS} == set(AlbumType.values)
    assert {album.precision for album in ALBUMS} == set(DatePrecision.values)
    assert len({album.release_date.year for album in ALBUMS}) >= 5
    compilation = next(album for album in ALBUMS if album.album_type == AlbumType.COMPILATION)
    assert len({primary_artist(compilation, track).key for track in compilation.tracks}) >= 2
    assert sum(track.explicit for _, track in tracks) >= 2
    assert sum(bool(track.featured) for _, track in tracks) >= 2
    assert all(key in ARTISTS_BY_KEY for _, track in tracks for key in track.featured)
    assert all(25 <= track.music.seconds <= 45 for _, track in tracks)
    assert all(album.artists and all(key in ARTISTS_BY_KEY for key in album.artists) for album in ALBUMS)
    assert len({track.music.seed for _, track in tracks}) == len(tracks)


def test_it_keeps_drums_out_of_ambient_and_classical_pieces():
    for album, track in demo_tracks():
        genres = set(primary_artist(album, track).genres)
        if genres & {"ambient", "classical"}:
            assert track.music.drums is None, track.title
        else:
            assert track.music.drums is not None or album.album_type == AlbumType.COMPILATION, track.title


@pytest.mark.slow
def test_it_can_render_every_demo_piece():
    for _, track in demo_tracks():
        samples = render(dataclasses.replace(track.music, seconds=1.0))
        assert np.isfinite(samples).all() and np.abs(samples).max() > 0.5, track.title


# --- the artwork ------------------------------------------------------------------------------


def test_it_draws_distinct_deterministic_covers_and_pictures():
    cover = album_cover(title="Ritmo do Sul", artist="Marina Alencar", genre="bossa nova", seed=1)
    assert cover.size == (SIZE, SIZE) == (640, 640) and cover.mode == "RGB"
    same = album_cover(title="Ritmo do Sul", artist="Marina Alencar", genre="bossa nova", seed=1)
    other = album_cover(title="Néons", artist="Les Nuits Blanches", genre="electronic", seed=2)
    assert cover.tobytes() == same.tobytes()
    assert np.abs(np.asarray(cover, float) - np.asarray(other, float)).mean() > 20
    assert artist_picture(genre="jazz", seed=3).size == (640, 640)


def test_it_falls_back_to_the_romanisation_only_when_no_installed_font_has_the_glyphs():
    assert drawable_text(["Ljus i fönstret"])[0] == "Ljus i fönstret"
    text, _ = drawable_text(["真夜中のドライブ", "Mayonaka no Drive"])
    assert text in ("真夜中のドライブ", "Mayonaka no Drive")
    assert drawable_text(["\U0010fffd"]) is None  # a private-use code point no font draws


# --- seeding through the real pipeline --------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
def test_it_seeds_accounts_artists_releases_and_playable_tracks_once():
    output = seed()

    for email, (product, role) in ACCOUNTS.items():
        user = User.objects.get(email=email)
        assert (user.product, user.role) == (product, role)
        assert authenticate(username=email, password="streamify") == user
    admin = User.objects.get(email="admin@demo.streamify")
    assert admin.is_superuser and admin.is_staff
    artist_user = User.objects.get(email="artist@demo.streamify")
    managed = Artist.objects.get(managers=artist_user)
    assert managed.name == ARTISTS_BY_KEY[MANAGED_ARTIST].name

    assert Artist.objects.count() == len(ARTISTS)
    for artist in Artist.objects.all():
        assert [image["width"] for image in artist.images] == [640, 300, 64]
    albums = Album.objects.all()
    assert {album.upc for album in albums} == {album.upc for album, _ in demo_tracks()[:4]}
    for album in albums:
        assert [image["width"] for image in album.images] == [640, 300, 64]
        assert all(default_storage.exists(image["key"]) for image in album.images)

    tracks = list(Track.objects.order_by("isrc"))
    assert [t.isrc for t in tracks] == sorted(track.isrc for _, track in demo_tracks()[:4])
    for track in tracks:
        assert track.ingest_state == IngestState.READY, track.ingest_error
        assert sorted(track.renditions.values_list("bitrate_kbps", flat=True)) == [96, 160, 320]
        assert track.loudness_lufs is not None and track.true_peak_dbtp is not None
        assert 2_000 <= track.duration_ms <= 4_600  # 25-45 s pieces at a tenth of their length
        assert default_storage.exists(track.master_playlist_key)
        # The demo artist account uploaded its own profile's tracks; the rest have no uploader.
        is_managed = track.track_artists.get(role=ArtistRole.PRIMARY).artist == managed
        assert track.uploaded_by == (artist_user if is_managed else None)
    featured = Track.objects.get(isrc="QZS8D2300002").track_artists.get(role=ArtistRole.FEATURED)
    assert featured.artist.name == "한소리"
    assert "[4/4] Ritmo do Sul — ready in" in output
    assert "password: streamify" in output and "admin@demo.streamify" in output

    counts = catalog_counts()
    prefixes = dict(Track.objects.values_list("isrc", "hls_prefix"))
    images = dict(Album.objects.values_list("upc", "images"))

    output = seed()

    assert catalog_counts() == counts
    assert dict(Track.objects.values_list("isrc", "hls_prefix")) == prefixes  # nothing re-ingested
    assert dict(Album.objects.values_list("upc", "images")) == images
    assert output.count("— already ready") == 4


@pytest.mark.slow
@pytest.mark.django_db
def test_it_completes_a_partly_seeded_catalog():
    seed(tracks=2)
    first, second = Track.objects.order_by("isrc")
    # A failed ingest, as a crashed or refused run leaves it: no ladder, a reason recorded.
    second.renditions.all().delete()
    Track.objects.filter(pk=second.pk).update(ingest_state=IngestState.FAILED, hls_prefix="", ingest_error="boom")
    Album.objects.update(images=[])

    output = seed(tracks=3)

    first_after, second_after, third = Track.objects.order_by("isrc")
    assert first_after.hls_prefix == first.hls_prefix  # ready tracks are left alone
    assert second_after.ingest_state == IngestState.READY and second_after.hls_prefix
    assert second_after.renditions.count() == 3
    assert third.ingest_state == IngestState.READY
    assert "re-ingested (was failed), ready in" in output
    assert all(len(album.images) == 3 for album in Album.objects.all())
    assert Counter(Track.objects.values_list("ingest_state", flat=True)) == {IngestState.READY: 3}
