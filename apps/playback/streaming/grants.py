"""The play button's server half: a rights check, then a short-lived signed URL for the ladder
the listener's tier allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Q

from apps.catalog.availability import Listener, Restriction, relinked, restrictions_for
from apps.catalog.models import Track
from apps.common.errors import NotFound, PermissionDenied
from apps.playback.streaming import signing

# The error reasons clients switch on; PREMIUM_REQUIRED is the one Spotify's clients already know.
REFUSALS = {
    Restriction.MARKET: ("MARKET", "This track is not available in your country."),
    Restriction.PRODUCT: ("PREMIUM_REQUIRED", "This track is available to Premium listeners only."),
    Restriction.TAKEDOWN: ("TAKEDOWN", "This track has been taken down."),
    Restriction.NOT_READY: ("NOT_READY", "This track is still being processed."),
}


@dataclass(frozen=True)
class StreamGrant:
    track: Track  # the track whose audio the URL plays (another release when relinked)
    linked_from: Track | None
    path: str
    expires: int
    bitrates: list[int]

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.expires, tz=UTC)


def _refuse(restriction: Restriction):
    reason, message = REFUSALS[restriction]
    raise PermissionDenied(message, reason=reason)


def _find(user, track_id: str) -> Track:
    track = Track.objects.filter(public_id=track_id).prefetch_related("renditions").first()
    if track is None:
        raise NotFound("Non existing id: track not found.")
    if not track.is_ready:
        # Only the track's own artist learns that it exists and is being processed.
        own = Track.objects.filter(Q(uploaded_by=user) | Q(track_artists__artist__managers=user), pk=track.pk).exists()
        if not own:
            raise NotFound("Non existing id: track not found.")
        _refuse(Restriction.NOT_READY)
    return track


def stream_grant(*, user, country: str, track_id: str) -> StreamGrant:
    track = _find(user, track_id)
    listener = Listener(country=country, premium=user.is_premium)
    restriction = restrictions_for([track], listener)[track.pk]
    delivered, linked_from = track, None
    if restriction == Restriction.MARKET:
        alternate = relinked([track], listener).get(track.pk)
        if alternate is not None:
            delivered, linked_from, restriction = alternate, track, None
    if restriction is not None:
        _refuse(restriction)
    cap = settings.TIER_MAX_KBPS["premium" if user.is_premium else "free"]
    bitrates = sorted(r.bitrate_kbps for r in delivered.renditions.all() if r.bitrate_kbps <= cap)
    if not bitrates:
        raise NotFound("This track has no rendition for your tier.")
    asset = signing.asset_for(delivered.hls_prefix, bitrates[-1])
    expires = signing.new_expiry()
    return StreamGrant(
        track=delivered,
        linked_from=linked_from,
        path=signing.signed_path(asset, expires=expires),
        expires=expires,
        bitrates=bitrates,
    )
