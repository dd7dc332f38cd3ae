"""HLS playlists (RFC 8216): reading what ffmpeg wrote and writing the master playlist ourselves.

We write the master rather than keep ffmpeg's so that BANDWIDTH is measured from the segments on
disk, and so that the delivery loop can render a master per tier from the same rendition rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_EXTINF_RE = re.compile(r"^#EXTINF:([\d.]+),")
_MAP_RE = re.compile(r'^#EXT-X-MAP:URI="([^"]+)"')


@dataclass(frozen=True)
class VariantPlaylist:
    init: str
    segments: list[tuple[str, float]]  # (file name, duration in seconds)

    @property
    def duration_s(self) -> float:
        return sum(duration for _, duration in self.segments)


def parse_variant_playlist(text: str) -> VariantPlaylist:
    init = ""
    segments: list[tuple[str, float]] = []
    pending: float | None = None
    for line in text.splitlines():
        line = line.strip()
        if match := _MAP_RE.match(line):
            init = match.group(1)
        elif match := _EXTINF_RE.match(line):
            pending = float(match.group(1))
        elif line and not line.startswith("#") and pending is not None:
            segments.append((line, pending))
            pending = None
    if not init or not segments:
        raise ValueError("not an fMP4 variant playlist")
    return VariantPlaylist(init=init, segments=segments)


def measure_bandwidth(directory: Path, playlist: VariantPlaylist) -> tuple[int, int, int]:
    """(peak bits/s, average bits/s, total bytes) of a variant's segments as written."""
    peak = 0.0
    media_bytes = 0
    for name, duration in playlist.segments:
        size = (directory / name).stat().st_size
        media_bytes += size
        if duration > 0.5:  # a very short last segment would overstate the peak
            peak = max(peak, size * 8 / duration)
    average = media_bytes * 8 / playlist.duration_s
    total = media_bytes + (directory / playlist.init).stat().st_size
    return round(max(peak, average)), round(average), total


@dataclass(frozen=True)
class MasterEntry:
    uri: str
    bitrate_kbps: int
    peak_bandwidth: int
    average_bandwidth: int
    codec: str


def render_master_playlist(entries: Iterable[MasterEntry]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for entry in entries:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={entry.peak_bandwidth},"
            f'AVERAGE-BANDWIDTH={entry.average_bandwidth},CODECS="{entry.codec}"'
        )
        lines.append(entry.uri)
    return "\n".join(lines) + "\n"


def render_tier_masters(entries: list[MasterEntry]) -> dict[str, str]:
    """`master.m3u8` with the whole ladder, and `master-<kbps>.m3u8` for each rung listing only
    the rungs up to it: a tier's signed URL maps to its own master, so a player offered 160 kbps
    never learns of, or asks for, the 320 kbps rendition."""
    ordered = sorted(entries, key=lambda entry: entry.bitrate_kbps)
    masters = {"master.m3u8": render_master_playlist(ordered)}
    for cap in ordered:
        masters[f"master-{cap.bitrate_kbps}.m3u8"] = render_master_playlist(
            entry for entry in ordered if entry.bitrate_kbps <= cap.bitrate_kbps
        )
    return masters
