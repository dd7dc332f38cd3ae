"""One ffmpeg invocation per track: decode once, measure EBU R128 loudness and true peak in the
same pass, and encode the whole AAC ladder as fMP4 HLS.

    source -> aresample 44.1 kHz stereo -> asplit -> aac 96k  -> <out>/96/index.m3u8 + segments
                                                  -> aac 160k -> <out>/160/...
                                                  -> aac 320k -> <out>/320/...
                                                  -> ebur128 (true peak) -> null
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from apps.catalog.media.ffmpeg import ffmpeg_binary, parse_declared_duration_ms, parse_loudness
from apps.catalog.media.hls import measure_bandwidth, parse_variant_playlist

OUTPUT_SAMPLE_RATE = 44100
AAC_LC = "mp4a.40.2"


class TranscodeError(Exception):
    """The input cannot become a track; the message is shown to the artist."""


@dataclass(frozen=True)
class VariantOutput:
    bitrate_kbps: int
    playlist: str  # relative to the output directory: "<kbps>/index.m3u8"
    peak_bandwidth: int
    average_bandwidth: int
    bytes: int
    segment_count: int


@dataclass(frozen=True)
class LadderResult:
    variants: list[VariantOutput]
    decoded_ms: int
    declared_ms: int | None
    loudness_lufs: float | None
    true_peak_dbtp: float | None


def ladder_command(
    *, source: Path, out_dir: Path, ladder: Sequence[int], segment_seconds: int, max_seconds: float, demuxer: str
) -> list[str]:
    rungs = len(ladder)
    labels = "".join(f"[a{i}]" for i in range(rungs))
    graph = (
        f"[0:a:0]aresample={OUTPUT_SAMPLE_RATE},aformat=channel_layouts=stereo,asplit={rungs + 1}{labels}[m];"
        # Per-frame lines at `verbose`, below ffmpeg's default log level: the summary alone is printed.
        # (`framelog=quiet` is ffmpeg 6+; Debian 12 ships ffmpeg 5.1, which refuses it.)
        "[m]ebur128=peak=true:framelog=verbose[meter]"
    )
    command = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-nostats", "-y", "-progress", "pipe:1"]
    # Decode at most a little past the limit: a 10-hour upload costs seconds, not hours.
    # The demuxer is the one the sniffer named and only local files may be opened: ffmpeg's own
    # probing could read a crafted "MP3" as a playlist that points at other files.
    command += ["-protocol_whitelist", "file", "-f", demuxer]
    command += ["-t", f"{max_seconds + 1:.3f}", "-i", str(source), "-filter_complex", graph]
    for i in range(rungs):
        command += ["-map", f"[a{i}]"]
    # ffmpeg's default AAC coder (twoloop). `-aac_coder fast` halves encode time here (13.4 s -> 5.6 s
    # for a 3-minute synthesised piece) but ffmpeg moved its default back to twoloop for its
    # steadier rate control and better sound; listeners hear every track, encoding happens once.
    command += ["-c:a", "aac"]
    for i, kbps in enumerate(ladder):
        command += [f"-b:a:{i}", f"{kbps}k"]
    command += [
        "-f", "hls",
        "-hls_time", str(segment_seconds),
        "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4",
        "-hls_flags", "independent_segments",
        "-hls_fmp4_init_filename", "init.mp4",
        "-hls_segment_filename", str(out_dir / "%v" / "seg_%05d.m4s"),
        "-var_stream_map", " ".join(f"a:{i},name:{kbps}" for i, kbps in enumerate(ladder)),
        str(out_dir / "%v" / "index.m3u8"),
        "-map", "[meter]", "-f", "null", "-",
    ]  # fmt: skip
    return command


def _explain_failure(stderr: str) -> str:
    if "matches no streams" in stderr or "does not contain any stream" in stderr:
        return "The file contains no audio stream."
    if "Invalid data found when processing input" in stderr:
        return "ffmpeg could not decode the file: invalid or corrupt audio data."
    last = [line for line in stderr.strip().splitlines() if line.strip()][-1:] or ["no output"]
    return f"ffmpeg failed: {last[0][:300]}"


def transcode_ladder(
    *,
    source: Path,
    out_dir: Path,
    ladder: Sequence[int],
    segment_seconds: int,
    max_seconds: float,
    timeout_seconds: int,
    demuxer: str,
    on_progress: Callable[[int], None] | None = None,
) -> LadderResult:
    """Run the one-pass ladder. Raises TranscodeError with a human reason on bad input."""
    command = ladder_command(
        source=source,
        out_dir=out_dir,
        ladder=ladder,
        segment_seconds=segment_seconds,
        max_seconds=max_seconds,
        demuxer=demuxer,
    )
    decoded_us = 0
    timed_out = threading.Event()
    # stderr goes to a file: a pipe would fill and deadlock ffmpeg while we read progress.
    with tempfile.TemporaryFile(mode="w+") as stderr_file:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr_file, text=True)  # noqa: S603 (an argument list of our own, no shell)

        def kill() -> None:
            timed_out.set()
            process.kill()

        timer = threading.Timer(timeout_seconds, kill)
        timer.start()
        try:
            for line in process.stdout:
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and value.isdigit():
                    decoded_us = int(value)
                    if on_progress:
                        on_progress(decoded_us // 1000)
            process.wait()
        finally:
            timer.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        stderr_file.seek(0)
        stderr = stderr_file.read()

    if timed_out.is_set():
        raise TranscodeError(f"Processing took longer than the {timeout_seconds} s limit.")
    if process.returncode != 0:
        raise TranscodeError(_explain_failure(stderr))

    variants = []
    for kbps in ladder:
        directory = out_dir / str(kbps)
        playlist = parse_variant_playlist((directory / "index.m3u8").read_text())
        peak, average, total = measure_bandwidth(directory, playlist)
        variants.append(
            VariantOutput(
                bitrate_kbps=kbps,
                playlist=f"{kbps}/index.m3u8",
                peak_bandwidth=peak,
                average_bandwidth=average,
                bytes=total,
                segment_count=len(playlist.segments),
            )
        )
    loudness, true_peak = parse_loudness(stderr)
    return LadderResult(
        variants=variants,
        decoded_ms=decoded_us // 1000,
        declared_ms=parse_declared_duration_ms(stderr),
        loudness_lufs=loudness,
        true_peak_dbtp=true_peak,
    )
