"""Rendering lists of catalog rows into API objects, rights fields included, with a fixed number
of queries whatever the list's length."""

from __future__ import annotations

from collections import defaultdict

from apps.catalog import track_rows
from apps.catalog.api.representations import album_simplified, track_full, track_link, track_simplified
from apps.catalog.availability import ALL_MARKETS, Listener, markets_for, relinked, restrictions_for
from apps.catalog.models import Track

EVERY_MARKET = sorted(ALL_MARKETS)  # an album's markets are sorted (a union of its tracks')


def _playability_fields(restriction) -> dict:
    if restriction is None:
        return {"is_playable": True}
    return {"is_playable": False, "restrictions": {"reason": str(restriction)}}


def _resolve(request, tracks: list[Track], market: Listener | None) -> tuple[list[Track], list[dict]]:
    """The tracks to render (a relinked release in place of one that cannot play in the market)
    and each one's availability fields."""
    if market is None:
        markets = markets_for(t.pk for t in tracks)
        return tracks, [{"available_markets": markets[t.pk]} for t in tracks]
    restrictions = restrictions_for(tracks, market)
    # Relink only what the market blocks; a product restriction is for the listener to lift.
    blocked = [t for t in tracks if restrictions[t.pk] == "market"]
    alternates = relinked(blocked, market) if blocked else {}
    shown, fields = [], []
    for track in tracks:
        alternate = alternates.get(track.pk)
        if alternate is not None:
            shown.append(alternate)
            fields.append({"is_playable": True, "linked_from": track_link(request, track)})
        else:
            shown.append(track)
            fields.append(_playability_fields(restrictions[track.pk]))
    return shown, fields


def _settled_by(fields: dict, market: Listener | None) -> bool:
    """Whether one track's rights fields settle its album's: a playable track makes its album
    playable, and a track that plays everywhere makes its album's markets all of them."""
    if market is None:
        return len(fields["available_markets"]) == len(ALL_MARKETS)
    return fields["is_playable"]


def album_availability(album_ids, market: Listener | None, *, known: dict[int, dict] | None = None) -> dict[int, dict]:
    """Album pk -> its rights fields: playable if any of its ready tracks is; its markets are the
    union of its tracks'. `known` (album pk -> the rights fields of one of its tracks, already
    worked out) spares reading the tracks of the albums that one track settles."""
    album_ids = list(set(album_ids))
    everywhere = _playability_fields(None) if market is not None else {"available_markets": EVERY_MARKET}
    settled = {pk: everywhere for pk, fields in (known or {}).items() if _settled_by(fields, market)}
    album_ids = [pk for pk in album_ids if pk not in settled]
    if not album_ids:
        return settled
    return settled | _album_availability_from_tracks(album_ids, market)


def _album_availability_from_tracks(album_ids: list[int], market: Listener | None) -> dict[int, dict]:
    tracks = list(Track.objects.ready().filter(album_id__in=album_ids).only("pk", "album_id", "ingest_state"))
    by_album: dict[int, list[Track]] = defaultdict(list)
    for track in tracks:
        by_album[track.album_id].append(track)
    if market is None:
        markets = markets_for(t.pk for t in tracks)
        result = {}
        for album_id in album_ids:
            union = set().union(*(markets[t.pk] for t in by_album[album_id]))
            result[album_id] = {"available_markets": sorted(union)}
        return result
    restrictions = restrictions_for(tracks, market)
    result = {}
    for album_id in album_ids:
        reasons = [restrictions[t.pk] for t in by_album[album_id]]
        if not reasons:
            result[album_id] = _playability_fields("market")
        elif any(reason is None for reason in reasons):
            result[album_id] = _playability_fields(None)
        else:
            result[album_id] = _playability_fields(reasons[0])
    return result


def full_tracks(request, tracks, *, market: Listener | None = None) -> list[dict]:
    """Full track objects, in the order given, for tracks loaded `with_relations()`."""
    shown, fields = _resolve(request, list(tracks), market)
    counts = track_rows.ready_track_counts([t.album_id for t in shown])
    settling = {t.album_id: f for t, f in zip(shown, fields, strict=True) if _settled_by(f, market)}
    albums = album_availability([t.album_id for t in shown], market, known=settling)
    return [
        track_full(
            request,
            track,
            album_total_tracks=counts.get(track.album_id, 0),
            availability=availability,
            album_availability=albums[track.album_id],
        )
        for track, availability in zip(shown, fields, strict=True)
    ]


def simplified_tracks(request, tracks, *, market: Listener | None = None) -> list[dict]:
    shown, fields = _resolve(request, list(tracks), market)
    return [track_simplified(request, t, availability=f) for t, f in zip(shown, fields, strict=True)]


def simplified_albums(request, albums, *, market: Listener | None = None) -> list[dict]:
    """Albums annotated with `total_tracks` (the selectors do)."""
    albums = list(albums)
    fields = album_availability([a.pk for a in albums], market)
    return [
        album_simplified(request, album, total_tracks=album.total_tracks, availability=fields[album.pk])
        for album in albums
    ]
