"""The social pages: a listener's profile (`/user/<id>`: their public playlists, follow or not)
and the activity feed (`/feed`: what the people you follow play and make)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.catalog.presentation import cover, with_durations, with_playability
from apps.common.ids import is_public_id
from apps.playlists import library, selectors
from apps.recommendations.feed import activity_feed

FEED_ITEMS = 50
PROFILE_PLAYLISTS = 50


def _listener_or_404(public_id: str):
    user = (
        get_user_model().objects.filter(public_id=public_id, is_active=True).first()
        if is_public_id(public_id)
        else None
    )
    if user is None:
        raise Http404("No such listener.")
    return user


def _with_covers(playlists) -> list:
    playlists = list(playlists)
    covers = selectors.cover_images(playlists)
    for playlist in playlists:
        playlist.cover = cover(covers[playlist.pk], display_px=300)
    return playlists


@require_GET
def profile(request: HttpRequest, public_id: str) -> HttpResponse:
    listener = _listener_or_404(public_id)
    viewer = request.user
    is_self = viewer.is_authenticated and viewer.pk == listener.pk
    context = {
        "listener": listener,
        "is_self": is_self,
        "following": (
            viewer.is_authenticated and not is_self and library.contains(user=viewer, kind="user", ids=[public_id])[0]
        ),
        "followers_total": library.followers_count(user=listener),
        "following_total": library.saved(user=listener, kind="user").count(),
        "playlists": _with_covers(selectors.public_playlists_of(listener)[:PROFILE_PLAYLISTS]),
    }
    return render(request, "social/profile.html", context)


@login_required
@require_POST
def profile_follow(request: HttpRequest, public_id: str) -> HttpResponse:
    listener = _listener_or_404(public_id)
    if listener.pk != request.user.pk:
        if request.POST.get("action") == "unfollow":
            library.remove(user=request.user, kind="user", ids=[public_id])
            messages.success(request, f"You no longer follow {listener.display_name}.")
        else:
            library.save(user=request.user, kind="user", ids=[public_id])
            messages.success(request, f"You follow {listener.display_name}: their listening shows in your feed.")
    return redirect("social:profile", public_id=public_id)


@login_required
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    activity = activity_feed(viewer=request.user, limit=FEED_ITEMS)
    with_playability(request, with_durations({a.track.pk: a.track for a in activity if a.track}.values()))
    _with_covers(a.playlist for a in activity if a.playlist)
    items = []
    for a in activity:
        item = {"kind": a.kind, "user": a.user, "at": a.at, "playlist": a.playlist, "tracks": []}
        if a.track is not None:
            # The row plays on from the track in its album (a friend's playlist may be private).
            item["tracks"] = [a.track]
        items.append(item)
    following = [row.followee for row in library.saved(user=request.user, kind="user")]
    return render(request, "social/feed.html", {"items": items, "following": following})
