from __future__ import annotations

import os

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import Role
from tests.factories import ArtistFactory, UserFactory

# CI's services run sets this: there a test skipped for a missing service is a failure, because the
# service is the product (DEVELOPERS brief: "a skip for a missing service is a failure").
REQUIRE_SERVICES = os.environ.get("STREAMIFY_REQUIRE_SERVICES") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    optional = item.get_closest_marker("optional_service") is not None  # Elasticsearch: not a CI service
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail") and not optional:
        report.outcome = "failed"
        report.longrepr = f"skipped in the services mode, where every service must run: {report.longrepr}"


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    """Each test writes media under its own temporary folder. FileSystemStorage drops its cached
    location when MEDIA_ROOT changes (Django's setting_changed signal)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _database_search(settings):
    """Search answers from the database in every test, even where ELASTICSEARCH_URL is set; the
    Elasticsearch tests choose that backend themselves."""
    settings.SEARCH_BACKEND = ""


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters live in the cache; every test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _no_process_catalog_memos():
    """The recommender's table of track facts, its map of neighbouring genres and its memos of what
    may be offered and of rows to render are the process's: each test starts without them."""
    from apps.catalog.offerable import offerable_forget
    from apps.catalog.track_facts import track_facts_clear
    from apps.catalog.track_rows import track_rows_forget
    from apps.recommendations.genre_neighbours import genre_neighbours_forget

    forget = (track_facts_clear, track_rows_forget, offerable_forget, genre_neighbours_forget)
    for each in forget:
        each()
    yield
    for each in forget:
        each()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Many tests create users; PBKDF2's deliberate slowness would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def web_client_for(user) -> Client:
    """A browser-like client with `user` signed in through the session."""
    client = Client()
    client.force_login(user)
    return client


def api_client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token = RefreshToken.for_user(user).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def listener(db):
    return UserFactory(email="listener@example.test")


@pytest.fixture
def artist_user(db):
    user = UserFactory(email="artist@example.test", role=Role.ARTIST)
    artist = ArtistFactory(name="Aurora Fields")
    artist.managers.add(user)
    return user


@pytest.fixture
def other_artist_user(db):
    user = UserFactory(email="other-artist@example.test", role=Role.ARTIST)
    artist = ArtistFactory(name="Someone Else")
    artist.managers.add(user)
    return user


@pytest.fixture
def api(listener):
    return api_client_for(listener)


@pytest.fixture
def anon():
    return APIClient()
