"""Reading an upload's own metadata (ID3, Vorbis comments, MP4 atoms) with mutagen."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import mutagen

logger = logging.getLogger(__name__)


@dataclass
class FileTags:
    duration_ms: int | None = None
    title: str = ""
    artist: str = ""
    album: str = ""
    date: str = ""
    genres: list[str] = field(default_factory=list)
    isrc: str = ""
    language: str = ""
    track_number: int | None = None
    disc_number: int | None = None


TAG_MAX = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _first(tags, key: str) -> str:
    """A tag's first value as safe text: no control characters (PostgreSQL refuses NUL), bounded."""
    try:
        values = tags.get(key) or []
    except (KeyError, ValueError):
        return ""
    return _CONTROL.sub("", str(values[0])).strip()[:TAG_MAX] if values else ""


def _number(text: str, *, maximum: int) -> int | None:
    """'3' or '3/12' -> 3; nonsense or out of range -> None (the form or a default decides)."""
    match = re.match(r"\s*(\d{1,6})", text or "")
    value = int(match.group(1)) if match else None
    return value if value and value <= maximum else None


def read_tags(path: str) -> FileTags:
    """Tags and the header's duration; an unreadable file gives empty tags (ingest judges the audio)."""
    try:
        audio = mutagen.File(path, easy=True)
    except Exception as exc:  # mutagen raises many types on damaged input; tags are only a hint
        logger.info("mutagen could not read %s: %s", path, exc)
        return FileTags()
    if audio is None:
        return FileTags()
    length = getattr(audio.info, "length", None)
    tags = audio.tags or {}
    genre = _first(tags, "genre")
    return FileTags(
        duration_ms=round(length * 1000) if length else None,
        title=_first(tags, "title"),
        artist=_first(tags, "artist"),
        album=_first(tags, "album"),
        date=_first(tags, "date"),
        genres=[part.strip() for part in re.split(r"[;/,]", genre) if part.strip()],
        isrc=_first(tags, "isrc"),
        language=_first(tags, "language"),
        track_number=_number(_first(tags, "tracknumber"), maximum=999),
        disc_number=_number(_first(tags, "discnumber"), maximum=99),
    )
