"""absolute_url: what build_absolute_uri makes of the paths the code builds, the origin read once."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from apps.common.site import SiteRequest, absolute_url

PATHS = [
    "/v1/tracks/4uLU6hMCjMI75M1A2tKUQC",
    "/album/0sNOF9WDwhWunNAHPD3Baj",
    "/v1/albums/x/tracks?offset=0&limit=50",
    "/",
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "request_kwargs",
    [{}, {"secure": True}, {"HTTP_HOST": "music.example.org:8443"}, {"secure": True, "HTTP_HOST": "[::1]:8000"}],
)
def test_it_is_what_django_builds(path, request_kwargs, settings):
    settings.ALLOWED_HOSTS = ["*"]
    request = RequestFactory().get("/v1/recommendations", **request_kwargs)
    assert absolute_url(request, path) == request.build_absolute_uri(path)


def test_the_origin_is_read_once_per_request(settings):
    settings.ALLOWED_HOSTS = ["*"]
    request = RequestFactory().get("/", HTTP_HOST="a.example")
    assert absolute_url(request, "/x") == "http://a.example/x"
    request.META["HTTP_HOST"] = "b.example"  # (never changes within a request; shows the reuse)
    assert absolute_url(request, "/y") == "http://a.example/y"
    assert absolute_url(RequestFactory().get("/", HTTP_HOST="b.example"), "/y") == "http://b.example/y"


def test_outside_a_request_it_is_the_site_url(settings):
    settings.SITE_URL = "https://streamify.example/"
    assert absolute_url(SiteRequest(), "/v1/me") == "https://streamify.example/v1/me"


def test_local_images_are_linked_as_django_links_them(settings):
    from django.core.files.storage import default_storage

    from apps.catalog.api.representations import image_objects

    settings.ALLOWED_HOSTS = ["*"]
    request = RequestFactory().get("/", secure=True, HTTP_HOST="cdn.example:444")
    images = [{"key": "covers/ab/Été à la plage (1).jpg", "height": 640, "width": 640}]
    expected = request.build_absolute_uri(default_storage.url(images[0]["key"]))
    assert image_objects(request, images) == [{"url": expected, "height": 640, "width": 640}]
    assert expected.startswith("https://cdn.example:444/")
