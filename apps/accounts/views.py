"""Account pages: sign up, log in, log out, and the account page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from apps.accounts.forms import EmailAuthenticationForm, ProfileForm, SignUpForm
from apps.accounts.models import Role
from apps.accounts.services import user_create, user_update_privacy, user_update_profile
from apps.common.errors import ApplicationError, Conflict

CONTENT_FORM = "content"  # the account page's second form, told apart by a hidden field
DUPLICATE_EMAIL = "An account with this email already exists. Log in instead, or use another address."


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    form = SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = user_create(
                    email=data["email"],
                    password=data["password1"],
                    display_name=data["display_name"],
                    country=data["country"],
                    birthdate=data["birthdate"],
                    role=Role.ARTIST if data["is_artist"] else Role.LISTENER,
                )
            except (Conflict, IntegrityError):
                # The only conflict a sign-up has is the address; IntegrityError is two sign-ups
                # for one address racing past the service's existence check.
                status = form.add_service_error(Conflict(DUPLICATE_EMAIL), field="email")
            except (ValidationError, ApplicationError) as exc:
                status = form.add_service_error(exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome to Streamify, {user.display_name}.")
                # A listener goes on to what the apps above make of a new account (the artist
                # picker, settings.SIGNUP_NEXT_URL): named by a setting, since accounts imports none of them.
                default = reverse("studio:index") if user.is_artist else reverse(settings.SIGNUP_NEXT_URL)
                return redirect(_next_url(request, default))
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "next": _next_url(request, "")},
        status=status,
    )


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default since 5.0): a link or an image tag cannot sign anyone out."""


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST" and request.POST.get("form") == CONTENT_FORM:
        return _content_settings(request)
    form = ProfileForm.for_user(user, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user_update_profile(
                    user=user,
                    display_name=data["display_name"],
                    country=data["country"],
                    birthdate=data["birthdate"],
                )
            except (ValidationError, ApplicationError) as exc:
                status = form.add_service_error(exc)
            else:
                messages.success(request, "Your profile was saved.")
                return redirect("accounts:account")
    context = {"form": form, "profile": user, "private_session_hours": settings.PRIVATE_SESSION_HOURS}
    return render(request, "accounts/account.html", context, status=status)


def _content_settings(request: HttpRequest) -> HttpResponse:
    """The account page's content settings: Spotify's explicit-content filter, which the
    recommender reads (an unticked checkbox is simply absent from the form)."""
    user = request.user
    user.explicit_filter = "explicit_filter" in request.POST
    user.save(update_fields=["explicit_filter"])
    if user.explicit_filter:
        messages.success(request, "Explicit songs are left out of your recommendations (mixes: at their next refresh).")
    else:
        messages.success(request, "Your recommendations, mixes and radio may include explicit songs.")
    return redirect("accounts:account")


@login_required
@require_http_methods(["POST"])
def privacy(request: HttpRequest) -> HttpResponse:
    """The account page's privacy buttons: start or end a private session, share activity or not."""
    action = request.POST.get("action")
    changes = {
        "private-session-on": {"private_session": True},
        "private-session-off": {"private_session": False},
        "share-on": {"share_activity": True},
        "share-off": {"share_activity": False},
    }.get(action)
    if changes is None:
        messages.error(request, "Unknown privacy setting.")
        return redirect("accounts:account")
    user_update_privacy(user=request.user, **changes)
    notes = {
        "private-session-on": "Private session on: what you play now is not shown to your followers.",
        "private-session-off": "Private session ended.",
        "share-on": "Your followers can see what you listen to.",
        "share-off": "Your listening activity is hidden from your followers.",
    }
    messages.success(request, notes[action])
    return redirect("accounts:account")
