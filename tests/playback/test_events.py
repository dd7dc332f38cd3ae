"""Play events in: `play_events_ingest` and `POST /v1/me/player/events`.

Every refusal is checked for what it answers and for what it leaves behind: nothing but the good
events of its batch.
"""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Product, Role
from apps.catalog.models import IngestState
from apps.common.errors import ApplicationError
from apps.common.ids import new_public_id
from apps.playback.events import services
from apps.playback.events.checks import ms_from_datetime
from apps.playback.events.services import play_events_ingest
from apps.playback.models import PlayEvent
from tests.conftest import api_client_for, web_client_for
from tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

EVENTS_URL = "/v1/me/player/events"
_ids = itertools.count()


@pytest.fixture
def track():
    return TrackFactory(duration_ms=180_000)


@pytest.fixture
def client_for():
    """A bearer-token API client for a user (test_events_collector.py sends the same requests
    through the ASGI application instead)."""
    return api_client_for


def now_ms() -> int:
    return ms_from_datetime(timezone.now())


def event(track, /, **overrides) -> dict:
    body = {
        "id": f"evt-{next(_ids)}",
        "type": "play.end",
        "track": f"spotify:track:{track.public_id}",
        "ms_played": 45_000,
        "timestamp": now_ms() - 60_000,
        "context_uri": None,
        "device_id": "phone-1",
        "offline": False,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}  # `...` drops a key


def ingest(user, events, *, country="SE", product=Product.FREE):
    return play_events_ingest(user=user, country=country, product=product, events=events)


# --- Accepting ----------------------------------------------------------------------------


def test_it_stores_a_batch_with_the_listeners_country_and_product(listener, track):
    at = datetime(2025, 1, 1, tzinfo=UTC)
    album_uri = f"spotify:album:{track.album.public_id}"
    batch = [event(track, id="a", timestamp=now_ms() - 5_000, context_uri=album_uri, offline=True)]

    result = ingest(listener, batch, country="BR", product=Product.PREMIUM)

    assert result == {"accepted": 1, "duplicates": 0, "rejected": []}
    row = PlayEvent.objects.get()
    assert (row.user, row.event_id, row.type, row.track, row.ms_played) == (listener, "a", "play.end", track, 45_000)
    assert (row.context_uri, row.device_id, row.offline) == (album_uri, "phone-1", True)
    assert (row.country, row.product, row.is_stream) == ("BR", "premium", True)
    assert row.played_at.tzinfo is not None and row.received_at > row.played_at > at


def test_it_takes_the_profiles_own_country_and_product_values(listener, track):
    ingest(listener, [event(track)], country=listener.country, product=listener.product)  # Country, Choices

    assert PlayEvent.objects.values_list("country", "product").get() == ("SE", "free")


@pytest.mark.parametrize("form", ["spotify:track:{}", "streamify:track:{}", "{}"])
def test_it_takes_a_track_as_uri_of_either_scheme_or_bare_id(listener, track, form):
    result = ingest(listener, [event(track, track=form.format(track.public_id))])

    assert result["accepted"] == 1
    assert PlayEvent.objects.get().track == track


def test_it_takes_timestamps_as_epoch_ms_or_iso_8601_and_keeps_the_millisecond(listener, track):
    moment = timezone.now().replace(microsecond=123_456) - timedelta(hours=1)
    local = moment.astimezone(timezone.get_fixed_timezone(330))  # +05:30
    batch = [
        event(track, id="ms", timestamp=ms_from_datetime(moment)),
        event(track, id="z", timestamp=moment.isoformat().replace("+00:00", "Z")),
        event(track, id="offset", timestamp=local.isoformat()),
    ]

    assert ingest(listener, batch)["accepted"] == 3

    expected = moment.replace(microsecond=123_000)
    assert {row.played_at for row in PlayEvent.objects.all()} == {expected}


def test_it_stores_device_ids_with_any_printable_characters(listener, track):
    # Quotes, commas, braces and backslashes would break a hand-made SQL array literal.
    name = 'Kitchen "Sonos", {left}\\ ø 音'

    assert ingest(listener, [event(track, device_id=name)])["accepted"] == 1
    assert PlayEvent.objects.get().device_id == name


def test_it_ignores_keys_it_does_not_know(listener, track):
    assert ingest(listener, [event(track, shuffle=True, volume=0.5)])["accepted"] == 1


def test_it_takes_optional_fields_as_absent_or_null(listener, track):
    batch = [event(track, context_uri=..., device_id=..., offline=...), event(track, context_uri="", device_id=None)]

    assert ingest(listener, batch)["accepted"] == 2
    assert set(PlayEvent.objects.values_list("context_uri", "device_id", "offline")) == {("", "", False)}


@pytest.mark.parametrize(
    "context", ["spotify:album:{album}", "spotify:artist:{artist}", "streamify:playlist:{x}", "spotify:track:{x}"]
)
def test_it_takes_context_uris_of_albums_artists_playlists_and_tracks(listener, track, context):
    artist = track.album.album_artists.get().artist
    uri = context.format(album=track.album.public_id, artist=artist.public_id, x=new_public_id())

    assert ingest(listener, [event(track, context_uri=uri)])["accepted"] == 1


def test_it_takes_the_saved_tracks_collection_as_a_context(listener, track):
    uri = f"spotify:user:{listener.public_id}:collection"

    assert ingest(listener, [event(track, context_uri=uri)])["accepted"] == 1


# --- Idempotency --------------------------------------------------------------------------


def test_it_stores_a_retried_batch_once(listener, track):
    batch = [event(track), event(track, type="play.progress"), event(track, type="skip")]

    first = ingest(listener, batch)
    second = ingest(listener, batch)

    assert first == {"accepted": 3, "duplicates": 0, "rejected": []}
    assert second == {"accepted": 0, "duplicates": 3, "rejected": []}
    assert PlayEvent.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_racing_retries_store_and_count_each_event_once(track):
    """A client that retries before its first answer arrived: both requests run at once, and
    between them every event is accepted exactly once."""
    user = UserFactory()
    batch = [event(track) for _ in range(50)]
    results, start = [], threading.Barrier(2)

    def send():
        start.wait()
        try:
            results.append(ingest(user, batch))
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r["accepted"] for r in results) == 50
    assert sum(r["duplicates"] for r in results) == 50
    assert PlayEvent.objects.count() == 50


def test_it_counts_a_repeated_id_within_a_batch_as_a_duplicate(listener, track):
    batch = [event(track, id="same"), event(track, id="same", ms_played=50_000), event(track, id="other")]

    result = ingest(listener, batch)

    assert result == {"accepted": 2, "duplicates": 1, "rejected": []}
    assert PlayEvent.objects.get(event_id="same").ms_played == 45_000  # the first one wins


def test_it_stores_the_new_events_of_a_partly_retried_batch(listener, track):
    old = [event(track), event(track)]
    ingest(listener, old)

    result = ingest(listener, [*old, event(track, id="new")])

    assert result == {"accepted": 1, "duplicates": 2, "rejected": []}
    assert PlayEvent.objects.count() == 3


def test_event_ids_belong_to_their_user(listener, track):
    other = UserFactory()

    ingest(listener, [event(track, id="shared")])
    result = ingest(other, [event(track, id="shared")])

    assert result["accepted"] == 1
    assert PlayEvent.objects.filter(event_id="shared").count() == 2


# --- Refusing one event, keeping the rest -------------------------------------------------

DAY_MS = 24 * 3600 * 1000


# (label, the bad event or what spoils a good one, reason, fragment of the message). In strings,
# {album} and {track} stand for the fixture's ids; "future" and "old" timestamps are made per test.
BAD_EVENTS = [
    ("not an object", "play", "INVALID_EVENT", "JSON object"),
    ("a list", [], "INVALID_EVENT", "JSON object"),
    ("null", None, "INVALID_EVENT", "JSON object"),
    ("no id", {"id": ...}, "INVALID_EVENT", "id must be"),
    ("empty id", {"id": ""}, "INVALID_EVENT", "id must be"),
    ("long id", {"id": "x" * 65}, "INVALID_EVENT", "id must be"),
    ("id with a space", {"id": "a b"}, "INVALID_EVENT", "id must be"),
    ("non-ascii id", {"id": "évènement"}, "INVALID_EVENT", "id must be"),
    ("numeric id", {"id": 17}, "INVALID_EVENT", "id must be"),
    ("id with a final newline", {"id": "evt\n"}, "INVALID_EVENT", "id must be"),
    ("no type", {"type": ...}, "INVALID_EVENT", "type must be one of"),
    ("unknown type", {"type": "play.pause"}, "INVALID_EVENT", "type must be one of"),
    ("no track", {"track": ...}, "INVALID_EVENT", "track must be"),
    ("album uri", {"track": "spotify:album:{album}"}, "INVALID_EVENT", "track must be"),
    ("short id", {"track": "spotify:track:abc"}, "INVALID_EVENT", "track must be"),
    ("other scheme", {"track": "http:track:{track}"}, "INVALID_EVENT", "track must be"),
    ("numeric track", {"track": 42}, "INVALID_EVENT", "track must be"),
    ("unknown track", {"track": "spotify:track:0000000000000000000000"}, "UNKNOWN_TRACK", "No playable track"),
    ("no ms_played", {"ms_played": ...}, "INVALID_EVENT", "ms_played"),
    ("negative ms", {"ms_played": -1}, "INVALID_EVENT", "ms_played"),
    ("string ms", {"ms_played": "30000"}, "INVALID_EVENT", "ms_played"),
    ("float ms", {"ms_played": 30000.5}, "INVALID_EVENT", "ms_played"),
    ("boolean ms", {"ms_played": True}, "INVALID_EVENT", "ms_played"),
    ("ms beyond slack", {"ms_played": 190_001}, "MS_PLAYED_TOO_LONG", "(190000 ms)"),
    ("huge ms", {"ms_played": 10**20}, "MS_PLAYED_TOO_LONG", "exceeds"),
    ("no timestamp", {"timestamp": ...}, "INVALID_EVENT", "timestamp must be"),
    ("boolean timestamp", {"timestamp": True}, "INVALID_EVENT", "timestamp must be"),
    ("float timestamp", {"timestamp": 1.7e12}, "INVALID_EVENT", "timestamp must be"),
    ("prose timestamp", {"timestamp": "yesterday"}, "INVALID_EVENT", "ISO 8601"),
    ("long string", {"timestamp": "2025-01-01T00:00:00Z" + " " * 100}, "INVALID_EVENT", "timestamp must be"),
    ("naive timestamp", {"timestamp": "2025-01-01T00:00:00"}, "INVALID_EVENT", "UTC offset"),
    ("future", {"timestamp": "future"}, "TIMESTAMP_IN_FUTURE", "future"),
    ("far future", {"timestamp": 10**30}, "TIMESTAMP_IN_FUTURE", "future"),
    ("too old", {"timestamp": "old"}, "TIMESTAMP_TOO_OLD", "30 days"),
    ("before 1970", {"timestamp": -1}, "TIMESTAMP_TOO_OLD", "30 days"),
    ("year 1", {"timestamp": "0001-01-01T00:00:00Z"}, "TIMESTAMP_TOO_OLD", "30 days"),
    ("bad context", {"context_uri": "the radio"}, "INVALID_EVENT", "context_uri"),
    ("show context", {"context_uri": "spotify:show:{track}"}, "INVALID_EVENT", "context_uri"),
    ("numeric context", {"context_uri": 5}, "INVALID_EVENT", "context_uri"),
    ("context with a final newline", {"context_uri": "spotify:album:{album}\n"}, "INVALID_EVENT", "context_uri"),
    ("long context", {"context_uri": "spotify:album:" + "a" * 100}, "INVALID_EVENT", "context_uri"),
    ("long device", {"device_id": "d" * 65}, "INVALID_EVENT", "device_id"),
    ("NUL in device", {"device_id": "a\x00b"}, "INVALID_EVENT", "device_id"),
    ("numeric device", {"device_id": 7}, "INVALID_EVENT", "device_id"),
    ("string offline", {"offline": "yes"}, "INVALID_EVENT", "offline"),
    ("numeric offline", {"offline": 1}, "INVALID_EVENT", "offline"),
]


def _materialise(track, spec):
    if not isinstance(spec, dict):
        return spec
    ids = {"album": track.album.public_id, "track": track.public_id}
    spec = {key: value.format(**ids) if isinstance(value, str) else value for key, value in spec.items()}
    if spec.get("timestamp") == "future":
        spec["timestamp"] = now_ms() + 301_000  # beyond the 300 s of clock skew allowed
    elif spec.get("timestamp") == "old":
        spec["timestamp"] = now_ms() - 30 * DAY_MS - 60_000
    return event(track, **spec)


@pytest.mark.parametrize(("label", "spec", "reason", "fragment"), BAD_EVENTS, ids=[case[0] for case in BAD_EVENTS])
def test_it_rejects_a_bad_event_with_its_reason_and_keeps_the_rest(listener, track, label, spec, reason, fragment):
    before, after = event(track, id="before"), event(track, id="after")

    result = ingest(listener, [before, _materialise(track, spec), after])

    assert result["accepted"] == 2 and result["duplicates"] == 0
    [rejection] = result["rejected"]
    assert rejection["index"] == 1 and rejection["reason"] == reason
    assert fragment in rejection["message"]
    assert set(PlayEvent.objects.values_list("event_id", flat=True)) == {"before", "after"}


def test_it_names_the_rejected_event_by_its_id_when_it_has_a_usable_one(listener, track):
    result = ingest(listener, [event(track, id="e-1", ms_played=-5), event(track, id="bad id", ms_played=-5)])

    assert [(r["index"], r["id"]) for r in result["rejected"]] == [(0, "e-1"), (1, None)]


def test_it_rejects_a_track_that_is_not_ready(listener):
    processing = TrackFactory(ingest_state=IngestState.PROCESSING, hls_prefix="")

    result = ingest(listener, [event(processing)])

    assert result["rejected"][0]["reason"] == "UNKNOWN_TRACK"
    assert not PlayEvent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "label"),
    [
        ({"ms_played": 190_000}, "the duration plus exactly the slack"),
        ({"ms_played": 0}, "nothing played"),
        ({"timestamp": "skew"}, "a fast clock within the skew"),
        ({"timestamp": "29 days"}, "an offline play 29 days ago"),
        ({"id": "A-z_0.9:" + "x" * 56}, "a 64-character id of every allowed kind"),
        ({"device_id": "d" * 64}, "a 64-character device id"),
    ],
)
def test_it_accepts_values_at_the_edges(listener, track, overrides, label):
    if overrides.get("timestamp") == "skew":
        overrides = {"timestamp": now_ms() + 290_000}
    elif overrides.get("timestamp") == "29 days":
        overrides = {"timestamp": now_ms() - 29 * DAY_MS, "offline": True}

    result = ingest(listener, [event(track, **overrides)])

    assert result == {"accepted": 1, "duplicates": 0, "rejected": []}, label


def test_it_reports_every_bad_event_in_order_and_stores_none_when_all_are_bad(listener, track):
    batch = [event(track, ms_played=10**9), "x", event(track, track=new_public_id()), event(track, type="stop")]

    result = ingest(listener, batch)

    assert [(r["index"], r["reason"]) for r in result["rejected"]] == [
        (0, "MS_PLAYED_TOO_LONG"),
        (1, "INVALID_EVENT"),
        (2, "UNKNOWN_TRACK"),
        (3, "INVALID_EVENT"),
    ]
    assert result["accepted"] == 0
    assert not PlayEvent.objects.exists()


@pytest.mark.parametrize("events", [[], "events", None, {"id": "x"}])
def test_the_service_refuses_an_empty_or_malformed_batch(listener, events):
    with pytest.raises(ApplicationError):
        ingest(listener, events)

    assert not PlayEvent.objects.exists()


def test_the_service_refuses_an_oversized_batch(listener, track):
    with pytest.raises(ApplicationError, match="between 1 and 100"):
        ingest(listener, [event(track) for _ in range(101)])

    assert not PlayEvent.objects.exists()


# --- Streams ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "ms_played", "is_stream"),
    [
        ("play.end", 29_999, False),
        ("play.end", 30_000, True),
        ("skip", 30_000, True),
        ("skip", 12_000, False),
        ("play.progress", 120_000, False),
        ("play.start", 60_000, False),
    ],
)
def test_a_terminal_event_of_30_seconds_or_more_is_one_stream(listener, track, kind, ms_played, is_stream):
    ingest(listener, [event(track, type=kind, ms_played=ms_played)])

    assert PlayEvent.objects.get().is_stream is is_stream


def test_a_play_reported_in_many_events_counts_once(listener, track):
    play = [
        event(track, type="play.start", ms_played=0),
        *(event(track, type="play.progress", ms_played=ms) for ms in (30_000, 60_000, 90_000)),
        event(track, type="play.end", ms_played=120_000),
    ]

    ingest(listener, play)

    assert PlayEvent.objects.filter(is_stream=True).count() == 1


# --- Cost ---------------------------------------------------------------------------------


def test_a_batch_costs_the_same_few_queries_whatever_its_size(listener):
    tracks = [TrackFactory() for _ in range(10)]
    small = [event(tracks[0]) for _ in range(2)]
    large = [event(tracks[n % 10]) for n in range(100)]

    with CaptureQueriesContext(connection) as small_batch:
        ingest(listener, small)
    with CaptureQueriesContext(connection) as large_batch:
        result = ingest(listener, large)

    assert result["accepted"] == 100
    # The tracks not yet in memory, and one insert. On SQLite, whose bound on query parameters is
    # 999, 100 rows x 14 columns take two statements and a (here nested) transaction around them.
    assert len(small_batch.captured_queries) == 2
    assert len(large_batch.captured_queries) <= (2 if connection.vendor == "postgresql" else 5)


def test_a_batch_of_tracks_already_seen_costs_only_its_insert(listener, track):
    ingest(listener, [event(track)])

    with CaptureQueriesContext(connection) as again:
        result = ingest(listener, [event(track), event(track, ms_played=400_000)])

    assert len(again.captured_queries) == 1
    assert result["accepted"] == 1
    assert [entry["reason"] for entry in result["rejected"]] == ["MS_PLAYED_TOO_LONG"]  # from the memoised duration


@pytest.mark.django_db(transaction=True)
def test_a_track_that_stops_being_ready_is_refused_at_once(track):
    listener = UserFactory()
    assert ingest(listener, [event(track)])["accepted"] == 1  # the track is now in memory

    track.ingest_state = IngestState.FAILED
    track.save()  # bumps the catalog version when it commits

    result = ingest(listener, [event(track)])
    assert result["accepted"] == 0
    assert [entry["reason"] for entry in result["rejected"]] == ["UNKNOWN_TRACK"]


@pytest.mark.django_db(transaction=True)
def test_a_track_deleted_behind_the_memo_is_refused_and_the_rest_kept(track):
    """The embedded mode's processes each keep their own catalog version, so a track another
    process deleted can still be in this one's memory: the insert fails on the foreign key, writes
    nothing, and the batch is checked again against the database."""
    listener = UserFactory()
    gone = new_public_id()
    services._known_tracks.entries()[gone] = services.PlayableTrack(pk=10**9, max_ms_played=600_000)
    batch = [event(track, id="kept"), {**event(track, id="lost"), "track": f"spotify:track:{gone}"}]

    result = ingest(listener, batch)

    assert result["accepted"] == 1
    assert [(entry["id"], entry["reason"]) for entry in result["rejected"]] == [("lost", "UNKNOWN_TRACK")]
    assert list(PlayEvent.objects.values_list("event_id", flat=True)) == ["kept"]
    assert gone not in services._known_tracks.entries()


# --- The endpoint -------------------------------------------------------------------------


def test_it_answers_the_result_of_a_batch(api, listener, track):
    response = api.post(EVENTS_URL, {"events": [event(track, id="ok"), event(track, id="late", ms_played=-1)]}, "json")

    assert response.status_code == 200
    assert response.json() == {
        "accepted": 1,
        "duplicates": 0,
        "rejected": [
            {
                "index": 1,
                "id": "late",
                "reason": "INVALID_EVENT",
                "message": "ms_played must be a non-negative integer (milliseconds).",
            }
        ],
    }
    assert PlayEvent.objects.get().user == listener


def test_it_answers_a_retried_post_with_duplicates(api, track):
    body = {"events": [event(track), event(track)]}

    api.post(EVENTS_URL, body, "json")
    response = api.post(EVENTS_URL + "/", body, "json")  # and with the optional trailing slash

    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "duplicates": 2, "rejected": []}
    assert PlayEvent.objects.count() == 2


def test_it_records_the_country_and_product_of_the_request(client_for, track, settings):
    premium = UserFactory(country="SE", product=Product.PREMIUM)
    settings.COUNTRY_HEADER = "X-Country"
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's address: the header is believed

    client_for(premium).post(EVENTS_URL, {"events": [event(track)]}, "json", HTTP_X_COUNTRY="jp")

    row = PlayEvent.objects.get()
    assert (row.country, row.product) == ("JP", "premium")


def test_it_takes_the_web_apps_session_too(track):
    client = web_client_for(UserFactory(role=Role.LISTENER))

    response = client.post(EVENTS_URL, {"events": [event(track)]}, content_type="application/json")

    assert response.status_code == 200
    assert PlayEvent.objects.count() == 1


def test_it_refuses_anonymous_clients(anon, track):
    response = anon.post(EVENTS_URL, {"events": [event(track)]}, "json")

    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401
    assert not PlayEvent.objects.exists()


def test_it_refuses_an_oversized_batch_naming_the_bound(api, track):
    response = api.post(EVENTS_URL, {"events": [event(track) for _ in range(101)]}, "json")

    assert response.status_code == 400
    assert response.json()["error"] == {
        "status": 400,
        "message": "A batch carries between 1 and 100 events; this one has 101.",
    }
    assert not PlayEvent.objects.exists()


def test_it_takes_a_full_batch_of_100(api, track):
    response = api.post(EVENTS_URL, {"events": [event(track) for _ in range(100)]}, "json")

    assert response.json()["accepted"] == 100


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"events": []}, "between 1 and 100"),
        ({}, "events must be a JSON array"),
        ({"events": None}, "events must be a JSON array"),
        ({"events": "play"}, "events must be a JSON array"),
        ({"events": {"id": "e"}}, "events must be a JSON array"),
        ([{"id": "e"}], "must be a JSON object"),
        ("events", "must be a JSON object"),
    ],
)
def test_it_refuses_a_malformed_batch(api, body, fragment):
    response = api.post(EVENTS_URL, body, "json")

    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]
    assert not PlayEvent.objects.exists()


def test_it_refuses_a_body_that_is_not_json(api):
    broken = api.post(EVENTS_URL, '{"events": [', content_type="application/json")
    form = api.post(EVENTS_URL, {"events": "x"})  # multipart

    assert broken.status_code == 400 and broken.json()["error"]["status"] == 400
    assert form.status_code == 415
    assert not PlayEvent.objects.exists()


def test_it_refuses_other_methods(api):
    assert api.get(EVENTS_URL).status_code == 405


# --- The admin ----------------------------------------------------------------------------


def test_staff_can_read_play_events_but_not_add_or_change_them(listener, track):
    ingest(listener, [event(track, id="seen")])
    row = PlayEvent.objects.get()
    staff = web_client_for(UserFactory(role=Role.STAFF, is_superuser=True))

    changelist = staff.get("/admin/playback/playevent/?is_stream__exact=1&type__exact=play.end")
    detail = staff.get(f"/admin/playback/playevent/{row.pk}/change/")
    add = staff.get("/admin/playback/playevent/add/")
    edit = staff.post(f"/admin/playback/playevent/{row.pk}/change/", {"ms_played": 1})

    assert changelist.status_code == 200 and track.title in changelist.content.decode()
    assert detail.status_code == 200 and b'name="ms_played"' not in detail.content
    assert add.status_code == 403
    assert edit.status_code == 403
    assert PlayEvent.objects.get().ms_played == 45_000


def test_staff_can_erase_a_listener_with_their_plays(listener, track):
    ingest(listener, [event(track), event(track)])
    staff = web_client_for(UserFactory(role=Role.STAFF, is_superuser=True))

    response = staff.post(f"/admin/accounts/user/{listener.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not PlayEvent.objects.exists()
