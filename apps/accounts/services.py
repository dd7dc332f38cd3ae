from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django_countries import countries

from apps.accounts.models import Product, Role, User
from apps.common.errors import ApplicationError, Conflict


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


def user_update_privacy(*, user: User, private_session: bool | None = None, share_activity: bool | None = None) -> User:
    """A private session lasts PRIVATE_SESSION_HOURS (as Spotify's: it ends by itself, so nobody
    stays hidden by accident); turning it off ends it now. `share_activity` is kept until changed."""
    for name, value in (("private_session", private_session), ("share_activity", share_activity)):
        if value is not None and not isinstance(value, bool):
            raise ApplicationError(f"{name} must be true or false.")
    if private_session is not None:
        hours = timedelta(hours=settings.PRIVATE_SESSION_HOURS)
        user.private_session_until = timezone.now() + hours if private_session else None
    if share_activity is not None:
        user.share_activity = share_activity
    user.save(update_fields=["private_session_until", "share_activity"])
    return user
