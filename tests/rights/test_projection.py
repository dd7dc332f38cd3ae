"""Rights decisions into availability rules: the precedence, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime

from apps.catalog.models import WORLDWIDE, AvailabilityKind
from apps.rights.models import Licence, LicenceKind, Takedown
from apps.rights.projection import DEFAULT_SOURCE, project_track

RELEASED = date(2026, 12, 4)
RELEASED_AT = datetime(2026, 12, 4, tzinfo=UTC)


def licence(**fields) -> Licence:
    fields.setdefault("public_id", "L" * 22)
    fields.setdefault("kind", LicenceKind.GRANT)
    return Licence(**fields)


def project(track=(), album=(), takedowns=()):
    return project_track(release_date=RELEASED, track_licences=track, album_licences=album, takedowns=takedowns)


def test_without_licences_a_track_plays_worldwide_from_its_release_date():
    (rule,) = project()
    assert (rule.territory, rule.kind, rule.starts_at, rule.ends_at, rule.source) == (
        WORLDWIDE,
        AvailabilityKind.GRANT,
        RELEASED_AT,
        None,
        DEFAULT_SOURCE,
    )


def test_album_licences_decide_for_tracks_without_their_own():
    rules = project(album=[licence(territories=["DE", "AT"])])
    assert sorted(r.territory for r in rules) == ["AT", "DE"]
    assert all(r.starts_at == RELEASED_AT for r in rules)  # a grant without a start waits for the release


def test_a_tracks_own_licences_replace_its_albums():
    until = datetime(2027, 1, 1, tzinfo=UTC)
    rules = project(track=[licence(territories=["JP"], valid_until=until)], album=[licence(territories=["DE"])])
    assert [(r.territory, r.ends_at) for r in rules] == [("JP", until)]


def test_blocks_and_premium_grants_keep_their_kind_and_window():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rules = project(
        track=[
            licence(territories=[WORLDWIDE], premium_only=True, valid_from=start),
            licence(kind=LicenceKind.BLOCK, territories=["FR"]),
        ]
    )
    assert [(r.territory, r.kind, r.starts_at) for r in rules] == [
        (WORLDWIDE, AvailabilityKind.GRANT_PREMIUM, start),  # an explicit start may precede the release
        ("FR", AvailabilityKind.BLOCK, None),  # a block without a start holds from the beginning
    ]


def test_active_takedowns_add_rules_and_lifted_ones_do_not():
    active = Takedown(public_id="T" * 22, territories=["US"], reason="claim")
    lifted = Takedown(public_id="U" * 22, territories=[WORLDWIDE], reason="old", lifted_at=RELEASED_AT)
    rules = project(takedowns=[active, lifted])
    assert [(r.territory, r.kind) for r in rules] == [
        (WORLDWIDE, AvailabilityKind.GRANT),
        ("US", AvailabilityKind.TAKEDOWN),
    ]
