"""The upload portal (`/studio/`): artist profiles, the upload form and the live uploads list.

The JSON twin of these pages is `/v1/studio/*` (apps/catalog/api/studio.py); both call the same
services, so a rule holds for the portal exactly when it holds for the API.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import User
from apps.catalog.forms import ArtistProfileForm, UploadForm
from apps.catalog.models import Artist, IngestState, Track
from apps.catalog.services.catalog import artist_create
from apps.catalog.services.uploads import upload_create
from apps.catalog.uploads import raise_if_upload_stopped, reject_oversized_request
from apps.common.errors import ApplicationError, PayloadTooLarge

UPLOADS_SHOWN = 100


def _uploads_url() -> str:
    """After an upload the artist lands on the list that follows its progress, not the form."""
    return reverse("studio:index") + "#uploads"


IN_FLIGHT = (IngestState.UPLOADED, IngestState.PROCESSING)


def artist_required(view):
    """Log-in first (anonymous: redirect to the log-in page), then the artist role (others: 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_artist:
            raise PermissionDenied("The studio is for artist accounts.")
        return view(request, *args, **kwargs)

    return wrapper


def _managed_artists(user: User) -> list[Artist]:
    return list(Artist.objects.filter(managers=user).order_by("name"))


def _uploads_context(user: User) -> dict:
    uploads = list(
        Track.objects.uploaded_by(user).select_related("album").order_by("-created_at", "-pk")[:UPLOADS_SHOWN]
    )
    # The list polls itself while anything is still moving and stops once every upload is final.
    return {"uploads": uploads, "polling": any(track.ingest_state in IN_FLIGHT for track in uploads)}


def _portal(
    request: HttpRequest,
    *,
    upload_form: UploadForm | None = None,
    upload_errors: list[str] | None = None,
    artist_form: ArtistProfileForm | None = None,
    status: int = 200,
) -> HttpResponse:
    artists = _managed_artists(request.user)
    if upload_form is None and artists:
        upload_form = UploadForm(user=request.user)
    if artist_form is None and not artists:
        artist_form = ArtistProfileForm()
    context = {
        "artists": artists,
        "upload_form": upload_form,
        "upload_errors": upload_errors or [],
        "artist_form": artist_form,
        "max_upload_bytes": settings.UPLOAD_MAX_BYTES,
        **_uploads_context(request.user),
    }
    return render(request, "studio/index.html", context, status=status)


def _wants_json(request: HttpRequest) -> bool:
    """studio.js posts with XMLHttpRequest (for its progress bar) and navigates by itself."""
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@artist_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _portal(request)


@artist_required
@require_http_methods(["GET", "POST"])
def artist_create_view(request: HttpRequest) -> HttpResponse:
    form = ArtistProfileForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                artist = artist_create(
                    name=form.cleaned_data["name"],
                    bio=form.cleaned_data["bio"],
                    genres=form.genre_names,
                    manager=request.user,
                )
            except (ValidationError, ApplicationError) as exc:
                status = form.add_service_error(exc)
            else:
                messages.success(request, f"Your artist profile “{artist.name}” is ready. Upload your first track.")
                return redirect("studio:index")
    if not _managed_artists(request.user):
        return _portal(request, artist_form=form, status=status)
    return render(request, "studio/artist_new.html", {"form": form}, status=status)


# Oversized bodies never get this far: streamify.asgi refuses them by Content-Length before
# Django reads a byte, so the CSRF middleware may parse the (bounded) form as usual.
@artist_required
@require_http_methods(["GET", "POST"])
def upload_create_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("studio:index")  # e.g. back from the log-in page that an expired session led to
    try:
        reject_oversized_request(request)  # the same rule under WSGI, where no ASGI layer runs
        request.FILES  # noqa: B018 (parses the body now: streamed to disk, each file cut off at its limit)
        raise_if_upload_stopped(request)
    except PayloadTooLarge as exc:
        return _portal(request, upload_errors=[exc.message], status=exc.status)

    form = UploadForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _portal(request, upload_form=form, status=400)
    try:
        track = upload_create(
            user=request.user,
            file=form.cleaned_data["file"],
            metadata=form.metadata(),
            artist_id=form.cleaned_data["artist_id"] or None,
            cover=form.cleaned_data["cover"],
        )
    except (ValidationError, ApplicationError) as exc:
        status = form.add_service_error(exc)
        return _portal(request, upload_form=form, status=status)

    messages.success(request, f"“{track.title}” is uploaded. It is processed now; this page follows its progress.")
    if _wants_json(request):
        return JsonResponse({"id": track.public_id, "redirect": _uploads_url()}, status=201)
    return redirect(_uploads_url())


@require_GET
def uploads_partial(request: HttpRequest) -> HttpResponse:
    """The uploads list alone, polled by htmx while uploads are in flight."""
    if not request.user.is_authenticated:
        if request.headers.get("HX-Request"):
            # A session that expired mid-poll: swap nothing, send the whole page to the log-in.
            login_url = redirect_to_login(reverse("studio:index"))["Location"]
            return HttpResponse(status=204, headers={"HX-Redirect": login_url})
        return redirect_to_login(request.get_full_path())
    if not request.user.is_artist:
        raise PermissionDenied("The studio is for artist accounts.")
    return render(request, "studio/_uploads.html", _uploads_context(request.user))
