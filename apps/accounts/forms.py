"""HTML forms of the account pages. They only parse input; the services decide and write."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from apps.accounts.models import User
from apps.common.forms import ServiceErrorsMixin

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # <input type=date> wants ISO 8601


class SignUpForm(ServiceErrorsMixin, forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    display_name = forms.CharField(
        max_length=100,
        help_text="How other listeners see you, for example on shared playlists.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname", "dir": "auto"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    country = LazyTypedChoiceField(
        choices=countries,
        help_text="Decides which music is available to you.",
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    birthdate = forms.DateField(required=False, widget=DATE_INPUT)
    is_artist = forms.BooleanField(
        required=False,
        label="I am an artist",
        help_text="Artist accounts can upload music through the studio.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].initial = settings.DEFAULT_COUNTRY

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords do not match.")
        elif first:
            # The service validates the password again; checking here puts the message next to
            # the field instead of at the top of the form.
            candidate = User(email=cleaned.get("email", ""), display_name=cleaned.get("display_name", ""))
            try:
                validate_password(first, user=candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class EmailAuthenticationForm(AuthenticationForm):
    """Django's log-in form; the username of this project is the email address."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})


class ProfileForm(ServiceErrorsMixin, forms.Form):
    display_name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"dir": "auto"}))
    country = LazyTypedChoiceField(choices=countries, help_text="Decides which music is available to you.")
    birthdate = forms.DateField(required=False, widget=DATE_INPUT)

    @classmethod
    def for_user(cls, user: User, data=None) -> ProfileForm:
        initial = {"display_name": user.display_name, "country": user.country.code, "birthdate": user.birthdate}
        return cls(data, initial=initial)
