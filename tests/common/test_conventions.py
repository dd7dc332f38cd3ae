"""The conventions every /v1/ endpoint shares (DESIGN.md, SPOTIFY_API.md)."""

from __future__ import annotations

import re

import pytest

from apps.common.errors import ApplicationError
from apps.common.ids import is_public_id, new_public_id
from apps.common.uris import build_uri, parse_uri
from tests.factories import AlbumFactory, TrackFactory

pytestmark = pytest.mark.django_db


def test_it_makes_22_character_base62_ids():
    ids = {new_public_id() for _ in range(1000)}

    assert len(ids) == 1000
    assert all(re.fullmatch(r"[0-9A-Za-z]{22}", i) for i in ids)


def test_it_builds_spotify_uris_by_default_and_accepts_both_schemes(settings):
    track_id = new_public_id()

    assert build_uri("track", track_id) == f"spotify:track:{track_id}"
    assert parse_uri(f"streamify:track:{track_id}").id == track_id
    settings.URI_SCHEME = "streamify"
    assert build_uri("album", track_id) == f"streamify:album:{track_id}"


@pytest.mark.parametrize(
    "value", ["spotify:track", "http:track:abc", "spotify:song:0123456789012345678901", "spotify:track:short", ""]
)
def test_it_refuses_malformed_uris(value):
    with pytest.raises(ApplicationError):
        parse_uri(value)


def test_it_refuses_a_uri_of_the_wrong_type():
    with pytest.raises(ApplicationError, match="track"):
        parse_uri(f"spotify:album:{new_public_id()}", expected=("track",))


def test_public_ids_are_checked():
    assert is_public_id(new_public_id())
    assert not is_public_id("0123456789-123456789012")


def test_it_pages_with_absolute_next_and_previous(api):
    album = AlbumFactory()
    for _ in range(5):
        TrackFactory(album=album)

    first = api.get(f"/v1/albums/{album.public_id}/tracks?limit=2").json()
    second = api.get(first["next"]).json()

    assert set(first) == {"href", "items", "limit", "next", "offset", "previous", "total"}
    assert first["total"] == 5 and first["previous"] is None and first["limit"] == 2
    assert first["next"].startswith("http://testserver/v1/albums/")
    assert second["offset"] == 2 and second["previous"].startswith("http://testserver/")
    last = api.get(f"/v1/albums/{album.public_id}/tracks?limit=2&offset=4").json()
    assert last["next"] is None and len(last["items"]) == 1


@pytest.mark.parametrize(
    ("query", "fragment"),
    [("limit=0", "limit"), ("limit=51", "between 1 and 50"), ("offset=-1", "offset"), ("limit=x", "integer")],
)
def test_it_answers_400_naming_the_bad_bound(api, query, fragment):
    album = AlbumFactory()
    TrackFactory(album=album)

    response = api.get(f"/v1/albums/{album.public_id}/tracks?{query}")

    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


@pytest.mark.parametrize("method", ["get", "put", "delete", "post"])
def test_every_route_takes_an_optional_trailing_slash(api, method):
    track = TrackFactory()
    without = getattr(api, method)(f"/v1/tracks/{track.public_id}")
    with_slash = getattr(api, method)(f"/v1/tracks/{track.public_id}/")

    assert without.status_code == with_slash.status_code
    assert with_slash.status_code in (200, 405)
    assert with_slash.status_code != 404


def test_it_answers_unknown_api_paths_with_a_json_404(api):
    response = api.get("/v1/no-such-endpoint")

    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "message": "Service not found."}}


def test_it_answers_a_wrong_method_in_the_error_shape(api):
    response = api.delete(f"/v1/tracks/{TrackFactory().public_id}")

    assert response.status_code == 405
    assert response.json()["error"]["status"] == 405


def test_it_serves_the_openapi_schema_and_docs(api):
    schema = api.get("/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = api.get("/v1/docs")

    assert schema.status_code == 200
    assert "/v1/tracks/{track_id}" in schema.content.decode()
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--file", str(tmp_path / "schema.yaml"), "--validate", "--fail-on-warn")

    text = (tmp_path / "schema.yaml").read_text()
    assert "operationId: get-track\n" in text
    assert "/v1/tracks/{track_id}/:" not in text  # trailing-slash twins are served, not documented
