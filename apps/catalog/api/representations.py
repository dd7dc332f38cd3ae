"""Catalog objects in the Spotify Web API shapes (see shared/SPOTIFY_API.md).

Plain functions over rows the selectors have already loaded with their relations, so rendering
never issues a query per object.
"""

from __future__ import annotations

from django.core.files.storage import default_storage

from apps.catalog.models import Album, Artist, ArtistRole, Track
from apps.common.site import absolute_url
from apps.common.uris import build_uri


def _api(request, path: str) -> str:
    return absolute_url(request, f"/v1/{path}")


def _web(request, path: str) -> str:
    return absolute_url(request, f"/{path}")


def image_objects(request, images: list[dict]) -> list[dict]:
    out = []
    for image in images:
        url = default_storage.url(image["key"])
        # The storage's own path (already URI-encoded) is joined like the code's own; a storage
        # that answers with a URL of its own (S3) is left to Django.
        local = url.startswith("/") and not url.startswith("//") and "/." not in url
        url = absolute_url(request, url) if local else request.build_absolute_uri(url)
        out.append({"url": url, "height": image["height"], "width": image["width"]})
    return out


def artist_simplified(request, artist: Artist) -> dict:
    return {
        "id": artist.public_id,
        "uri": build_uri("artist", artist.public_id),
        "href": _api(request, f"artists/{artist.public_id}"),
        "type": "artist",
        "name": artist.name,
        "external_urls": {"spotify": _web(request, f"artist/{artist.public_id}")},
    }


def artist_full(request, artist: Artist) -> dict:
    return {
        **artist_simplified(request, artist),
        "images": image_objects(request, artist.images),
        "genres": [genre.name for genre in artist.genres.all()],
        "followers": {"href": None, "total": 0},
        "popularity": artist.popularity,
    }


def _credited(links) -> list[Artist]:
    return [link.artist for link in links]


def album_simplified(request, album: Album, *, total_tracks: int, availability: dict | None = None) -> dict:
    body = {
        "id": album.public_id,
        "uri": build_uri("album", album.public_id),
        "href": _api(request, f"albums/{album.public_id}"),
        "type": "album",
        "album_type": album.album_type,
        "name": album.title,
        "total_tracks": total_tracks,
        "release_date": album.release_date_text(),
        "release_date_precision": album.release_date_precision,
        "images": image_objects(request, album.images),
        "artists": [artist_simplified(request, a) for a in _credited(album.album_artists.all())],
        "external_urls": {"spotify": _web(request, f"album/{album.public_id}")},
    }
    body.update(availability or {})
    return body


def track_link(request, track: Track) -> dict:
    """What `linked_from` names: the track that was asked for, when another release plays."""
    return {
        "id": track.public_id,
        "uri": build_uri("track", track.public_id),
        "href": _api(request, f"tracks/{track.public_id}"),
        "type": "track",
        "external_urls": {"spotify": _web(request, f"track/{track.public_id}")},
    }


def track_simplified(request, track: Track, *, availability: dict | None = None) -> dict:
    """`availability` holds the rights fields, computed for the whole list by `rendering`:
    `is_playable` (+ `restrictions`, `linked_from`) with a market, `available_markets` without."""
    links = sorted(track.track_artists.all(), key=lambda link: (link.role != ArtistRole.PRIMARY, link.position))
    body = {
        "id": track.public_id,
        "uri": build_uri("track", track.public_id),
        "href": _api(request, f"tracks/{track.public_id}"),
        "type": "track",
        "name": track.title,
        "duration_ms": track.duration_ms or 0,
        "explicit": track.explicit,
        "disc_number": track.disc_number,
        "track_number": track.track_number,
        "is_local": False,
        "preview_url": None,
        "artists": [artist_simplified(request, a) for a in _credited(links)],
        "external_urls": {"spotify": _web(request, f"track/{track.public_id}")},
    }
    body.update(availability or {})
    return body


def track_full(
    request, track: Track, *, album_total_tracks: int, availability: dict | None = None, album_availability=None
) -> dict:
    return {
        **track_simplified(request, track, availability=availability),
        "album": album_simplified(
            request, track.album, total_tracks=album_total_tracks, availability=album_availability
        ),
        "external_ids": {"isrc": track.isrc} if track.isrc else {},
        "popularity": track.popularity,
    }


def album_full(request, album: Album, *, tracks_page: dict, availability: dict | None = None) -> dict:
    return {
        **album_simplified(request, album, total_tracks=album.total_tracks, availability=availability),
        "tracks": tracks_page,
        "label": album.label,
        "copyrights": [],
        "external_ids": {"upc": album.upc} if album.upc else {},
        "genres": [],
        "popularity": 0,
    }
