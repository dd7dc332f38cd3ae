"""Real audio for the tests, generated with the same ffmpeg the pipeline uses (nothing downloaded)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from apps.catalog.media.ffmpeg import ffmpeg_binary

CODEC_ARGS = {
    "wav": ["-c:a", "pcm_s16le"],
    "flac": ["-c:a", "flac"],
    "aiff": ["-c:a", "pcm_s16be", "-f", "aiff"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "128k"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "4"],
    "opus": ["-c:a", "libopus", "-b:a", "96k"],
    "m4a": ["-c:a", "aac", "-b:a", "128k"],
}


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def music_like(
    path: Path,
    *,
    seconds: float = 4.0,
    fmt: str = "flac",
    sample_rate: int = 44100,
    metadata: dict | None = None,
) -> Path:
    """A chord over pink noise: broadband enough that every rung of the ladder is really used."""
    source = (
        f"aevalsrc='0.25*sin(2*PI*220*t)+0.2*sin(2*PI*277.18*t)+0.2*sin(2*PI*329.63*t)':s={sample_rate}:d={seconds}"
    )
    noise = f"anoisesrc=color=pink:amplitude=0.15:sample_rate={sample_rate}:duration={seconds}"
    tags = [arg for key, value in (metadata or {}).items() for arg in ("-metadata", f"{key}={value}")]
    ffmpeg(
        "-f", "lavfi", "-i", source, "-f", "lavfi", "-i", noise,
        "-filter_complex", "[0][1]amix=inputs=2:normalize=0,aformat=channel_layouts=stereo",
        *tags, *CODEC_ARGS[fmt], str(path),
    )  # fmt: skip
    return path


def sine(path: Path, *, seconds: float, frequency: float = 997.0, level_db: float = -20.0, fmt: str = "wav") -> Path:
    """A sine of the given peak level in both channels (EBU Tech 3341's test signals). Generated as
    two channels, not upmixed: ffmpeg's mono-to-stereo upmix lowers each channel by 3 dB."""
    amplitude = 10 ** (level_db / 20)
    wave = f"{amplitude}*sin(2*PI*{frequency}*t)"
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{wave}|{wave}':s=48000:d={seconds}", *CODEC_ARGS[fmt], str(path))
    return path


def silence(path: Path, *, seconds: float, fmt: str = "flac", sample_rate: int = 8000) -> Path:
    """Long but tiny: digital silence compresses to almost nothing in FLAC."""
    ffmpeg(
        "-f", "lavfi", "-i", f"anullsrc=r={sample_rate}:cl=mono", "-t", str(seconds),
        *CODEC_ARGS[fmt], str(path),
    )  # fmt: skip
    return path


def decoded_duration_s(url_or_path: str) -> float:
    """Decode a whole input (a file or an HLS playlist) and return how many seconds came out."""
    result = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-nostdin", "-v", "error", "-progress", "pipe:1", "-i", url_or_path,
         "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    values = [line.split("=", 1)[1] for line in result.stdout.splitlines() if line.startswith("out_time_us=")]
    return int(values[-1]) / 1_000_000
