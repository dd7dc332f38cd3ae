from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from apps.accounts.models import Product, Role, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = reverse("accounts:signup")
LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
ACCOUNT = reverse("accounts:account")


def signup_data(**overrides) -> dict:
    data = {
        "email": "new.listener@example.test",
        "display_name": "New Listener",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "country": "DE",
        "birthdate": "1990-04-01",
    }
    data.update(overrides)
    return data


def logged_in_user(client) -> User | None:
    user = client.get(ACCOUNT).wsgi_request.user
    return user if user.is_authenticated else None


# --- Sign-up --------------------------------------------------------------------------------


def test_it_shows_the_sign_up_form_with_the_default_country_selected(client, settings):
    settings.DEFAULT_COUNTRY = "NO"
    response = client.get(SIGNUP)
    assert response.status_code == 200
    assert b'<option value="NO" selected>Norway</option>' in response.content
    assert b'name="is_artist"' in response.content


def test_it_signs_up_a_listener_and_logs_them_in(client):
    response = client.post(SIGNUP, signup_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("social:welcome")  # settings.SIGNUP_NEXT_URL: pick a few artists
    user = User.objects.get()
    assert user.email == "new.listener@example.test"
    assert user.display_name == "New Listener"
    assert user.country.code == "DE"
    assert user.birthdate == datetime.date(1990, 4, 1)
    assert user.role == Role.LISTENER
    assert user.product == Product.FREE
    assert user.check_password(PASSWORD)
    assert logged_in_user(client) == user


def test_it_gives_the_artist_role_to_someone_who_says_they_are_an_artist(client):
    response = client.post(SIGNUP, signup_data(is_artist="on", birthdate=""))

    assert response.status_code == 302
    assert response["Location"] == reverse("studio:index")
    user = User.objects.get()
    assert user.role == Role.ARTIST
    assert user.birthdate is None


def test_it_refuses_a_duplicate_email_and_creates_nothing(client, listener):
    response = client.post(SIGNUP, signup_data(email="LISTENER@example.test"))

    assert response.status_code == 409
    assert b"An account with this email already exists" in response.content
    assert User.objects.count() == 1
    assert logged_in_user(client) is None


def test_it_refuses_an_unknown_country_and_creates_nothing(client):
    response = client.post(SIGNUP, signup_data(country="ZZ"))

    assert response.status_code == 400
    assert b'id="id_country_error"' in response.content
    assert b'aria-invalid="true"' in response.content
    assert not User.objects.exists()


def test_it_refuses_passwords_that_differ_or_are_weak(client):
    response = client.post(SIGNUP, signup_data(password2="something-else-entirely"))
    assert response.status_code == 400
    assert b"The two passwords do not match." in response.content

    response = client.post(SIGNUP, signup_data(password1="password", password2="password"))
    assert response.status_code == 400
    assert b'id="id_password1_error"' in response.content
    assert not User.objects.exists()


def test_it_keeps_a_signed_up_user_on_a_safe_next_page_only(client):
    response = client.post(SIGNUP + "?next=https://evil.example/", signup_data())
    assert response["Location"] == reverse("social:welcome")


# --- Log-in and log-out ---------------------------------------------------------------------


def test_it_labels_the_log_in_field_as_email(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'<label for="id_username">Email</label>' in response.content
    assert b'type="email"' in response.content


def test_it_logs_in_with_email_and_password_in_any_case(client, listener):
    response = client.post(LOGIN, {"username": "Listener@Example.test", "password": PASSWORD})

    assert response.status_code == 302
    assert logged_in_user(client) == listener


def test_it_refuses_a_wrong_password(client, listener):
    response = client.post(LOGIN, {"username": listener.email, "password": "wrong-password"})

    assert response.status_code == 200
    assert b"Could not sign you in" in response.content
    assert logged_in_user(client) is None


def test_it_logs_out_with_a_post_only(client, listener):
    client.force_login(listener)

    assert client.get(LOGOUT).status_code == 405
    assert logged_in_user(client) == listener

    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert logged_in_user(client) is None


def test_it_shows_a_sign_out_form_not_a_link(client, listener):
    client.force_login(listener)
    content = client.get(reverse("web:home")).content.decode()
    assert f'<form class="inline-form" method="post" action="{LOGOUT}">' in content
    assert f'href="{LOGOUT}"' not in content


# --- The account page -----------------------------------------------------------------------


def test_it_sends_anonymous_visitors_of_the_account_page_to_log_in(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={ACCOUNT}"


def test_it_shows_the_account_details(client):
    user = UserFactory(email="premium@example.test", product=Product.PREMIUM, country="JP", display_name="مستمع")
    client.force_login(user)

    response = client.get(ACCOUNT)

    assert response.status_code == 200
    content = response.content.decode()
    assert "premium@example.test" in content
    assert "Premium" in content
    assert "Japan (JP)" in content
    assert "Listener" in content
    assert '<dd dir="auto">مستمع</dd>' in content


def test_it_updates_the_profile(client, listener):
    client.force_login(listener)

    response = client.post(ACCOUNT, {"display_name": "  Renamed  ", "country": "BR", "birthdate": "2001-02-03"})

    assert response.status_code == 302
    assert response["Location"] == ACCOUNT
    listener.refresh_from_db()
    assert listener.display_name == "Renamed"
    assert listener.country.code == "BR"
    assert listener.birthdate == datetime.date(2001, 2, 3)
    assert b"Your profile was saved." in client.get(ACCOUNT).content


def test_it_shows_profile_errors_next_to_the_fields_and_saves_nothing(client, listener):
    client.force_login(listener)

    response = client.post(ACCOUNT, {"display_name": "", "country": "XX", "birthdate": "not a date"})

    assert response.status_code == 400
    for field in ("display_name", "country", "birthdate"):
        assert f'id="id_{field}_error"'.encode() in response.content
    listener.refresh_from_db()
    assert listener.display_name != ""
    assert listener.country.code == "SE"


# --- The shared layout ----------------------------------------------------------------------


def test_it_shows_each_role_its_own_navigation(client, listener, artist_user):
    anonymous = client.get(reverse("web:home")).content.decode()
    assert f'href="{LOGIN}"' in anonymous
    assert f'href="{SIGNUP}"' in anonymous
    assert 'href="/studio/"' not in anonymous

    client.force_login(listener)
    as_listener = client.get(reverse("web:home")).content.decode()
    assert 'href="/studio/"' not in as_listener
    assert 'href="/admin/"' not in as_listener
    assert f'href="{ACCOUNT}"' in as_listener

    client.force_login(artist_user)
    assert 'href="/studio/"' in client.get(reverse("web:home")).content.decode()

    staff = UserFactory(role=Role.STAFF)
    client.force_login(staff)
    assert 'href="/admin/"' in client.get(reverse("web:home")).content.decode()


def test_it_serves_an_accessible_layout(client):
    content = client.get(reverse("web:home")).content.decode()
    assert '<html lang="en">' in content
    assert '<a class="skip-link" href="#main">' in content
    assert '<main id="main"' in content
    assert '<meta name="viewport"' in content
    assert "/static/vendor/htmx/htmx.min.js" in content
    assert "https://" not in content  # no CDN: everything is served from here


def test_it_escapes_display_names_in_the_navigation(client):
    user = UserFactory(display_name='<script>alert("x")</script>')
    client.force_login(user)
    content = client.get(reverse("web:home")).content.decode()
    assert escape('<script>alert("x")</script>') in content
    assert '<script>alert("x")</script>' not in content
