"""The user admin: the custom user model (email login, staff as a role) in Django's UserAdmin."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Product, Role, User
from tests.conftest import web_client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_user_changelist")
ADD = reverse("admin:accounts_user_add")


@pytest.fixture
def staff():
    # The staff role opens the admin; a superuser holds every permission inside it.
    return UserFactory(email="staff@example.test", display_name="Sam Staff", role=Role.STAFF, is_superuser=True)


@pytest.fixture
def staff_client(staff):
    return web_client_for(staff)


@pytest.fixture
def people(staff):
    return {
        "staff": staff,
        "listener": UserFactory(email="lena@example.test", display_name="Lena Listener", country="NO"),
        "premium": UserFactory(email="pia@example.test", display_name="Pia Premium", product=Product.PREMIUM),
        "artist": UserFactory(email="ari@example.test", display_name="Ari Artist", role=Role.ARTIST, country="BR"),
        "inactive": UserFactory(email="gone@example.test", display_name="Gone Away", is_active=False),
    }


def emails(response) -> set[str]:
    return {user.email for user in response.context["cl"].result_list}


def change(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def test_it_lists_users_with_their_role_product_and_country(staff_client, people):
    response = staff_client.get(CHANGELIST)

    assert response.status_code == 200
    assert emails(response) == {user.email for user in people.values()}
    html = response.content.decode()
    assert "Premium" in html and "Artist" in html and "Norway" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [("lena@", {"lena@example.test"}), ("ari artist", {"ari@example.test"}), ("PIA", {"pia@example.test"})],
)
def test_it_searches_by_email_and_display_name(staff_client, people, query, expected):
    response = staff_client.get(CHANGELIST, {"q": query})

    assert emails(response) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role__exact": "artist"}, {"ari@example.test"}),
        ({"role__exact": "staff"}, {"staff@example.test"}),
        ({"product__exact": "premium"}, {"pia@example.test"}),
        ({"country": "BR"}, {"ari@example.test"}),
        ({"is_active__exact": "0"}, {"gone@example.test"}),
    ],
)
def test_it_filters_by_role_product_country_and_activity(staff_client, people, params, expected):
    response = staff_client.get(CHANGELIST, params)

    assert emails(response) == expected


def test_it_offers_only_the_countries_in_use(staff_client, people):
    html = staff_client.get(CHANGELIST).content.decode()

    assert "?country=BR" in html and "?country=SE" in html
    assert "?country=FR" not in html


def test_it_opens_the_change_page_with_the_public_id_read_only(staff_client, people):
    artist = people["artist"]

    response = staff_client.get(change(artist))

    assert response.status_code == 200
    assert artist.public_id in response.content.decode()
    assert "public_id" not in response.context["adminform"].form.fields


def test_it_opens_the_password_change_page(staff_client, people):
    url = reverse("admin:auth_user_password_change", args=[people["listener"].pk])

    assert staff_client.get(url).status_code == 200


def test_it_changes_a_role_and_keeps_the_public_id(staff_client, people):
    listener = people["listener"]
    public_id = listener.public_id

    response = staff_client.post(
        change(listener),
        {
            "email": listener.email,
            "public_id": "forged" * 4,  # not a form field: ignored
            "display_name": "Lena Listener",
            "country": "NO",
            "role": Role.ARTIST,
            "product": Product.PREMIUM,
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    listener.refresh_from_db()
    assert listener.role == Role.ARTIST
    assert listener.product == Product.PREMIUM
    assert listener.public_id == public_id


def test_it_creates_a_user_with_a_lowercased_email_and_a_hashed_password(staff_client, people):
    response = staff_client.post(
        ADD,
        {
            "email": "New.Person@Example.TEST",
            "display_name": "New Person",
            "country": "DE",
            "role": Role.LISTENER,
            "product": Product.FREE,
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="new.person@example.test")
    assert user.check_password("a-long-unusual-passphrase")
    assert user.country == "DE"
    assert not user.is_staff


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"email": "LENA@example.test"}, "email"),  # taken, whatever the case
        ({"password2": "something-else-entirely"}, "password2"),
        ({"password1": "short", "password2": "short"}, "password2"),
    ],
)
def test_it_refuses_a_bad_new_user_and_writes_nothing(staff_client, people, fields, error_field):
    before = User.objects.count()
    data = {
        "email": "another@example.test",
        "display_name": "Another",
        "country": "SE",
        "role": Role.LISTENER,
        "product": Product.FREE,
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
        **fields,
    }

    response = staff_client.post(ADD, data)

    assert response.status_code == 200
    assert error_field in response.context["adminform"].form.errors
    assert User.objects.count() == before


def test_it_refuses_to_change_an_email_to_one_taken_in_another_case(staff_client, people):
    artist = people["artist"]

    response = staff_client.post(
        change(artist),
        {
            "email": "Lena@Example.test",
            "display_name": artist.display_name,
            "country": "BR",
            "role": Role.ARTIST,
            "product": Product.FREE,
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    artist.refresh_from_db()
    assert artist.email == "ari@example.test"


def test_it_redirects_a_listener_and_an_artist_to_the_admin_login(people):
    for who in ("listener", "artist"):
        response = web_client_for(people[who]).get(CHANGELIST)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_it_lets_staff_sign_in_to_the_admin_with_their_email(people, settings):
    client = Client()

    response = client.post(
        reverse("admin:login"),
        {"username": "STAFF@example.test", "password": PASSWORD, "next": CHANGELIST},
    )

    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    assert client.get(CHANGELIST).status_code == 200


def test_it_shuts_out_a_deactivated_staff_member(people):
    former = UserFactory(role=Role.STAFF, is_superuser=True, is_active=False)

    response = web_client_for(former).get(CHANGELIST)

    assert response.status_code == 302


def test_it_lists_users_in_a_number_of_queries_that_does_not_grow_with_the_rows(
    staff_client, people, django_assert_max_num_queries
):
    UserFactory.create_batch(40)

    with django_assert_max_num_queries(8):
        response = staff_client.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == 45
