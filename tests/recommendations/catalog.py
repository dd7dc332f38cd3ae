"""A small catalog with planted taste structure for the recommender's tests: genres whose
tracks sound alike (audio features near the genre's), by artists of that genre."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from apps.catalog.features import feature_index_clear
from apps.catalog.media.features import feature_vector
from apps.catalog.models import AudioFeatures, Genre
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

# Two ways of sounding: slow, quiet, dark and tonal; fast, loud, bright and noisy.
SOUNDS = {
    "ambient": dict(tempo=72, key=9, mode=0, energy=0.2, loudness=-20, danceability=0.1, spectral_centroid=900,
                    spectral_bandwidth=1200, spectral_rolloff=1800, spectral_flatness=0.002, zero_crossing_rate=0.03,
                    onset_rate=0.8, beat_strength=1.1),
    "techno": dict(tempo=132, key=0, mode=1, energy=0.95, loudness=-6, danceability=0.8, spectral_centroid=4000,
                   spectral_bandwidth=3200, spectral_rolloff=9000, spectral_flatness=0.08, zero_crossing_rate=0.15,
                   onset_rate=5.0, beat_strength=2.6),
}  # fmt: skip


def with_features(track, sound: str, *, nudge: float = 0.0):
    values = {**SOUNDS[sound], "time_signature": 4}
    values["tempo"] += nudge
    AudioFeatures.objects.create(
        track=track,
        **values,
        key_confidence=0.8,
        vector=feature_vector(values),
        analysed_at=timezone.now(),
        analyser_version=1,
    )
    feature_index_clear()
    return track


@dataclass
class Planted:
    genres: dict[str, Genre] = field(default_factory=dict)
    tracks: dict[str, list] = field(default_factory=dict)  # genre slug -> tracks, artist by artist
    artists: dict[str, list] = field(default_factory=dict)


def planted_catalog(*, artists_per_genre: int = 4, tracks_per_artist: int = 4, popularity: int = 10) -> Planted:
    planted = Planted()
    for sound in SOUNDS:
        genre = Genre.objects.create(slug=sound, name=sound.title())
        planted.genres[sound], planted.tracks[sound], planted.artists[sound] = genre, [], []
        for a in range(artists_per_genre):
            artist = ArtistFactory(name=f"{sound.title()} Artist {a}")
            planted.artists[sound].append(artist)
            album = AlbumFactory(title=f"{sound.title()} {a}", artists=[artist])
            for n in range(tracks_per_artist):
                track = TrackFactory(album=album, title=f"{sound} {a}.{n}", popularity=popularity)
                track.genres.add(genre)
                planted.tracks[sound].append(with_features(track, sound, nudge=a + n / 10))
    return planted
