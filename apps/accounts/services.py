from __future__ import annotations

from datetime import date

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django_countries import countries

from apps.accounts.models import Product, Role, User
from apps.common.errors import Conflict


def _clean_display_name(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({"display_name": "A display name is required."})
    if len(value) > 100:
        raise ValidationError({"display_name": "At most 100 characters."})
    return value


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str,
    display_name: str,
    country: str,
    product: str = Product.FREE,
    role: str = Role.LISTENER,
    birthdate: date | None = None,
) -> User:
    email = (email or "").strip().lower()
    validate_email(email)
    display_name = _clean_display_name(display_name)
    country = (country or "").upper()
    if country not in countries:
        raise ValidationError({"country": f"{country!r} is not an ISO 3166-1 alpha-2 country code."})
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if product not in Product.values:
        raise ValidationError({"product": f"Unknown product {product!r}."})
    candidate = User(email=email, display_name=display_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("An account with this email already exists.")
    return User.objects.create_user(
        email,
        password,
        display_name=display_name,
        country=country,
        product=product,
        role=role,
        birthdate=birthdate,
    )


def user_update_profile(*, user: User, display_name: str, country: str, birthdate: date | None) -> User:
    display_name = _clean_display_name(display_name)
    if country.upper() not in countries:
        raise ValidationError({"country": f"{country!r} is not an ISO 3166-1 alpha-2 country code."})
    user.display_name = display_name
    user.country = country.upper()
    user.birthdate = birthdate
    user.save(update_fields=["display_name", "country", "birthdate"])
    return user
