from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField

from apps.common.fields import PublicIdField


class Role(models.TextChoices):
    LISTENER = "listener", "Listener"
    ARTIST = "artist", "Artist"
    STAFF = "staff", "Staff"


class Product(models.TextChoices):
    FREE = "free", "Free"
    PREMIUM = "premium", "Premium"


def private_session_active(until, now) -> bool:
    """Whether a private session that ends at `until` (None: none started) is on at `now`; for
    readers that hold the column without a User (the play-events collector)."""
    return until is not None and until > now


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.pop("is_staff", None)  # staff is a role here, not a flag
        fields.setdefault("role", Role.STAFF)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: a listener, an artist (who manages one or more Artist profiles) or staff."""

    public_id = PublicIdField()
    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=100)
    country = CountryField(help_text="ISO 3166-1 alpha-2; decides which tracks may play.")
    product = models.CharField(max_length=10, choices=Product.choices, default=Product.FREE)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.LISTENER)
    birthdate = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Social: while a private session lasts, plays are kept out of what followers see; with
    # share_activity off, nothing of the listener's shows in anyone's activity feed.
    private_session_until = models.DateTimeField(null=True, blank=True)
    share_activity = models.BooleanField(default=True)
    # Spotify's `explicit_content.filter_enabled`: recommendations, mixes and radio leave explicit
    # tracks out (search and the listener's own choices still show them, marked).
    explicit_filter = models.BooleanField(default=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name", "country"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    @property
    def is_staff(self) -> bool:
        """Django admin access follows the staff role (one source of truth, no second flag)."""
        return self.role == Role.STAFF and self.is_active

    @property
    def is_artist(self) -> bool:
        return self.role == Role.ARTIST

    def in_private_session(self, now=None) -> bool:
        return private_session_active(self.private_session_until, now or timezone.now())

    @property
    def is_premium(self) -> bool:
        return self.product == Product.PREMIUM
