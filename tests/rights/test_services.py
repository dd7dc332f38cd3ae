"""Rights changes: each one rewrites the projection in its own transaction and leaves an audit."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.catalog.availability import Listener, Restriction, restrictions_for
from apps.catalog.models import WORLDWIDE, Track, TrackAvailability
from apps.common.errors import ApplicationError
from apps.rights import services
from apps.rights.models import AuditAction, AuditEntry, Licence, Takedown
from tests.factories import AlbumFactory, TrackFactory

pytestmark = pytest.mark.django_db

SE = Listener("SE")


def decide(track, listener=SE):
    return restrictions_for([Track.objects.get(pk=track.pk)], listener)[track.pk]


def territories_of(track) -> list[tuple[str, str]]:
    return sorted(TrackAvailability.objects.filter(track=track).values_list("territory", "kind"))


def test_a_new_track_gets_the_default_in_its_creating_transaction():
    track = TrackFactory()
    assert territories_of(track) == [(WORLDWIDE, "grant")]
    assert decide(track) is None


def test_an_unreleased_album_plays_from_its_release_date_and_moves_with_it():
    album = AlbumFactory(release_date=dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7))
    track = TrackFactory(album=album)
    assert decide(track) == Restriction.MARKET  # scheduled, not yet out
    album.release_date = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    album.save()
    assert decide(track) is None


def test_an_album_licence_replaces_the_default_for_all_its_tracks(staff_user):
    album = AlbumFactory()
    first, second = TrackFactory(album=album), TrackFactory(album=album)
    services.licence_create(actor=staff_user, album=album, territories=["de", "AT"])
    for track in (first, second):
        assert territories_of(track) == [("AT", "grant"), ("DE", "grant")]
        assert decide(track) == Restriction.MARKET
        assert decide(track, Listener("DE")) is None
    late = TrackFactory(album=album)  # a track added later follows its album's licences too
    assert territories_of(late) == [("AT", "grant"), ("DE", "grant")]


def test_a_track_licence_overrides_its_album_and_deleting_it_restores_the_album(staff_user):
    album = AlbumFactory()
    track = TrackFactory(album=album)
    services.licence_create(actor=staff_user, album=album, territories=["DE"])
    own = services.licence_create(actor=staff_user, track=track, territories=["SE"])
    assert territories_of(track) == [("SE", "grant")]
    services.licence_delete(actor=staff_user, licence=own)
    assert territories_of(track) == [("DE", "grant")]
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [AuditAction.LICENCE_CREATED, AuditAction.LICENCE_CREATED, AuditAction.LICENCE_DELETED]


def test_a_licence_change_is_audited_with_before_and_after(staff_user):
    track = TrackFactory()
    licence = services.licence_create(actor=staff_user, track=track, territories=["*"])
    services.licence_update(actor=staff_user, licence=licence, territories=["NO"], premium_only=True)
    assert territories_of(track) == [("NO", "grant_premium")]
    entry = AuditEntry.objects.get(action=AuditAction.LICENCE_CHANGED)
    assert entry.actor == staff_user and entry.track == track
    assert entry.details["before"]["territories"] == ["*"] and entry.details["after"]["territories"] == ["NO"]


def test_a_takedown_takes_effect_at_once_and_lifting_restores(staff_user):
    track = TrackFactory()
    takedown = services.takedown_create(actor=staff_user, track=track, territories=["SE"], reason="DMCA notice 42")
    assert decide(track) == Restriction.TAKEDOWN
    assert decide(track, Listener("DE")) is None
    services.takedown_lift(actor=staff_user, takedown=takedown, reason="counter-notice")
    assert decide(track) is None
    takedown.refresh_from_db()
    assert takedown.lifted_by == staff_user and takedown.lift_reason == "counter-notice"
    with pytest.raises(ApplicationError) as raised:
        services.takedown_lift(actor=staff_user, takedown=takedown)
    assert raised.value.status == 409


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"territories": []}, "at least one territory"),
        ({"territories": ["XX"]}, "Unknown territory 'XX'"),
        ({"territories": ["*", "DE"]}, "cannot be combined"),
        ({"territories": "DE", "kind": "maybe"}, "kind must be"),
        ({"territories": ["DE"], "kind": "block", "premium_only": True}, "grants only"),
        (
            {
                "territories": ["DE"],
                "valid_from": dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
                "valid_until": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            },
            "later than",
        ),
        ({"territories": ["DE"], "valid_from": dt.datetime(2027, 1, 1)}, "time zone"),  # noqa: DTZ001 (the point)
    ],
)
def test_bad_licences_are_refused_and_change_nothing(staff_user, kwargs, message):
    track = TrackFactory()
    before = territories_of(track)
    with pytest.raises(ApplicationError, match=message):
        services.licence_create(actor=staff_user, track=track, **kwargs)
    assert territories_of(track) == before
    assert not Licence.objects.exists() and not AuditEntry.objects.exists()


def test_a_takedown_needs_a_reason(staff_user):
    track = TrackFactory()
    with pytest.raises(ApplicationError, match="reason"):
        services.takedown_create(actor=staff_user, track=track, territories=["*"], reason="  ")
    assert not Takedown.objects.exists() and territories_of(track) == [(WORLDWIDE, "grant")]


def test_a_failed_update_rolls_back_the_licence_and_its_rows(staff_user):
    track = TrackFactory()
    licence = services.licence_create(actor=staff_user, track=track, territories=["DE"])
    with pytest.raises(ApplicationError):
        services.licence_update(actor=staff_user, licence=licence, territories=["DE"], kind="block", premium_only=True)
    licence.refresh_from_db()
    assert (licence.kind, licence.premium_only) == ("grant", False)
    assert territories_of(track) == [("DE", "grant")]
    assert AuditEntry.objects.count() == 1


def test_the_migration_gives_tracks_without_rows_the_default():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("apps.rights.migrations.0002_default_availability")
    older, licensed = TrackFactory(), TrackFactory()
    TrackAvailability.objects.filter(track=older).delete()  # as a track from before rights existed
    services.licence_create(actor=None, track=licensed, territories=["DE"])

    migration.project_defaults(apps, None)

    assert territories_of(older) == [(WORLDWIDE, "grant")]
    assert territories_of(licensed) == [("DE", "grant")]  # a track with rows keeps them
    (row,) = TrackAvailability.objects.filter(track=older)
    assert row.starts_at.date() == older.album.release_date and row.source == "default:release"
