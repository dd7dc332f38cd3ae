"""Player commands. Each one locks the user's state row (SELECT ... FOR UPDATE on PostgreSQL; the
embedded mode's IMMEDIATE transactions serialise writers the same way), drops devices that went
silent, validates against rights and tier, changes the state, bumps its version and broadcasts
the new state after commit. Two devices commanding at once therefore get one order, and every
device ends on the same version."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.catalog.availability import Listener, Restriction, offers_for_ready, restrictions_for
from apps.catalog.models import Track
from apps.common.errors import ApplicationError
from apps.playback.models import Device, DeviceType, PlayerState
from apps.playback.player import contexts, rows
from apps.playback.player.broadcast import broadcast_state
from apps.playback.player.errors import device_not_found, no_active_device, restricted
from apps.playback.player.timeline import Repeat, Timeline

RESTRICTION_REASONS = {
    Restriction.MARKET: ("MARKET", "This track is not available in your country."),
    Restriction.PRODUCT: ("PREMIUM_REQUIRED", "This track is available to Premium listeners only."),
    Restriction.TAKEDOWN: ("TAKEDOWN", "This track has been taken down."),
    Restriction.NOT_READY: ("NOT_READY", "This track is still being processed."),
}
MAX_UNPLAYABLE_STEPS = 50  # how far "next" looks past tracks the listener may not play


# --- Reading the state ----------------------------------------------------------------------


def position_now(state: PlayerState, duration_ms: int | None, now: datetime) -> int:
    position = state.position_ms
    if state.is_playing and state.position_at is not None:
        position += int((now - state.position_at).total_seconds() * 1000)
    return max(0, min(position, duration_ms)) if duration_ms else max(0, position)


def _without_waiting_for_the_disk() -> None:
    """PostgreSQL: this transaction's commit returns before its WAL reaches the disk. Player state
    is the one thing here whose last few milliseconds a crash may lose (devices resend, listeners
    press play again), and waiting for the flush was most of a command's time (measured by
    bench_player_fanout). Play events, which royalties come from, keep the default. (SQLite runs
    with synchronous=NORMAL in WAL mode, which already commits without a flush.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _locked_state(user) -> PlayerState:
    _without_waiting_for_the_disk()
    state = rows.locked_state(user.pk)
    if state is None:  # the user's first command: create the row, then lock it like any other
        PlayerState.objects.get_or_create(user=user)
        state = rows.locked_state(user.pk)
    state.user = user  # the broadcast renders for this user: no query to load them again
    return state


def _prune_devices(state: PlayerState, now: datetime) -> None:
    """Devices silent past the timeout are dropped; when the active one goes, playback pauses."""
    cutoff = now - timedelta(seconds=settings.PLAYER_DEVICE_TIMEOUT_SECONDS)
    # Decided from the devices the locked read listed; a write only when one did go silent (rare).
    stale = {device.pk for device in state.listed_devices if device.last_seen_at < cutoff}
    if not stale:
        return
    if state.active_device_id in stale:
        _anchor(state, now, playing=False)
        state.active_device = None
    Device.objects.filter(pk__in=stale).delete()
    state.listed_devices = [device for device in state.listed_devices if device.pk not in stale]


def _current_track(timeline: Timeline) -> rows.TrackFacts | None:
    return rows.track_facts(timeline.current) if timeline.current else None


def _anchor(state: PlayerState, now: datetime, *, playing: bool, position_ms: int | None = None) -> None:
    if position_ms is None:
        track = _current_track(Timeline.from_json(state.timeline))
        position_ms = position_now(state, track.duration_ms if track else None, now)
    state.position_ms = position_ms
    state.position_at = now
    state.is_playing = playing


def _save(state: PlayerState, timeline: Timeline | None = None) -> PlayerState:
    if timeline is not None:
        state.timeline = timeline.to_json()
    state.version += 1
    rows.save_state(state)
    broadcast_state(state)
    return state


def _playable(track_pk: int, listener: Listener) -> bool:
    # The rights read without the ORM (every play, resume and skip asks it); the same decision
    # as restrictions_for, which is asked only for the reason of a refusal.
    offer = offers_for_ready([track_pk], listener).get(track_pk)
    return offer is not None and offer.playable


def _require_playable(track_pk: int, listener: Listener) -> None:
    if _playable(track_pk, listener):
        return
    track = Track.objects.get(pk=track_pk)
    restriction = restrictions_for([track], listener)[track.pk]
    if restriction is not None:
        reason, message = RESTRICTION_REASONS[restriction]
        raise restricted(reason, message)


def _listed(state: PlayerState, device_id) -> Device | None:
    """The user's device of that id, from those the locked read listed (another user's is never there)."""
    wanted = str(device_id)[:64]
    return next((device for device in state.listed_devices if device.device_id == wanted), None)


def _listed_device(state: PlayerState, device_id: str) -> Device:
    device = _listed(state, device_id)
    if device is None:
        raise device_not_found()
    return device


def _target(state: PlayerState, device_id: str | None) -> Device:
    if device_id:
        return _listed_device(state, device_id)
    if state.active_device is None:
        raise no_active_device()
    return state.active_device


def _require_active(state: PlayerState, device_id: str | None) -> Device:
    device = _target(state, device_id)
    if state.active_device_id != device.pk:
        raise restricted("DEVICE_NOT_CONTROLLABLE", "That device is not the one playing.")
    return device


def _int_param(value, name: str, *, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))
        except ValueError:
            raise ApplicationError(f"Invalid {name}: {value!r} is not an integer.") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ApplicationError(f"Invalid {name}: must be {bound}.")
    return value


# --- Devices --------------------------------------------------------------------------------


@transaction.atomic
def device_hello(
    *, user, device_id: str, name: str, type: str = DeviceType.COMPUTER, volume_percent=100, supports_volume=True
) -> PlayerState:
    """A device announces itself (a tab opening, a phone reconnecting): it is listed, or seen again."""
    if not isinstance(device_id, str) or not 1 <= len(device_id) <= 64 or not device_id.isprintable():
        raise ApplicationError("A device id is 1 to 64 printable characters.")
    if type not in DeviceType.values:
        raise ApplicationError(f"type must be one of {', '.join(DeviceType.values)}.")
    name = (str(name or "").strip() or "Web Player")[:64]
    volume = _int_param(volume_percent, "volume_percent", low=0, high=100)
    now = timezone.now()
    state = _locked_state(user)
    _prune_devices(state, now)
    Device.objects.update_or_create(
        user=user,
        device_id=device_id,
        defaults={
            "name": name,
            "type": type,
            "volume_percent": volume,
            "supports_volume": bool(supports_volume),
            "last_seen_at": now,
        },
    )
    rows.list_devices(state, rows.user_devices(user.pk))
    return _save(state)


@transaction.atomic
def devices_seen(sightings: dict[int, set[str]]) -> None:
    """Heartbeats (`{user pk: {device id, ...}}`, see sightings.py): cheap, no version (nothing a
    device shows has changed). Each device still listed is seen now; one that has gone (pruned,
    or said bye) stays gone."""
    devices = sorted((int(user_pk), str(device_id)) for user_pk, ids in sightings.items() for device_id in ids)
    _without_waiting_for_the_disk()
    rows.mark_devices_seen(devices, timezone.now())


@transaction.atomic
def device_gone(*, user, device_id: str) -> PlayerState:
    """A device says goodbye (a tab closing): it leaves the list; playback pauses if it was playing."""
    now = timezone.now()
    state = _locked_state(user)
    device = _listed(state, device_id)
    if device is not None:
        if state.active_device_id == device.pk:
            _anchor(state, now, playing=False)
            state.active_device = None
        state.listed_devices.remove(device)
        device.delete()
    _prune_devices(state, now)
    return _save(state)


# --- Commands -------------------------------------------------------------------------------


def _offset_index(tracks: list[int], offset) -> int:
    if offset is None:
        return 0
    if not isinstance(offset, dict) or not ({"position"} == set(offset) or {"uri"} == set(offset)):
        raise ApplicationError('offset is {"position": n} or {"uri": "<track uri>"}.')
    if "position" in offset:
        return _int_param(offset["position"], "offset.position", low=0, high=len(tracks) - 1)
    pk = contexts.track_pk(offset["uri"])
    if pk not in tracks:
        raise ApplicationError("offset.uri is not in the context.")
    return tracks.index(pk)


@transaction.atomic
def play(
    *, user, listener: Listener, device_id=None, context_uri=None, uris=None, offset=None, position_ms=None
) -> PlayerState:
    """Start a context or a list of tracks on a device, or resume (no context, no uris)."""
    now = timezone.now()
    state = _locked_state(user)
    _prune_devices(state, now)
    device = _target(state, device_id)
    timeline = Timeline.from_json(state.timeline)
    if context_uri and uris:
        raise ApplicationError("Give context_uri or uris, not both.")
    if context_uri or uris is not None:
        tracks = contexts.context_tracks(context_uri, user) if context_uri else contexts.uri_tracks(uris)
        at = _offset_index(tracks, offset)
        timeline = Timeline.start(
            tracks, at=at, shuffle=timeline.shuffle, repeat=timeline.repeat, seed=secrets.randbelow(2**31)
        )
        state.context_uri = context_uri or ""
        position_ms = 0 if position_ms is None else position_ms
    elif timeline.current is None:
        raise restricted("NO_TRACK", "There is nothing to resume; play a context or tracks.")
    _require_playable(timeline.current, listener)
    track = rows.track_facts(timeline.current)
    if position_ms is not None:
        position_ms = _int_param(position_ms, "position_ms", low=0, high=track.duration_ms or None)
    state.active_device = device
    state.timeline = timeline.to_json()
    _anchor(state, now, playing=True, position_ms=position_ms)
    return _save(state, timeline)


@transaction.atomic
def pause(*, user, device_id=None) -> PlayerState:
    now = timezone.now()
    state = _locked_state(user)
    _prune_devices(state, now)
    _require_active(state, device_id)
    if not state.is_playing:
        raise restricted("ALREADY_PAUSED", "Playback is already paused.")
    _anchor(state, now, playing=False)
    return _save(state)


def _count_skip(state: PlayerState, user, now: datetime) -> None:
    if user.is_premium:
        return
    hour_ago = now - timedelta(hours=1)
    recent = [stamp for stamp in state.recent_skips if datetime.fromisoformat(stamp) > hour_ago]
    if len(recent) >= settings.PLAYER_FREE_SKIPS_PER_HOUR:
        raise restricted(
            "PREMIUM_REQUIRED",
            f"Free listeners can skip {settings.PLAYER_FREE_SKIPS_PER_HOUR} times an hour; "
            "Premium skips without limit.",
        )
    state.recent_skips = [*recent, now.isoformat()]


@transaction.atomic
def skip_to_next(
    *, user, listener: Listener, device_id=None, ended: bool = False, ended_track: str | None = None
) -> PlayerState:
    """The next track: the listener's skip, or (`ended`) the device reporting the end of a track,
    which is no skip and, at the end of the context, stops playback instead of failing. A device
    that names the track that ended (`ended_track`, a public id) changes nothing if the state has
    already moved past it (a skip or a play from another device crossed the report)."""
    now = timezone.now()
    state = _locked_state(user)
    _prune_devices(state, now)
    _require_active(state, device_id)
    timeline = Timeline.from_json(state.timeline)
    if ended and ended_track is not None:
        current = _current_track(timeline)
        if current is None or current.public_id != ended_track:
            return state
    timeline = contexts.grown_if_ending(timeline, state.context_uri, user)
    following = timeline.next(ended=ended)
    for _ in range(MAX_UNPLAYABLE_STEPS):  # past tracks the listener may not play, as players do
        if following is None or _playable(following.current, listener):
            break
        following = following.next()
    else:
        following = None
    if following is None:
        if ended:
            _anchor(state, now, playing=False)
            return _save(state)
        raise restricted("NO_NEXT_TRACK", "There is no next track.")
    if not ended:
        _count_skip(state, user, now)
    _anchor(state, now, playing=state.is_playing or ended, position_ms=0)
    return _save(state, following)


@transaction.atomic
def skip_to_previous(*, user, listener: Listener, device_id=None) -> PlayerState:
    now = timezone.now()
    state = _locked_state(user)
    _prune_devices(state, now)
    _require_active(state, device_id)
    timeline = Timeline.from_json(state.timeline)
    track = _current_track(timeline)
    if track and position_now(state, track.duration_ms, now) > settings.PLAYER_PREVIOUS_RESTARTS_AFTER_MS:
        _anchor(state, now, playing=state.is_playing, position_ms=0)
        return _save(state)
    earlier = timeline.previous()
    if earlier is None:
        raise restricted("NO_PREV_TRACK", "There is no previous track.")
    _require_playable(earlier.current, listener)
    _anchor(state, now, playing=state.is_playing, position_ms=0)
    return _save(state, earlier)


@transaction.atomic
def seek(*, user, position_ms, device_id=None) -> PlayerState:
    now = timezone.now()
    state = _locked_state(user)
    _prune_devices(state, now)
    _require_active(state, device_id)
    track = _current_track(Timeline.from_json(state.timeline))
    if track is None:
        raise restricted("NO_TRACK", "Nothing is playing.")
    position = _int_param(position_ms, "position_ms", low=0)
    if track.duration_ms and position > track.duration_ms:
        raise ApplicationError(f"position_ms is beyond the track's {track.duration_ms} ms.")
    _anchor(state, now, playing=state.is_playing, position_ms=position)
    return _save(state)


@transaction.atomic
def set_repeat(*, user, mode, device_id=None) -> PlayerState:
    if mode not in {r.value for r in Repeat}:
        raise ApplicationError("state must be track, context or off.")
    state = _locked_state(user)
    _prune_devices(state, timezone.now())
    _require_active(state, device_id)
    return _save(state, Timeline.from_json(state.timeline).with_repeat(Repeat(mode)))


@transaction.atomic
def set_shuffle(*, user, on: bool, device_id=None) -> PlayerState:
    state = _locked_state(user)
    _prune_devices(state, timezone.now())
    _require_active(state, device_id)
    timeline = Timeline.from_json(state.timeline)
    return _save(state, timeline.with_shuffle(on, seed=secrets.randbelow(2**31) if on else None))


@transaction.atomic
def set_volume(*, user, volume_percent, device_id=None) -> PlayerState:
    volume = _int_param(volume_percent, "volume_percent", low=0, high=100)
    state = _locked_state(user)
    _prune_devices(state, timezone.now())
    device = _target(state, device_id)
    if not device.supports_volume:
        raise restricted("VOLUME_CONTROL_DISALLOW", "This device does not allow volume control.")
    rows.set_device_volume(device, volume)
    return _save(state)


@transaction.atomic
def add_to_queue(*, user, listener: Listener, uri: str, device_id=None) -> PlayerState:
    if not isinstance(uri, str) or not uri:
        raise ApplicationError("uri is required: a track URI.")
    state = _locked_state(user)
    _prune_devices(state, timezone.now())
    _target(state, device_id)
    track_pk = contexts.track_pk(uri)
    _require_playable(track_pk, listener)
    return _save(state, Timeline.from_json(state.timeline).enqueue(track_pk))


@transaction.atomic
def transfer(*, user, device_ids, play: bool | None = None) -> PlayerState:
    if not isinstance(device_ids, list) or len(device_ids) != 1 or not isinstance(device_ids[0], str):
        raise ApplicationError("device_ids must hold exactly one device id.")
    now = timezone.now()
    state = _locked_state(user)
    _prune_devices(state, now)
    device = _listed_device(state, device_ids[0])
    playing = state.is_playing if play is None else bool(play)
    if playing and Timeline.from_json(state.timeline).current is None:
        playing = False
    _anchor(state, now, playing=playing)
    state.active_device = device
    return _save(state)
