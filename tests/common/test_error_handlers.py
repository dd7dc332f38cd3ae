from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.common.boom_urls")]


def test_an_unexpected_api_failure_answers_500_in_the_error_shape():
    response = Client(raise_request_exception=False).get("/v1/boom")

    assert response.status_code == 500
    assert response.json() == {"error": {"status": 500, "message": "Server error."}}


def test_an_unexpected_page_failure_answers_an_html_500():
    response = Client(raise_request_exception=False).get("/boom")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_unknown_pages_outside_the_api_get_html_404s(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
