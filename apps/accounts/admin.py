from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django_countries.filters import CountryFilter

from apps.accounts.models import User


class UserCreationForm(BaseUserCreationForm):
    """Django's documented base for custom creation forms, keyed on email instead of username.

    Django's own `UserCreationForm` adds a case-insensitive `clean_username`; the email plays that
    part here, so `clean_email` does the same check (the database enforces it too, on Lower(email)).
    """

    class Meta:
        model = User
        fields = ("email", "display_name", "country", "role", "product")

    def clean_email(self) -> str:
        # Stored lower-cased, as UserManager.create_user does, so the login lookup finds it.
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    # Admin access comes from the staff *role* (User.is_staff is a property over it), so the role
    # is what staff edit and filter on; there is no is_staff column to show.
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password", "public_id")}),
        ("Profile", {"fields": ("display_name", "country", "birthdate")}),
        ("Account", {"fields": ("role", "product", "is_active")}),
        ("Permissions", {"classes": ("collapse",), "fields": ("is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "country", "role", "product", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("public_id", "last_login", "date_joined")
    list_display = ("email", "display_name", "role", "product", "country", "is_active", "date_joined")
    list_filter = ("role", "product", ("country", CountryFilter), "is_active")
    search_fields = ("email", "display_name")
    ordering = ("email",)
    filter_horizontal = ("groups", "user_permissions")
