"""The platform's own account, which owns what the platform makes: the playlists made for each
listener and the public charts (Spotify's are owned by the user `spotify`). It cannot sign in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from apps.catalog.models import Track
from apps.playlists.models import Playlist
from apps.playlists.services import items_replace, playlist_create

EMAIL = "editorial@streamify.invalid"  # .invalid: a reserved domain (RFC 2606), never a real mailbox
NAME = "Streamify"


def platform_account():
    user = get_user_model().objects.filter(email=EMAIL).first()
    if user is None:
        user = get_user_model().objects.create_user(email=EMAIL, password=None, display_name=NAME, country="US")
    return user


@transaction.atomic
def generated_playlist(
    *, generator: str, made_for, name: str, description: str, track_ids: list[int], public: bool = False
) -> Playlist:
    """The playlist `generator` keeps for `made_for` (None: a public one, a chart), created on first
    use, renamed and refilled with `track_ids` (in that order) on every refresh. The refill goes
    through the playlists' own service, so its snapshot id changes and its history records it."""
    platform = platform_account()
    playlist = (
        Playlist.live.select_for_update()
        .filter(owner=platform, generator=generator, made_for=made_for)
        .order_by("pk")
        .first()
    )
    if playlist is None:
        playlist = playlist_create(owner=platform, name=name, description=description, public=public)
        playlist.generator, playlist.made_for = generator, made_for
        playlist.save(update_fields=["generator", "made_for"])
    elif (playlist.name, playlist.description) != (name, description):
        playlist.name, playlist.description = name, description
        playlist.save(update_fields=["name", "description", "updated_at"])
    public_ids = dict(Track.objects.filter(pk__in=track_ids).values_list("pk", "public_id"))
    items_replace(actor=platform, playlist=playlist, track_ids=[public_ids[t] for t in track_ids if t in public_ids])
    playlist.refresh_from_db()
    return playlist


def generated_playlists(*, made_for, generator_prefix: str = "") -> list[Playlist]:
    rows = Playlist.live.filter(made_for=made_for, generator__startswith=generator_prefix).exclude(generator="")
    return list(rows.order_by("generator"))
