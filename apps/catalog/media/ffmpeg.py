"""Finding and running ffmpeg.

The system binary when one is on PATH (or FFMPEG_BINARY names one), else the static build that the
`imageio-ffmpeg` wheel ships, so `pip install` alone gives a working pipeline on a fresh machine.
"""

from __future__ import annotations

import functools
import re
import shutil

from django.conf import settings


@functools.cache
def ffmpeg_binary() -> str:
    if settings.FFMPEG_BINARY:
        return settings.FFMPEG_BINARY
    system = shutil.which("ffmpeg")
    if system:
        return system
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


_DURATION_RE = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
# ebur128's closing summary: "I: -23.0 LUFS" under "Integrated loudness", "Peak: -1.2 dBFS" under "True peak".
_INTEGRATED_RE = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf)\s*LUFS")
_TRUE_PEAK_RE = re.compile(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS")


def parse_declared_duration_ms(stderr: str) -> int | None:
    """The duration the input's own header declares, if ffmpeg read one rather than guessed it."""
    if "Estimating duration from bitrate" in stderr:
        return None
    match = _DURATION_RE.search(stderr)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


def _as_float(text: str) -> float | None:
    return None if text == "-inf" else float(text)


def parse_loudness(stderr: str) -> tuple[float | None, float | None]:
    """(integrated loudness in LUFS, true peak in dBTP) from ebur128's summary. The last summary
    counts: ffmpeg 5 (Debian 12's) also prints one, of silence, for a filter instance it builds
    while configuring the graph and throws away."""
    integrated = _last(_INTEGRATED_RE, stderr)
    peak = _last(_TRUE_PEAK_RE, stderr)
    if not integrated:
        raise ValueError("ffmpeg printed no EBU R128 summary")
    return _as_float(integrated.group(1)), _as_float(peak.group(1)) if peak else None


def _last(pattern: re.Pattern, text: str) -> re.Match | None:
    matches = list(pattern.finditer(text))
    return matches[-1] if matches else None
