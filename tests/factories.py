from __future__ import annotations

import datetime

import factory

from apps.accounts.models import Product, Role, User
from apps.catalog.models import Album, AlbumArtist, Artist, ArtistRole, AudioRendition, IngestState, Track, TrackArtist
from apps.common.ids import new_public_id

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    display_name = factory.Sequence(lambda n: f"User {n}")
    country = "SE"
    product = Product.FREE
    role = Role.LISTENER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class ArtistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Artist

    name = factory.Sequence(lambda n: f"Artist {n}")


class AlbumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Album
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Album {n}")
    release_date = datetime.date(2024, 5, 17)

    @factory.post_generation
    def artists(self, create, extracted, **kwargs):
        if create:
            for position, artist in enumerate(extracted or [ArtistFactory()]):
                AlbumArtist.objects.create(album=self, artist=artist, position=position)


class TrackFactory(factory.django.DjangoModelFactory):
    """A ready track with a ladder on paper (no files): for API tests that never play audio."""

    class Meta:
        model = Track
        skip_postgeneration_save = True

    public_id = factory.LazyFunction(new_public_id)
    album = factory.SubFactory(AlbumFactory)
    title = factory.Sequence(lambda n: f"Track {n}")
    track_number = factory.Sequence(lambda n: n + 1)
    duration_ms = 180_000
    ingest_state = IngestState.READY
    hls_prefix = factory.LazyAttribute(lambda t: f"audio/{t.public_id}/x")
    master_key = factory.LazyAttribute(lambda t: f"masters/{t.public_id}/master.flac")

    @factory.post_generation
    def artists(self, create, extracted, **kwargs):
        if create:
            credited = extracted or [link.artist for link in self.album.album_artists.all()]
            for position, artist in enumerate(credited):
                role = ArtistRole.PRIMARY if position == 0 else ArtistRole.FEATURED
                TrackArtist.objects.create(track=self, artist=artist, role=role, position=position)


class RenditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AudioRendition

    track = factory.SubFactory(TrackFactory)
    bitrate_kbps = 160
    peak_bandwidth = 170_000
    average_bandwidth = 160_000
    playlist_key = factory.LazyAttribute(lambda r: f"{r.track.hls_prefix}/{r.bitrate_kbps}/index.m3u8")
    bytes = 3_600_000
    segment_count = 30
    segment_duration_s = 6
