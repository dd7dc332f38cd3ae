"""A catalog for scale tests (`manage.py seed_catalog --tracks N`): metadata only, no audio.

Names come from small vocabularies in ten languages and six scripts (Latin with and without
diacritics, Cyrillic, Greek, Japanese, Korean, Arabic), combined in the patterns real titles
follow, so search meets accents, non-Latin text, shared words and near-duplicates. Popularity is
Zipf-like: the track at popularity rank r gets streams proportional to 1/r, shown on Spotify's
0-100 scale by the logarithm. Albums hold 1-16 tracks, artists 1-6 albums, one track in ten
features a second artist.

Rows are written in batches with bulk inserts, each batch in one transaction with its artists,
albums, credits and availability (the rights app projects the default, worldwide from release,
through `tracks_bulk_created`), so an interrupted run leaves whole batches and nothing half-made.
Generated tracks are marked ready without an audio ladder: they are for search and load tests,
not for listening.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from apps.catalog.models import (
    Album,
    AlbumArtist,
    AlbumType,
    Artist,
    ArtistRole,
    Genre,
    IngestState,
    Track,
    TrackArtist,
)
from apps.catalog.signals import tracks_bulk_created
from apps.common.ids import BASE62_ALPHABET, PUBLIC_ID_LENGTH

GENERATED_LABEL = "Streamify Scale Records"  # marks generated albums (and lets a test find them)

# (title words, name parts) per language; small, but their combinations number in the millions.
VOCABULARY: dict[str, tuple[list[str], list[str], list[str]]] = {
    "en": (
        "love night heart fire rain dream light shadow river summer city road ocean star gold "
        "midnight echo thunder silver wild broken golden electric velvet neon paper glass".split(),
        "James Olivia Noah Emma Liam Ava Mason Sophia Ethan Mia".split(),
        "Carter Brooks Hayes Morgan Reed Bennett Sullivan Parker Quinn Foster".split(),
    ),
    "es": (
        "amor noche corazón fuego lluvia sueño luz sombra río verano ciudad camino mar "
        "estrella canción bailando corazones alegría".split(),
        "Sofía Mateo Lucía Santiago Valentina Martín Camila Diego".split(),
        "García Fernández López Martínez Sánchez Pérez Gómez Núñez".split(),
    ),
    "pt": (
        "saudade coração noite mar luar estrela canção amor verão cidade caminho maré cheia brisa ilusão".split(),
        "João Ana Tomás Beatriz Gonçalo Inês Luíza Raí".split(),
        "Araújo Conceição Magalhães Gonçalves Brandão Simões".split(),
    ),
    "de": (
        "Liebe Nacht Herz Feuer Regen Traum Licht Schatten Fluss Sommer Stadt Straße Meer Stern Frühling Grün".split(),
        "Jürgen Lena Lukas Mia Jonas Größe Björn Änne".split(),
        "Müller Schröder Weiß Köhler Groß Bäcker Schäfer".split(),
    ),
    "fr": (
        "amour nuit cœur feu pluie rêve lumière ombre rivière été ville route mer étoile chanson mélodie".split(),
        "Léa Hugo Chloé Théo Zoé Raphaël Anaïs Noé".split(),
        "Lefèvre Bénard Gérard Dupré Moreau Laurent Fournier".split(),
    ),
    "ru": (
        "любовь ночь сердце огонь дождь мечта свет тень река лето город дорога море звезда".split(),
        "Алексей Мария Иван Анна Дмитрий Ольга".split(),
        "Иванов Смирнова Кузнецов Попова Соколов".split(),
    ),
    "el": (
        "αγάπη νύχτα καρδιά φωτιά βροχή όνειρο φως σκιά ποτάμι καλοκαίρι θάλασσα".split(),
        "Νίκος Ελένη Γιώργος Μαρία".split(),
        "Παπαδόπουλος Οικονόμου Γεωργίου".split(),
    ),
    "ja": (
        "愛 夜 心 炎 雨 夢 光 影 川 夏 街 道 海 星 さくら きらきら ひかり".split(),
        "ゆい はると さくら れん あおい".split(),
        "佐藤 鈴木 高橋 田中 渡辺".split(),
    ),
    "ko": (
        "사랑 밤 마음 불꽃 비 꿈 빛 그림자 강 여름 도시 바다 별".split(),
        "민준 서연 지우 하은 도윤".split(),
        "김 이 박 최 정".split(),
    ),
    "ar": (
        "حب ليل قلب نار مطر حلم نور ظل نهر صيف مدينة بحر نجمة".split(),
        "عمر ليلى يوسف مريم".split(),
        "الحسن العلي المصري".split(),
    ),
}
LANGUAGES = list(VOCABULARY)
LANGUAGE_WEIGHTS = [40, 14, 8, 8, 8, 6, 3, 6, 4, 3]  # mostly English, as most catalogs are
BAND_PATTERNS = ("The {W}s", "{W} {W}", "{W} & The {W}s", "{W}")
TITLE_PATTERNS = ("{W}", "{W} {W}", "{W} of {W}", "{W} {W} {W}", "My {W}", "{W} ({W} Remix)", "{W} Again")
GENRES_BY_LANGUAGE = {"en": "pop", "es": "latin", "pt": "mpb", "de": "schlager", "fr": "chanson", "ru": "pop",
                      "el": "laiko", "ja": "j-pop", "ko": "k-pop", "ar": "arabic"}  # fmt: skip


@dataclass
class ScaleReport:
    artists: int = 0
    albums: int = 0
    tracks: int = 0
    batches: int = 0


class _Names:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def language(self) -> str:
        return self.rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]

    def _word(self, language: str) -> str:
        word = self.rng.choice(VOCABULARY[language][0])
        return word[:1].upper() + word[1:] if language in ("en", "es", "pt", "fr", "de") else word

    def title(self, language: str) -> str:
        pattern = self.rng.choice(TITLE_PATTERNS if language == "en" else ("{W}", "{W} {W}", "{W} {W} {W}"))
        title = pattern
        while "{W}" in title:
            title = title.replace("{W}", self._word(language), 1)
        return title.replace(" ", "") if language == "ja" else title  # Japanese writes no spaces

    def artist(self, language: str) -> str:
        _, first, last = VOCABULARY[language]
        if self.rng.random() < 0.55:  # a person
            separator = "" if language in ("ja", "ko") else " "
            parts = [self.rng.choice(last), self.rng.choice(first)] if language in ("ja", "ko") else [
                self.rng.choice(first), self.rng.choice(last)]  # fmt: skip
            return separator.join(parts)
        pattern = self.rng.choice(BAND_PATTERNS if language == "en" else ("{W}", "{W} {W}"))
        name = pattern
        while "{W}" in name:
            name = name.replace("{W}", self._word(language), 1)
        return name


def _public_ids(count: int) -> list[str]:
    """Fresh 22-character base62 ids from the OS's randomness (a seeded generator would repeat a
    previous run's ids), ~10x faster than one `secrets.choice` per character."""
    ids = []
    raw = os.urandom(17 * count)
    for i in range(count):
        number = int.from_bytes(raw[17 * i : 17 * i + 17], "big")
        digits = []
        for _ in range(PUBLIC_ID_LENGTH):
            number, digit = divmod(number, 62)
            digits.append(BASE62_ALPHABET[digit])
        ids.append("".join(digits))
    return ids


def zipf_popularity(rank: int, total: int) -> int:
    """Spotify's 0-100 popularity for the track at `rank` (1 = most streamed) of `total`, whose
    streams are proportional to 1/rank: the log of the streams, scaled so rank 1 is 100."""
    return max(0, min(100, round(100 * (1 - math.log(rank) / math.log(total + 1)))))


def seed_catalog(
    *,
    tracks: int,
    seed: int = 2026,
    batch_tracks: int = 10_000,
    log: Callable[[str], None] = lambda _: None,
    after_batch: Callable[[int], None] = lambda _: None,
) -> ScaleReport:
    rng = random.Random(seed)  # noqa: S311 (names and shapes, reproducible; ids come from os.urandom)
    names = _Names(rng)
    ranks = list(range(1, tracks + 1))
    rng.shuffle(ranks)
    report = ScaleReport()
    made = 0
    while made < tracks:
        size = min(batch_tracks, tracks - made)
        _batch(rng, names, ranks[made : made + size], total=tracks, report=report)
        made += size
        report.batches += 1
        after_batch(report.batches)
        log(f"  {made:,} / {tracks:,} tracks")
    return report


def _link_genres(tracks: list[Track], album_languages: list[str], sizes: list[int]) -> None:
    genres = {}
    for language, slug in GENRES_BY_LANGUAGE.items():
        genres[language], _ = Genre.objects.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ").title()})
    links, index = [], 0
    for language, size in zip(album_languages, sizes, strict=True):
        for track in tracks[index : index + size]:
            links.append(Track.genres.through(track_id=track.pk, genre_id=genres[language].pk))
        index += size
    Track.genres.through.objects.bulk_create(links, batch_size=5_000)


@transaction.atomic
def _batch(rng: random.Random, names: _Names, ranks: list[int], *, total: int, report: ScaleReport) -> None:
    # Albums of 1-16 tracks (singles common), then artists holding 1-6 albums each.
    sizes = []
    left = len(ranks)
    while left:
        size = min(left, rng.choice((1, 1, 2, 4, 8, 10, 12, 12, 14, 16)))
        sizes.append(size)
        left -= size
    album_languages = [names.language() for _ in sizes]
    artist_for_album: list[int] = []
    artist_languages: list[str] = []
    while len(artist_for_album) < len(sizes):
        language = album_languages[len(artist_for_album)]
        artist_languages.append(language)
        artist_for_album.extend([len(artist_languages) - 1] * rng.randint(1, 6))
    artist_for_album = artist_for_album[: len(sizes)]

    artists = Artist.objects.bulk_create(
        Artist(public_id=public_id, name=names.artist(language), popularity=0)
        for public_id, language in zip(_public_ids(len(artist_languages)), artist_languages, strict=True)
    )
    start = date(1960, 1, 1)
    albums = Album.objects.bulk_create(
        Album(
            public_id=public_id,
            title=names.title(language),
            album_type=AlbumType.SINGLE if size <= 2 else AlbumType.ALBUM,
            release_date=start + timedelta(days=rng.randrange(365 * 66)),
            label=GENERATED_LABEL,
        )
        for public_id, language, size in zip(_public_ids(len(sizes)), album_languages, sizes, strict=True)
    )
    AlbumArtist.objects.bulk_create(
        AlbumArtist(album=album, artist=artists[artist_for_album[i]], position=0) for i, album in enumerate(albums)
    )

    rows, credits, position = [], [], 0
    for album_index, (album, size) in enumerate(zip(albums, sizes, strict=True)):
        language = album_languages[album_index]
        for number in range(1, size + 1):
            rank = ranks[position]
            position += 1
            rows.append(
                Track(
                    album=album,
                    title=album.title if size == 1 else names.title(language),
                    track_number=number,
                    duration_ms=rng.randint(95_000, 420_000),
                    explicit=rng.random() < 0.08,
                    language=language,
                    popularity=zipf_popularity(rank, total),
                    ingest_state=IngestState.READY,
                )
            )
            credits.append([artists[artist_for_album[album_index]]])
            if rng.random() < 0.1:  # a featured artist from the same batch
                featured = rng.choice(artists)
                if featured.pk != credits[-1][0].pk:
                    credits[-1].append(featured)
    for track, public_id in zip(rows, _public_ids(len(rows)), strict=True):
        track.public_id = public_id
        # Ready needs a ladder prefix (a check constraint); there are no files or renditions behind
        # it, so a stream request answers 404 "no rendition", never a broken URL.
        track.hls_prefix = f"audio/{public_id}/generated"
    tracks = Track.objects.bulk_create(rows, batch_size=2_000)
    TrackArtist.objects.bulk_create(
        (
            TrackArtist(
                track=track, artist=artist, role=ArtistRole.PRIMARY if i == 0 else ArtistRole.FEATURED, position=i
            )
            for track, credited in zip(tracks, credits, strict=True)
            for i, artist in enumerate(credited)
        ),
        batch_size=5_000,
    )
    _link_genres(tracks, album_languages, sizes)
    by_artist: dict[int, int] = {}
    for track, credited in zip(tracks, credits, strict=True):
        for artist in credited:
            by_artist[artist.pk] = max(by_artist.get(artist.pk, 0), track.popularity)
    for artist in artists:
        artist.popularity = by_artist.get(artist.pk, 0)
    Artist.objects.bulk_update(artists, ["popularity"], batch_size=2_000)
    # Availability comes from the rights app's projection (imports point down: catalog signals).
    tracks_bulk_created.send(sender=Track, track_ids=[track.pk for track in tracks])
    report.artists += len(artists)
    report.albums += len(albums)
    report.tracks += len(tracks)
