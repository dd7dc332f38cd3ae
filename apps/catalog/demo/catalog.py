"""The demo catalog: eight artists across locales and scripts, nine releases, twenty short pieces.

Identities are fixed so that seeding is idempotent: artists are found again by name, releases by
UPC and tracks by ISRC. The ISRCs use one registrant ("QZS8D"; QZ is the prefix the US agency
gives independent registrants) with the release year and sequential designation codes; the UPCs
start with 2, a prefix GS1 reserves for restricted, in-house numbering, so they cannot collide with
a real product. Each piece's tempo, key, progression and timbre are chosen to suit its genre.
"""

from __future__ import annotations

import datetime
import zlib
from dataclasses import dataclass, field

from apps.catalog.demo.synth import Piece
from apps.catalog.models import AlbumType, DatePrecision


@dataclass(frozen=True)
class DemoArtist:
    key: str
    name: str
    genres: tuple[str, ...]
    bio: str
    romanized: str = ""  # drawn on covers when no installed font has the script's glyphs


@dataclass(frozen=True)
class DemoTrack:
    title: str
    isrc: str
    language: str  # BCP 47
    music: Piece  # `seconds` is the default length, scaled by `seed_demo --duration-scale`
    explicit: bool = False
    artist: str = ""  # key of the primary artist; default: the release's first artist
    featured: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoAlbum:
    title: str
    artists: tuple[str, ...]
    album_type: str
    release_date: datetime.date
    precision: str
    label: str
    upc: str
    genre: str  # the palette of the cover
    tracks: tuple[DemoTrack, ...] = field(default_factory=tuple)
    romanized: str = ""


def _music(isrc: str, seconds: float, **style) -> Piece:
    # The seed comes from the ISRC (crc32, not hash(), which Python salts per process), so a piece
    # sounds the same on every run and every machine.
    return Piece(seconds=seconds, seed=zlib.crc32(isrc.encode()), **style)


def _track(
    title: str,
    isrc: str,
    language: str,
    seconds: float,
    key: str,
    tempo_bpm: float,
    progression: str,
    timbre: str,
    drums: str | None,
    *,
    explicit: bool = False,
    artist: str = "",
    featured: tuple[str, ...] = (),
    **style,
) -> DemoTrack:
    """One track, its music written the way a lead sheet would: "G major", 118, "I V vi IV"."""
    tonic, mode = key.split()
    return DemoTrack(
        title=title,
        isrc=isrc,
        language=language,
        music=_music(
            isrc,
            seconds,
            key=tonic,
            mode=mode,
            tempo_bpm=tempo_bpm,
            progression=tuple(progression.split()),
            timbre=timbre,
            drums=drums,
            **style,
        ),
        explicit=explicit,
        artist=artist,
        featured=featured,
    )


ARTISTS: tuple[DemoArtist, ...] = (
    DemoArtist(
        key="saga",
        name="Saga Lindqvist",
        genres=("indie pop",),
        bio="Singer-songwriter from Umeå who writes bright, melancholy guitar pop about long northern summers.",
    ),
    DemoArtist(
        key="hikari",
        name="夜野ひかり",
        romanized="Hikari Yoruno",
        genres=("city pop",),
        bio="Tokyo producer and singer reviving the glossy 1980s city-pop sound: electric pianos and night drives.",
    ),
    DemoArtist(
        key="marina",
        name="Marina Alencar",
        genres=("bossa nova", "mpb"),
        bio="Guitarist and composer from Salvador, Bahia, mixing bossa nova harmony with the rhythms of the coast.",
    ),
    DemoArtist(
        key="layla",
        name="ليلى حداد",
        romanized="Layla Haddad",
        genres=("ambient",),
        bio="Beirut-born sound artist whose slow, wide ambient pieces are built from drones and bell tones.",
    ),
    DemoArtist(
        key="nuits",
        name="Les Nuits Blanches",
        genres=("electronic", "french house"),
        bio="Duo from Lyon making warm, filtered club music for the hours after midnight.",
    ),
    DemoArtist(
        key="hansori",
        name="한소리",
        romanized="Han Sori",
        genres=("lo-fi",),
        bio="Seoul beatmaker behind swung, dusty lo-fi loops made on a second-hand sampler.",
    ),
    DemoArtist(
        key="eleanor",
        name="Eleanor Voss",
        genres=("classical", "neo-classical"),
        bio="Pianist and composer from Cornwall writing short, modern chamber pieces about the sea.",
    ),
    DemoArtist(
        key="harbour",
        name="Harbour Street Trio",
        genres=("jazz",),
        bio="A Brooklyn piano trio playing standards-inspired originals with a light, swinging touch.",
    ),
)

ALBUMS: tuple[DemoAlbum, ...] = (
    DemoAlbum(
        title="Midsommarljus",
        artists=("saga",),
        album_type=AlbumType.ALBUM,
        release_date=datetime.date(2023, 6, 16),
        precision=DatePrecision.DAY,
        label="Norrsken Records",
        upc="200000000011",
        genre="indie pop",
        tracks=(
            _track(
                "Sommarnatt", "QZS8D2300001", "sv", 38, "G major", 118, "I V vi IV", "pluck", "pop", melody_density=0.55
            ),
            _track(
                "Paper Boats",
                "QZS8D2300002",
                "en",
                34,
                "D major",
                104,
                "I vi IV V",
                "epiano",
                "pop",
                featured=("hansori",),
            ),
            _track("Ljus i fönstret", "QZS8D2300003", "sv", 42, "E major", 96, "vi IV I V", "saw", "pop", reverb=0.4),
        ),
    ),
    DemoAlbum(
        title="Ritmo do Sul",
        artists=("marina",),
        album_type=AlbumType.ALBUM,
        release_date=datetime.date(2019, 1, 1),
        precision=DatePrecision.YEAR,
        label="Selo Maré",
        upc="200000000028",
        genre="bossa nova",
        tracks=(
            _track("Ritmo do Sul", "QZS8D1900004", "pt-BR", 36, "C major", 132, "Imaj7 vi7 ii7 V7", "pluck", "bossa"),
            _track(
                "Saudade em Azul",
                "QZS8D1900005",
                "pt-BR",
                40,
                "F major",
                126,
                "ii7 V7 Imaj7 vi7",
                "epiano",
                "bossa",
                melody_density=0.4,
            ),
        ),
    ),
    DemoAlbum(
        title="Maré Cheia",
        artists=("marina",),
        album_type=AlbumType.SINGLE,
        release_date=datetime.date(2024, 2, 9),
        precision=DatePrecision.DAY,
        label="Selo Maré",
        upc="200000000035",
        genre="bossa nova",
        tracks=(
            _track(
                "Maré Cheia",
                "QZS8D2400006",
                "pt-BR",
                30,
                "G major",
                120,
                "Imaj7 IVmaj7 iii7 vi7",
                "pluck",
                "bossa",
                width=0.95,
            ),
        ),
    ),
    DemoAlbum(
        title="真夜中のドライブ",
        romanized="Mayonaka no Drive",
        artists=("hikari",),
        album_type=AlbumType.ALBUM,
        release_date=datetime.date(2021, 11, 1),
        precision=DatePrecision.MONTH,
        label="Neon Tide Music",
        upc="200000000042",
        genre="city pop",
        tracks=(
            # IV–V–iii–vi: the "royal road" progression (王道進行) at the heart of J-pop and city pop.
            _track(
                "真夜中のドライブ", "QZS8D2100007", "ja", 40, "Eb major", 112, "IVmaj7 V7 iii7 vi7", "epiano", "pop"
            ),
            _track("東京レイニー・ラブ", "QZS8D2100008", "ja", 36, "Bb major", 104, "ii7 V7 Imaj7 vi7", "saw", "pop"),
        ),
    ),
    DemoAlbum(
        title="ضوء القمر",
        romanized="Daw al-Qamar",
        artists=("layla",),
        album_type=AlbumType.ALBUM,
        release_date=datetime.date(2022, 3, 1),
        precision=DatePrecision.MONTH,
        label="Dune Sounds",
        upc="200000000059",
        genre="ambient",
        tracks=(
            _track(
                "ضوء القمر",
                "QZS8D2200009",
                "ar",
                44,
                "D minor",
                70,
                "i VI III VII",
                "pad",
                None,
                bars_per_chord=2,
                reverb=0.85,
                melody_density=0.15,
            ),
            _track(
                "رمال",
                "QZS8D2200010",
                "ar",
                40,
                "A minor",
                76,
                "i iv VI V",
                "bell",
                None,
                reverb=0.7,
                melody_density=0.3,
            ),
        ),
    ),
    DemoAlbum(
        title="Néons",
        artists=("nuits",),
        album_type=AlbumType.SINGLE,
        release_date=datetime.date(2024, 9, 20),
        precision=DatePrecision.DAY,
        label="Minuit Disques",
        upc="200000000066",
        genre="electronic",
        tracks=(
            _track(
                "Néons", "QZS8D2400011", "fr", 38, "A minor", 124, "i VI III VII", "saw", "four", featured=("hikari",)
            ),
            _track(
                "Après minuit",
                "QZS8D2400012",
                "fr",
                34,
                "F minor",
                122,
                "i VII VI VII",
                "bell",
                "four",
                explicit=True,
                reverb=0.4,
            ),
        ),
    ),
    DemoAlbum(
        title="오후의 산책",
        romanized="Ohu-ui Sanchaek",
        artists=("hansori",),
        album_type=AlbumType.ALBUM,
        release_date=datetime.date(2020, 5, 15),
        precision=DatePrecision.DAY,
        label="Ohu Records",
        upc="200000000073",
        genre="lo-fi",
        tracks=(
            _track(
                "오후의 산책",
                "QZS8D2000013",
                "ko",
                36,
                "F major",
                82,
                "Imaj7 iii7 vi7 IVmaj7",
                "epiano",
                "lofi",
                swing=0.3,
            ),
            _track(
                "새벽 세 시",
                "QZS8D2000014",
                "ko",
                32,
                "C minor",
                76,
                "i7 iv7 VII7 IIImaj7",
                "bell",
                "lofi",
                explicit=True,
                swing=0.33,
            ),
        ),
    ),
    DemoAlbum(
        title="Letters to the Sea",
        artists=("eleanor",),
        album_type=AlbumType.ALBUM,
        release_date=datetime.date(2018, 1, 1),
        precision=DatePrecision.YEAR,
        label="Harbour Lights",
        upc="200000000080",
        genre="classical",
        tracks=(
            _track(
                "Waltz for a Lighthouse",
                "QZS8D1800015",
                "en",
                42,
                "Bb major",
                96,
                "I vi ii V",
                "pluck",
                None,
                meter=3,
                reverb=0.6,
            ),
            _track(
                "Tidal Hymn",
                "QZS8D1800016",
                "en",
                44,
                "Eb major",
                66,
                "I IV vi V",
                "pad",
                None,
                reverb=0.7,
                melody_density=0.3,
            ),
        ),
    ),
    DemoAlbum(
        title="Streamify Sessions, Vol. 1",
        artists=("harbour", "saga", "hikari"),
        album_type=AlbumType.COMPILATION,
        release_date=datetime.date(2025, 1, 10),
        precision=DatePrecision.DAY,
        label="Streamify Originals",
        upc="200000000097",
        genre="jazz",
        tracks=(
            _track(
                "Blue Corner",
                "QZS8D2500017",
                "en",
                40,
                "F major",
                112,
                "ii7 V7 Imaj7 vi7",
                "epiano",
                "jazz",
                artist="harbour",
                swing=0.33,
            ),
            _track(
                "Late Train",
                "QZS8D2500018",
                "en",
                38,
                "Bb major",
                100,
                "iii7 vi7 ii7 V7",
                "pluck",
                "jazz",
                artist="harbour",
                featured=("eleanor",),
                swing=0.33,
            ),
            _track(
                "Vinterljus (Session)",
                "QZS8D2500019",
                "sv",
                30,
                "A major",
                90,
                "I iii IV V",
                "bell",
                None,
                artist="saga",
                reverb=0.5,
            ),
            _track("夜明け", "QZS8D2500020", "ja", 32, "D major", 84, "I V vi iii IV", "epiano", None, artist="hikari"),
        ),
    ),
)

# The demo artist account manages this profile (and uploads its tracks).
MANAGED_ARTIST = "saga"

ARTISTS_BY_KEY = {artist.key: artist for artist in ARTISTS}


def demo_tracks() -> list[tuple[DemoAlbum, DemoTrack]]:
    """Every track with its release, in seeding order."""
    return [(album, track) for album in ALBUMS for track in album.tracks]


def primary_artist(album: DemoAlbum, track: DemoTrack) -> DemoArtist:
    return ARTISTS_BY_KEY[track.artist or album.artists[0]]
