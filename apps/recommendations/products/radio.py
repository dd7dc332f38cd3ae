"""Radio: an endless context started from a track, an artist, an album or a playlist.

A station is a playlist the platform keeps for the listener (one per seed, so starting the same
radio again picks up the same station, refreshed). It opens with the seed track (for a track
radio, when the listener may play it) and RADIO_START tracks like the seeds; when the player
comes within a few tracks of its end, it asks for more (apps.catalog.contexts extenders) and the
station grows by RADIO_STEP tracks that it has not played yet, for as long as the listener keeps
listening.
"""

from __future__ import annotations

from apps.catalog.models import Album, Artist, Track
from apps.catalog.selectors import album_tracks, playable_track_facts
from apps.common.errors import NotFound
from apps.common.uris import build_uri, parse_uri
from apps.playlists.models import Playlist, PlaylistEntry
from apps.playlists.selectors import playlist_track_ids
from apps.playlists.services import items_add
from apps.recommendations.curator import generated_playlist, platform_account
from apps.recommendations.engine import Ask, recommend
from apps.recommendations.products.mixes import listener_of

RADIO = "radio:"  # + the seed URI
RADIO_START = 50
RADIO_STEP = 25
SEED_TRACKS = 5
RADIO_SEEDS = ("track", "artist", "album", "playlist")


def _seed(user, seed_uri: str) -> tuple[str, list[int], list[int]]:
    """(the station's name, seed track pks, seed artist pks); NotFound for what the listener cannot see."""
    parsed = parse_uri(seed_uri, expected=RADIO_SEEDS)
    if parsed.type == "track":
        track = Track.objects.ready().filter(public_id=parsed.id).first()
        if track is None:
            raise NotFound("Track not found.")
        return track.title, [track.pk], []
    if parsed.type == "artist":
        artist = Artist.objects.filter(public_id=parsed.id).first()
        if artist is None:
            raise NotFound("Artist not found.")
        return artist.name, [], [artist.pk]
    if parsed.type == "album":
        album = Album.objects.filter(public_id=parsed.id).first()
        tracks = list(album_tracks(album).order_by("-popularity").values_list("pk", flat=True)) if album else []
        if not tracks:
            raise NotFound("Album not found.")
        return album.title, tracks[:SEED_TRACKS], []
    tracks = playlist_track_ids(user, parsed.id)  # None for a playlist this listener may not see
    if not tracks:
        raise NotFound("Playlist not found.")
    name = Playlist.live.filter(public_id=parsed.id).values_list("name", flat=True).first()
    step = max(len(tracks) // SEED_TRACKS, 1)
    return name, tracks[::step][:SEED_TRACKS], []


def start_radio(user, seed_uri: str) -> Playlist:
    """The listener's station for this seed, (re)filled from the seed now."""
    name, seed_tracks, seed_artists = _seed(user, seed_uri)
    parsed = parse_uri(seed_uri, expected=RADIO_SEEDS)
    seed_uri = build_uri(parsed.type, parsed.id)  # one station per seed, whichever scheme was sent
    ask = _ask(user, seed_tracks, seed_artists, limit=RADIO_START)
    answer = recommend(ask)
    opening = seed_tracks[:1] if parsed.type == "track" else []
    if opening and not playable_track_facts(opening, listener=ask.listener, allow_explicit=ask.allow_explicit):
        opening = []  # one the listener may not play here (market, tier, explicit setting) only seeds it
    return generated_playlist(
        generator=f"{RADIO}{seed_uri}",
        made_for=user,
        name=f"{name} Radio",
        description=f"Music like {name}, for as long as you listen.",
        track_ids=[*opening, *answer.track_ids],
    )


def _ask(user, seed_tracks, seed_artists, *, limit: int, exclude=()) -> Ask:
    return Ask(
        listener=listener_of(user),
        user=user,
        seed_tracks=list(seed_tracks),
        seed_artists=list(seed_artists),
        limit=limit,
        exclude=set(exclude),
        allow_explicit=not user.explicit_filter,
    )


def extend_station(user, public_id: str, playing: list[int]) -> list[int]:
    """More tracks for a station the player is about to run out of: appended to the playlist and
    returned (pks, in order). [] when `public_id` is not this listener's station."""
    station = Playlist.live.filter(public_id=public_id, made_for=user, generator__startswith=RADIO).first()
    if station is None or not user.is_authenticated:
        return []
    seed_uri = station.generator[len(RADIO) :]
    try:
        _, seed_tracks, seed_artists = _seed(user, seed_uri)
    except NotFound:  # the seed went away (taken down, made private): carry on from the station itself
        seed_tracks, seed_artists = playing[-SEED_TRACKS:], []
    have = set(PlaylistEntry.objects.filter(playlist=station).values_list("track_id", flat=True)) | set(playing)
    more = recommend(_ask(user, seed_tracks, seed_artists, limit=RADIO_STEP, exclude=have)).track_ids
    if more:
        public_ids = dict(Track.objects.filter(pk__in=more).values_list("pk", "public_id"))
        items_add(actor=platform_account(), playlist=station, track_ids=[public_ids[t] for t in more])
    return more
