"""Radio from the web pages: "Go to radio" on a track, an artist, an album or a playlist posts
here, and the listener lands on their station's page (a playlist that extends itself as it plays,
apps.recommendations.products.radio). With JavaScript the button asks `POST /v1/me/radio` instead,
so the player keeps playing across the move (static/js/radio.js)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.common.errors import ApplicationError, NotFound
from apps.recommendations.products.radio import start_radio


@login_required
@require_POST
def radio(request: HttpRequest) -> HttpResponse:
    seed_uri = request.POST.get("seed_uri", "")
    if not seed_uri:
        raise BadRequest("seed_uri is required: a track, artist, album or playlist URI.")
    try:
        station = start_radio(request.user, seed_uri)
    except NotFound as exc:  # unknown, or not the listener's to see: the same 404
        raise Http404(exc.message) from exc
    except ApplicationError as exc:  # not a URI, or not of a kind radio starts from
        raise BadRequest(exc.message) from exc
    return redirect("playlists:playlist", public_id=station.public_id)
