"""Cold start: "Pick a few artists you like" (`/welcome/artists`), where sign-up sends a new listener
(settings.SIGNUP_NEXT_URL). The picks are followed, and until the listener has a history of their
own the recommender stands those artists' top tracks in for it (apps.recommendations.engine), so
the home page they land on is already theirs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.accounts.country import request_country
from apps.catalog.availability import Listener
from apps.catalog.presentation import cover
from apps.catalog.selectors import artists_by_pks, most_popular_track_ids, playable_track_facts
from apps.common.errors import ApplicationError
from apps.common.ids import is_public_id
from apps.playlists import library

PICKER_ARTISTS = 30
MAX_PICKS = 20
# The artists come from the most popular tracks: enough of them that a few prolific artists at the
# top still leave room for PICKER_ARTISTS others.
CANDIDATE_TRACKS = 1_000
UNKNOWN_PICK = "Some of the artists you picked are not on Streamify any more. Nothing was saved: please pick again."


def popular_artists(listener: Listener, *, limit: int = PICKER_ARTISTS) -> list:
    """The artists of the most popular tracks that play for `listener`, most popular first (a
    track's first credited artist), each with its `picture`."""
    ranked = most_popular_track_ids(limit=CANDIDATE_TRACKS)
    facts = playable_track_facts(ranked, listener=listener)
    artist_ids = list(dict.fromkeys(facts[t].artist_id for t in ranked if t in facts and facts[t].artist_id))[:limit]
    rows = artists_by_pks(artist_ids)
    artists = [rows[pk] for pk in artist_ids if pk in rows]
    for artist in artists:
        artist.picture = cover(artist.images, display_px=300)
    return artists


def _pick_error(picked: list[str]) -> str:
    if len(picked) > MAX_PICKS:
        return f"Pick at most {MAX_PICKS} artists (you picked {len(picked)}). Nothing was saved."
    if not all(is_public_id(pick) for pick in picked):
        return UNKNOWN_PICK
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def welcome_artists(request: HttpRequest) -> HttpResponse:
    user = request.user
    picked = list(dict.fromkeys(request.POST.getlist("artist")))
    error = ""
    if request.method == "POST":
        if not picked:  # nothing ticked: as good as "Skip"
            return redirect("web:home")
        error = _pick_error(picked)
        if not error:
            try:
                library.save(user=user, kind="artist", ids=picked)  # checks every id before writing any
            except ApplicationError:
                error = UNKNOWN_PICK
            else:
                messages.success(request, "Your home is made from the artists you picked. Play anything to tune it.")
                return redirect("web:home")
    listener = Listener(country=request_country(request), premium=user.is_premium)
    context = {"artists": popular_artists(listener), "picked": set(picked), "error": error, "max_picks": MAX_PICKS}
    return render(request, "recommendations/welcome_artists.html", context, status=400 if error else 200)
