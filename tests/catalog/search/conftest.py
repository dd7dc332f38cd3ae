"""A small catalog planted with what search must get right: diacritics, near-spellings, prefixes,
words spread over title, artist and album, non-Latin scripts, and popularity that competes with
exactness. The same tests run on SQLite (the embedded mode) and PostgreSQL (the services mode)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import transaction

from apps.catalog.models import Genre
from apps.catalog.search.indexing import flush_pending
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory


def _artist(name: str, popularity: int, genres=()):
    artist = ArtistFactory(name=name, popularity=popularity)
    for slug in genres:
        genre, _ = Genre.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
        artist.genres.add(genre)
    return artist


def _album(title: str, artist, year: int, **kwargs):
    return AlbumFactory(title=title, artists=[artist], release_date=datetime.date(year, 1, 1), **kwargs)


@pytest.fixture(scope="module")
def planted(django_db_setup, django_db_blocker):
    """Made once per module, in a transaction rolled back after it (the tests only read)."""
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        planted = _plant()
        flush_pending()  # in this transaction, not in the first test's (which is rolled back)
        yield planted
        transaction.set_rollback(True)
    cache.clear()


def _plant():
    beatles = _artist("The Beatles", 95, ["rock"])
    beetles = _artist("Beetles", 5)
    beyonce = _artist("Beyoncé", 90, ["pop"])
    metallica = _artist("Metallica", 85, ["metal"])
    metal_church = _artist("Metal Church", 20, ["metal"])
    bjork = _artist("Björk", 70)
    sigur = _artist("Sigur Rós", 60)
    motley = _artist("Mötley Crüe", 65)
    ruki = _artist("Руки Вверх", 50)
    utada = _artist("宇多田ヒカル", 75)
    bts = _artist("방탄소년단", 92)
    fairuz = _artist("فيروز", 55)
    nobody = _artist("Nobody Special", 1)

    abbey = _album("Abbey Road", beatles, 1969, upc="094638246817")
    help_ = _album("Help!", beatles, 1965)
    black = _album("Metallica", metallica, 1991)
    tracks = {
        "here_comes": TrackFactory(album=abbey, title="Here Comes the Sun", popularity=88, isrc="GBAYE0601690"),
        "something": TrackFactory(album=abbey, title="Something", popularity=80),
        "hey_jude": TrackFactory(album=_album("Hey Jude", beatles, 1968), title="Hey Jude", popularity=90),
        "help": TrackFactory(album=help_, title="Help!", popularity=75),
        "halo": TrackFactory(album=_album("I Am... Sasha Fierce", beyonce, 2008), title="Halo", popularity=85),
        "sandman": TrackFactory(album=black, title="Enter Sandman", popularity=86),
        "matters": TrackFactory(album=black, title="Nothing Else Matters", popularity=84),
        "church": TrackFactory(
            album=_album("The Dark", metal_church, 1986), title="Watch the Children Pray", popularity=15
        ),  # fmt: skip
        "hyperballad": TrackFactory(album=_album("Post", bjork, 1995), title="Hyperballad", popularity=60),
        "hoppipolla": TrackFactory(album=_album("Takk...", sigur, 2005), title="Hoppípolla", popularity=58),
        "kickstart": TrackFactory(
            album=_album("Dr. Feelgood", motley, 1989), title="Kickstart My Heart", popularity=62
        ),  # fmt: skip
        "kroshka": TrackFactory(album=_album("Без тормозов", ruki, 1998), title="Крошка моя", popularity=45),
        "first_love": TrackFactory(album=_album("First Love", utada, 1999), title="First Love", popularity=72),
        "dynamite": TrackFactory(album=_album("BE", bts, 2020), title="Dynamite", popularity=91),
        "nassam": TrackFactory(album=_album("فيروز", fairuz, 1970), title="نسم علينا الهوى", popularity=40),
        "beetle_song": TrackFactory(album=_album("Bugs", beetles, 2010), title="Beetles", popularity=3),
        "love_exact": TrackFactory(album=_album("Plain", nobody, 2001), title="Love", popularity=5),
        "love_story": TrackFactory(
            album=_album("Fearless", _artist("Taylor Swift", 93), 2008), title="Love Story", popularity=88
        ),  # fmt: skip
    }
    return {
        "tracks": tracks,
        "artists": {
            "beatles": beatles,
            "beetles": beetles,
            "beyonce": beyonce,
            "metallica": metallica,
            "metal_church": metal_church,
            "bjork": bjork,
            "sigur": sigur,
            "motley": motley,
            "ruki": ruki,
            "utada": utada,
            "bts": bts,
            "fairuz": fairuz,
        },  # fmt: skip
        "albums": {"abbey": abbey, "help": help_, "black": black},
    }
