"""The staff rights API: staff only, validated, and every change visible in the read model."""

from __future__ import annotations

import pytest

from apps.catalog.models import TrackAvailability
from apps.rights.models import AuditEntry, Licence, Takedown
from tests.factories import AlbumFactory, TrackFactory

pytestmark = pytest.mark.django_db


def test_only_staff_may_use_it(anon, api):
    for client, status in ((anon, 401), (api, 403)):
        assert client.get("/v1/rights/licences").status_code == status
        response = client.post(
            "/v1/rights/takedowns", {"track": TrackFactory().public_id, "reason": "x"}, format="json"
        )
        assert response.status_code == status
    assert not Takedown.objects.exists()


def test_staff_create_list_change_and_delete_a_licence(staff_api):
    track = TrackFactory()
    response = staff_api.post(
        "/v1/rights/licences",
        {
            "track": f"spotify:track:{track.public_id}",
            "territories": ["de", "AT"],
            "valid_from": "2026-01-01T00:00:00Z",
            "reference": "deal-7",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["territories"] == ["AT", "DE"] and body["track"]["id"] == track.public_id
    assert body["valid_from"] == "2026-01-01T00:00:00Z" and body["kind"] == "grant"

    listed = staff_api.get(f"/v1/rights/licences?track={track.public_id}").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]

    changed = staff_api.patch(f"/v1/rights/licences/{body['id']}", {"territories": "SE"}, format="json")
    assert changed.status_code == 200 and changed.json()["territories"] == ["SE"]
    availability = staff_api.get(f"/v1/rights/tracks/{track.public_id}/availability?market=SE").json()
    assert availability["decision"] == {"market": "SE", "product": "free", "is_playable": True, "reason": None}
    assert [r["territory"] for r in availability["rules"]] == ["SE"]

    assert staff_api.delete(f"/v1/rights/licences/{body['id']}").status_code == 204
    assert not Licence.objects.exists()
    audit = staff_api.get(f"/v1/rights/audit?track={track.public_id}").json()
    assert [item["action"] for item in audit["items"]] == ["licence.deleted", "licence.changed", "licence.created"]


def test_an_album_licence_through_the_api(staff_api):
    album = AlbumFactory()
    track = TrackFactory(album=album)
    response = staff_api.post(
        "/v1/rights/licences", {"album": album.public_id, "territories": "*", "premium_only": True}, format="json"
    )
    assert response.status_code == 201
    assert list(TrackAvailability.objects.filter(track=track).values_list("kind", flat=True)) == ["grant_premium"]


@pytest.mark.parametrize(
    ("payload", "status", "needle"),
    [
        ({"territories": ["DE"]}, 400, "either track or album"),
        ({"track": "nope", "territories": ["DE"]}, 400, "Invalid track id"),
        ({"track": "0" * 22, "territories": ["DE"]}, 404, "track not found"),
        ({"track": "spotify:album:" + "0" * 22, "territories": ["DE"]}, 400, "expected a track URI"),
        ({"track": "TRACK", "territories": ["QQ"]}, 400, "Unknown territory"),
        ({"track": "TRACK", "territories": ["DE"], "valid_from": "yesterday"}, 400, "valid_from"),
        ({"track": "TRACK", "territories": ["DE"], "kind": "sometimes"}, 400, "kind"),
        ({"track": "TRACK", "album": "ALBUM", "territories": ["DE"]}, 400, "either track or album"),
    ],
)
def test_bad_licence_requests_write_nothing(staff_api, payload, status, needle):
    track = TrackFactory()
    payload = {
        k: (track.public_id if v == "TRACK" else track.album.public_id if v == "ALBUM" else v)
        for k, v in payload.items()
    }
    rows_before = list(TrackAvailability.objects.values_list("pk", flat=True))
    response = staff_api.post("/v1/rights/licences", payload, format="json")
    assert response.status_code == status, response.content
    assert needle in response.content.decode()
    assert "error" in response.json()
    assert not Licence.objects.exists() and not AuditEntry.objects.exists()
    assert list(TrackAvailability.objects.values_list("pk", flat=True)) == rows_before


def test_staff_take_down_and_lift(staff_api, api):
    track = TrackFactory()
    response = staff_api.post(
        "/v1/rights/takedowns", {"track": track.public_id, "reason": "Court order 2026/17"}, format="json"
    )
    assert response.status_code == 201
    takedown = response.json()
    assert takedown["territories"] == ["*"] and takedown["active"] is True
    assert api.get(f"/v1/tracks/{track.public_id}?market=from_token").json()["restrictions"] == {"reason": "takedown"}

    active = staff_api.get("/v1/rights/takedowns?active=true").json()
    assert [t["id"] for t in active["items"]] == [takedown["id"]]
    lifted = staff_api.post(f"/v1/rights/takedowns/{takedown['id']}/lift", {"reason": "resolved"}, format="json")
    assert lifted.status_code == 200 and lifted.json()["active"] is False
    assert api.get(f"/v1/tracks/{track.public_id}?market=from_token").json()["is_playable"] is True
    again = staff_api.post(f"/v1/rights/takedowns/{takedown['id']}/lift", {}, format="json")
    assert again.status_code == 409


def test_unknown_ids_are_404(staff_api):
    for path in ("/v1/rights/licences/" + "0" * 22, "/v1/rights/takedowns/" + "0" * 22, "/v1/rights/licences/x"):
        response = staff_api.get(path)
        assert response.status_code == 404 and response.json()["error"]["status"] == 404
