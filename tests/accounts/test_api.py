from __future__ import annotations

import pytest

from apps.accounts.models import User
from tests.conftest import api_client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_it_issues_tokens_for_email_and_password(anon, listener):
    response = anon.post("/v1/auth/token", {"email": "LISTENER@example.test", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    me = anon.get("/v1/me", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert me.status_code == 200
    assert me.json()["id"] == listener.public_id


def test_it_refuses_a_wrong_password_in_the_error_shape(anon, listener):
    response = anon.post("/v1/auth/token", {"email": listener.email, "password": "nope"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401
    assert response.json()["error"]["message"]


def test_it_refreshes_an_access_token(anon, listener):
    tokens = anon.post("/v1/auth/token", {"email": listener.email, "password": PASSWORD}, format="json").json()

    response = anon.post("/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 200
    assert "access" in response.json()


def test_it_registers_a_listener_and_returns_tokens(anon):
    response = anon.post(
        "/v1/auth/register",
        {"email": "new@example.test", "password": "a-long-passphrase", "display_name": "Nova", "country": "br"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["user"]["country"] == "BR"
    assert body["user"]["product"] == "free"
    user = User.objects.get(email="new@example.test")
    assert user.role == "listener" and user.check_password("a-long-passphrase")


@pytest.mark.parametrize(
    ("payload", "status", "fragment"),
    [
        ({"email": "listener@example.test", "password": "a-long-passphrase", "display_name": "X"}, 409, "exists"),
        ({"email": "LISTENER@EXAMPLE.TEST", "password": "a-long-passphrase", "display_name": "X"}, 409, "exists"),
        ({"email": "not-an-email", "password": "a-long-passphrase", "display_name": "X"}, 400, "email"),
        ({"email": "a@example.test", "password": "short", "display_name": "X"}, 400, "too short"),
        (
            {"email": "a@example.test", "password": "a-long-passphrase", "display_name": "X", "country": "XX"},
            400,
            "country",
        ),
        ({"email": "a@example.test", "password": "a-long-passphrase"}, 400, "display_name"),
    ],
)
def test_it_refuses_bad_registrations_and_writes_nothing(anon, listener, payload, status, fragment):
    before = User.objects.count()

    response = anon.post("/v1/auth/register", payload, format="json")

    assert response.status_code == status
    assert fragment in response.json()["error"]["message"]
    assert User.objects.count() == before


def test_it_shows_me_in_the_spotify_shape(listener):
    body = api_client_for(listener).get("/v1/me/").json()

    assert body["type"] == "user"
    assert body["uri"] == f"spotify:user:{listener.public_id}"
    assert body["href"].startswith("http://testserver/v1/users/")
    assert body["display_name"] == listener.display_name
    assert body["country"] == "SE"
    assert body["product"] == "free"
    assert body["followers"] == {"href": None, "total": 0}
    assert body["images"] == []
    assert "spotify" in body["external_urls"]


def test_it_answers_401_with_a_bearer_challenge_without_a_token(anon):
    response = anon.get("/v1/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"error": {"status": 401, "message": "No token provided"}}


def test_it_answers_401_for_a_forged_token(anon):
    response = anon.get("/v1/me", HTTP_AUTHORIZATION="Bearer eyJhbGciOiJIUzI1NiJ9.e30.forged")

    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401


def test_it_refuses_tokens_of_deactivated_users(anon):
    user = UserFactory()
    client = api_client_for(user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert client.get("/v1/me").status_code == 401


def test_it_accepts_the_web_session_on_the_api(client, listener):
    client.force_login(listener)

    assert client.get("/v1/me").json()["id"] == listener.public_id


def test_it_throttles_password_guessing_in_the_error_shape(anon, listener):
    for _ in range(20):
        anon.post("/v1/auth/token", {"email": listener.email, "password": "guess"}, format="json")

    response = anon.post("/v1/auth/token", {"email": listener.email, "password": PASSWORD}, format="json")

    assert response.status_code == 429
    assert response.json()["error"]["status"] == 429
    assert int(response["Retry-After"]) > 0
