"""Content features of a master: tempo, key and mode, metre, energy, loudness, pulse clarity and
spectral shape, measured with librosa on a mono 22,050 Hz excerpt that ffmpeg decodes into a pipe.

What is analysed: at most `EXCERPT_SECONDS` (120 s) from the middle of the track. The middle is the
body of a song; intros, outros, fades and count-ins are the least typical parts of it and would pull
tempo, key and energy away from what a listener hears most of the time. The bound also keeps the
cost of analysis the same for a 3-minute song and a 30-minute live recording: about 2.3 s on one
core here (0.4 s of decoding, 1.9 s of librosa), after a worker process's first analysis, which
also pays 5-10 s once to import librosa and load its compiled kernels.

librosa is imported inside the functions that use it, never at module level: importing this module
(as the ingest service, the admin and the similarity index do) must stay cheap for web processes,
which never analyse audio.

The normalised vector (`feature_vector`) lives here too, beside `FEATURE_NAMES`, so the order of the
measured fields and of the vector's components is written down in exactly one place.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from apps.catalog.media.ffmpeg import ffmpeg_binary

# Bump when the measurements or the vector change: `analyse_audio_features` re-runs rows analysed
# by an older version.
ANALYSER_VERSION = 1

SAMPLE_RATE = 22_050  # librosa's default: content features need nothing above 11 kHz
N_FFT = 2048  # 93 ms frames
HOP = 512  # 23 ms between frames
EXCERPT_SECONDS = 120.0
MIN_SECONDS = 3.0  # fewer than a couple of bars: tempo, key and metre would be guesses
SILENCE_DBFS = -60.0  # an excerpt quieter than this (RMS) has nothing to measure
DECODE_TIMEOUT_SECONDS = 120

# Energy: each frame's RMS level mapped linearly from ENERGY_FLOOR_DBFS (0) to ENERGY_CEILING_DBFS
# (1), clipped. -6 dBFS RMS is a brick-walled master; -40 dBFS is a near-silent passage.
ENERGY_FLOOR_DBFS = -40.0
ENERGY_CEILING_DBFS = -6.0

# Krumhansl & Kessler (1982) probe-tone profiles, tonic first: how well each pitch class fits a
# major or a minor key. Krumhansl–Schmuckler key finding correlates a piece's pitch-class
# distribution with the 24 rotations of these two.
MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)
# The pitch range chroma is read from: C3-C8 (131 Hz-4.2 kHz). Kick drums sweep through the two
# lowest octaves with a pitch of their own that is not the key's and can outweigh the chords; the
# bass line still counts through its harmonics. (On the demo synthesiser's pieces, starting at C1
# found 6 keys of 9, at C3 8 of 9, the ninth its relative major.)
CHROMA_LOWEST_NOTE = "C3"
CHROMA_OCTAVES = 5
# A key is reported only when the best correlation reaches KEY_MIN_CORRELATION and the mean chroma
# has some contrast at all (its standard deviation over its mean): a nearly flat profile (noise,
# an atonal texture) correlates with some key by chance, up to 0.6 for 8 s of white noise, while
# its contrast stays under 0.1 where music here measures 0.4 and more. Otherwise `key` is -1,
# Spotify's "no key detected".
KEY_MIN_CORRELATION = 0.5
KEY_MIN_CONTRAST = 0.15

# The measured scalar fields, in this order everywhere (model fields, API, admin, vector).
FEATURE_NAMES = (
    "tempo",
    "key",
    "mode",
    "time_signature",
    "energy",
    "loudness",
    "danceability",
    "spectral_centroid",
    "spectral_bandwidth",
    "spectral_rolloff",
    "spectral_flatness",
    "zero_crossing_rate",
    "onset_rate",
    "beat_strength",
)


class FeatureExtractionError(Exception):
    """The audio could not be analysed (ffmpeg could not decode it, or librosa failed)."""


class UnanalysableAudio(FeatureExtractionError):
    """Decoded fine, but there is nothing to measure: silent, or too short. An expected outcome
    for some uploads (a track of silence is a valid track), not a fault."""


@dataclass(frozen=True)
class MeasuredFeatures:
    tempo: float  # BPM, from the tracked beats
    key: int  # pitch class of the tonic, 0 = C .. 11 = B; -1 when no key is clear
    mode: int  # 1 major, 0 minor (the better-fitting profile, even when `key` is -1)
    time_signature: int  # beats per bar, 3 or 4 (see `_beats_per_bar`)
    energy: float  # 0..1, see ENERGY_*
    # dB. Here the excerpt's RMS level; the ingest service stores the track's EBU R128 integrated
    # loudness (LUFS) in its place when one was measured, which is what players normalise to.
    loudness: float
    danceability: float  # 0..1: pulse clarity, see `_pulse_clarity`
    spectral_centroid: float  # Hz, mean over frames
    spectral_bandwidth: float  # Hz, mean over frames
    spectral_rolloff: float  # Hz below which 85 % of each frame's energy lies, mean over frames
    spectral_flatness: float  # 0 (tonal) .. 1 (white noise), mean over frames
    zero_crossing_rate: float  # crossings per sample, mean over frames
    onset_rate: float  # detected onsets per second
    beat_strength: float  # onset strength on the beats / mean onset strength (1 = no pulse)
    key_confidence: float  # Krumhansl–Schmuckler correlation of the chosen key, -1..1
    rms_dbfs: float  # RMS level of the whole excerpt
    excerpt_start_ms: int  # where the analysed excerpt starts in the track
    excerpt_ms: int  # how long it is

    def values(self) -> dict[str, float]:
        """The measured scalar fields, in FEATURE_NAMES order."""
        return {name: getattr(self, name) for name in FEATURE_NAMES}


# --- Decoding -----------------------------------------------------------------------------------


def excerpt_bounds(duration_ms: int | None) -> tuple[float, float]:
    """(start, length) in seconds of the excerpt to analyse: the middle EXCERPT_SECONDS of the track,
    or all of it when shorter. Unknown duration: from the start."""
    if not duration_ms:
        return 0.0, EXCERPT_SECONDS
    seconds = duration_ms / 1000
    length = min(seconds, EXCERPT_SECONDS)
    return (seconds - length) / 2, length


def decode_excerpt(source: Path, *, start_s: float, seconds: float, demuxer: str | None = None):
    """Mono float32 samples at SAMPLE_RATE, read from ffmpeg's stdout (no temporary file).

    As in the ladder, `demuxer` should be the one the sniffer named and only local files may be
    opened: ffmpeg's own probing could read a crafted file as a playlist of other files."""
    import numpy as np

    command = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-v", "error", "-protocol_whitelist", "file"]
    if demuxer:
        command += ["-f", demuxer]
    # -ss before -i seeks in the input (fast) and still decodes from the exact sample onwards.
    command += ["-ss", f"{start_s:.3f}", "-t", f"{seconds:.3f}", "-i", str(source), "-map", "0:a:0"]
    # Mono as the mean of the front channels ("<" renormalises the gains over the channels the
    # input has), so the same signal reads the same RMS dBFS from a mono, stereo or 5.1 master.
    # `-ac 1` would not: it sums stereo at -3 dB each, 3 dB hotter than mono for centred sound.
    command += ["-af", "pan=mono|c0<FL+FR+FC"]
    command += ["-ar", str(SAMPLE_RATE), "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=DECODE_TIMEOUT_SECONDS, check=False)  # noqa: S603 (an argument list of our own, no shell)
    except subprocess.TimeoutExpired as exc:
        raise FeatureExtractionError(f"decoding for analysis took longer than {DECODE_TIMEOUT_SECONDS} s") from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise FeatureExtractionError(f"ffmpeg could not decode the audio for analysis: {message[0][:300]}")
    return np.frombuffer(done.stdout, dtype="<f4").astype(np.float32)


# --- Analysis -----------------------------------------------------------------------------------


def analyse_audio(source: Path, *, duration_ms: int | None, demuxer: str | None = None) -> MeasuredFeatures:
    """Measure a master on local disk. Raises UnanalysableAudio for silence or too little audio,
    FeatureExtractionError when it cannot be decoded."""
    start_s, seconds = excerpt_bounds(duration_ms)
    samples = decode_excerpt(source, start_s=start_s, seconds=seconds, demuxer=demuxer)
    return analyse_samples(samples, excerpt_start_ms=round(start_s * 1000))


def analyse_samples(samples, *, excerpt_start_ms: int = 0) -> MeasuredFeatures:
    """Measure mono float32 samples at SAMPLE_RATE."""
    import librosa
    import numpy as np

    y = np.ascontiguousarray(samples, dtype=np.float32)
    seconds = len(y) / SAMPLE_RATE
    if seconds < MIN_SECONDS:
        raise UnanalysableAudio(f"only {seconds:.1f} s of audio; analysis needs at least {MIN_SECONDS:g} s")
    rms_dbfs = _dbfs(float(np.mean(np.square(y, dtype=np.float64))))
    if rms_dbfs < SILENCE_DBFS:
        raise UnanalysableAudio(f"the audio is silent (RMS {rms_dbfs:.0f} dBFS)")

    # One STFT serves the spectral shape, the onset envelope and the frame levels.
    magnitude = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP))
    power = magnitude**2
    mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=power, sr=SAMPLE_RATE))
    onsets = librosa.onset.onset_strength(S=mel_db, sr=SAMPLE_RATE, hop_length=HOP)  # librosa's default flux

    tempo_estimate, beats = librosa.beat.beat_track(onset_envelope=onsets, sr=SAMPLE_RATE, hop_length=HOP)
    tempo = _tempo_from_beats(beats, fallback=float(np.atleast_1d(tempo_estimate)[0]))
    chroma = librosa.feature.chroma_cqt(
        y=y, sr=SAMPLE_RATE, hop_length=HOP, fmin=librosa.note_to_hz(CHROMA_LOWEST_NOTE), n_octaves=CHROMA_OCTAVES
    )
    key, mode, key_confidence = _key_and_mode(chroma.mean(axis=1))

    frame_dbfs = 20 * np.log10(np.maximum(librosa.feature.rms(S=magnitude, frame_length=N_FFT)[0], 1e-10))
    energy = np.clip((frame_dbfs - ENERGY_FLOOR_DBFS) / (ENERGY_CEILING_DBFS - ENERGY_FLOOR_DBFS), 0.0, 1.0)
    onset_frames = librosa.onset.onset_detect(onset_envelope=onsets, sr=SAMPLE_RATE, hop_length=HOP)
    mean_onset = float(onsets.mean())

    measured = MeasuredFeatures(
        tempo=round(float(tempo), 3),
        key=key,
        mode=mode,
        time_signature=_beats_per_bar(onsets, chroma, beats),
        energy=round(float(energy.mean()), 4),
        loudness=round(rms_dbfs, 2),
        danceability=round(_pulse_clarity(onsets, tempo), 4),
        spectral_centroid=_mean(librosa.feature.spectral_centroid(S=magnitude, sr=SAMPLE_RATE)),
        spectral_bandwidth=_mean(librosa.feature.spectral_bandwidth(S=magnitude, sr=SAMPLE_RATE)),
        spectral_rolloff=_mean(librosa.feature.spectral_rolloff(S=magnitude, sr=SAMPLE_RATE, roll_percent=0.85)),
        spectral_flatness=_mean(librosa.feature.spectral_flatness(S=magnitude), digits=5),
        zero_crossing_rate=_mean(librosa.feature.zero_crossing_rate(y, frame_length=N_FFT, hop_length=HOP), 5),
        onset_rate=round(len(onset_frames) / seconds, 3),
        beat_strength=round(float(onsets[beats].mean()) / mean_onset, 4) if len(beats) and mean_onset > 0 else 1.0,
        key_confidence=round(key_confidence, 4),
        rms_dbfs=round(rms_dbfs, 2),
        excerpt_start_ms=excerpt_start_ms,
        excerpt_ms=round(seconds * 1000),
    )
    if not all(math.isfinite(value) for value in dataclasses.astuple(measured)):
        raise FeatureExtractionError(f"analysis produced a value that is not a number: {measured}")
    return measured


def _dbfs(mean_square: float) -> float:
    return 10 * math.log10(max(mean_square, 1e-20))


def _mean(values, digits: int = 2) -> float:
    return round(float(values.mean()), digits)


def _tempo_from_beats(beats, *, fallback: float) -> float:
    """The tempo as the slope of a line through the beat times. librosa's own estimate is the best
    autocorrelation lag, which at 23 ms frames is quantised (a 120 BPM click reads 117.5); the beats
    themselves are placed on the onsets, and a least-squares line through a minute of them
    resolves the period far below one frame."""
    import numpy as np

    if len(beats) < 8:
        return fallback
    seconds_per_beat = np.polyfit(np.arange(len(beats)), beats * HOP / SAMPLE_RATE, 1)[0]
    return 60.0 / seconds_per_beat if seconds_per_beat > 0 else fallback


def _key_and_mode(pitch_class_profile) -> tuple[int, int, float]:
    """Krumhansl–Schmuckler: the key whose rotated profile correlates best with the piece's mean
    chroma. Returns (tonic, or -1 when no key is clear; mode; correlation)."""
    import numpy as np

    profile = np.asarray(pitch_class_profile, dtype=np.float64)
    if not np.isfinite(profile).all() or profile.std() == 0:
        return -1, 1, 0.0
    best = (-2.0, 0, 1)
    for mode, template in ((1, MAJOR_PROFILE), (0, MINOR_PROFILE)):
        for tonic in range(12):
            r = float(np.corrcoef(profile, np.roll(template, tonic))[0, 1])
            best = max(best, (r, tonic, mode))
    r, tonic, mode = best
    clear = r >= KEY_MIN_CORRELATION and profile.std() / profile.mean() >= KEY_MIN_CONTRAST
    return (tonic if clear else -1), mode, r


def _pulse_clarity(onsets, tempo: float) -> float:
    """How periodic the onsets are at the tracked tempo: the onset envelope's autocorrelation
    (mean removed, normalised to 1 at lag 0) at the beat period, the best value within ±4 % of it.
    A click track or a steady drum groove measures 0.6–0.9 here, drumless pads 0.1–0.4, a drone
    or noise near 0. This is our `danceability`: it measures pulse clarity and nothing else
    (Spotify's also weighs tempo, rhythm stability and overall regularity)."""
    import librosa
    import numpy as np

    envelope = onsets - onsets.mean()
    if tempo <= 0 or not envelope.any():
        return 0.0
    period = 60.0 * SAMPLE_RATE / HOP / tempo  # frames per beat
    correlation = librosa.autocorrelate(envelope, max_size=int(period * 1.05) + 2)
    correlation = correlation / correlation[0]
    low, high = int(math.floor(period * 0.96)), int(math.ceil(period * 1.04))
    window = correlation[max(low, 1) : high + 1]
    return float(np.clip(window.max(), 0.0, 1.0)) if len(window) else 0.0


def _beats_per_bar(onsets, chroma, beats) -> int:
    """3 or 4: the bar length whose grouping of the tracked beats repeats best.

    Two accent sequences, one value per beat: the onset strength on it (kick and snare), and how
    much the harmony changes on it (distance between the beat-synchronous chroma of the beat and of
    the one before; chords change at bar lines). A bar of n beats makes both repeat every n beats,
    so each sequence's autocorrelation is compared at 3 and 6 beats against 4 and 8, each sequence
    on its own (their phases differ: summing them first would let one cancel the other).

    Measured as 3 or 4 only: 6/8 reads as 3 (or 4 at half speed), 5/4 and 7/8 as whichever is
    nearer. It can only be as right as the beats: when beat tracking locks onto 2/3 or 3/2 of the
    real tempo (drumless pieces), the grouping it sees is wrong too: on the demo synthesiser's
    pieces it read 11 metres of 16 right, every miss a piece without drums. With under a dozen
    beats (a very short excerpt) there is too little to compare, and the value is an estimate:
    the common metre, 4."""
    import numpy as np

    if len(beats) < 12:
        return 4
    strength = np.array([onsets[max(b - 1, 0) : b + 2].max() for b in beats], dtype=np.float64)
    bounds = [*beats, chroma.shape[1]]
    synced = np.stack(
        [chroma[:, bounds[i] : max(bounds[i + 1], bounds[i] + 1)].mean(axis=1) for i in range(len(beats))]
    )
    harmony_change = np.linalg.norm(np.diff(synced, axis=0), axis=1)
    triple = quadruple = 0.0
    for accents in (strength, harmony_change):
        triple += _repetition(accents, 3) + _repetition(accents, 6)
        quadruple += _repetition(accents, 4) + _repetition(accents, 8)
    return 3 if triple > quadruple else 4


def _repetition(values, lag: int) -> float:
    """Correlation of a sequence with itself `lag` steps later (0 when undefined)."""
    import numpy as np

    if len(values) <= lag + 2:
        return 0.0
    a, b = values[:-lag], values[lag:]
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


# --- The normalised vector ----------------------------------------------------------------------


Z_LIMIT = 3.0


@dataclass(frozen=True)
class Standardisation:
    """One vector component: `(transform(value) - mean) / scale`. The means and scales are FIXED
    reference values written here (not statistics of the current catalog), so a new track's vector
    is comparable with every stored one without recomputing the corpus. Changing them is a new
    ANALYSER_VERSION."""

    feature: str
    mean: float
    scale: float
    transform: Callable[[float], float] = float

    def standardise(self, value: float) -> float:
        # Clipped to ±Z_LIMIT: a degenerate measurement (the beat strength of a pure tone, which
        # has no onsets to average) must not outweigh every other component of the vector.
        z = (self.transform(value) - self.mean) / self.scale
        return max(-Z_LIMIT, min(Z_LIMIT, z))


def _log2(value: float) -> float:
    return math.log2(max(value, 1e-6))


def _log10(value: float) -> float:
    return math.log10(max(value, 1e-6))


# Reference values: typical levels and spreads of produced popular music for these measurements
# (22,050 Hz, 2048/512 STFT, the whole mix), estimated, not fitted: there is no reference corpus in
# the project. A scale is roughly one standard deviation; ratios (tempo, frequencies, flatness,
# crossings, beat strength) are compared on a log scale, so 100 -> 120 BPM is as far as 120 -> 144.
# The two categorical fields (mode, metre) get a scale of 1: a different mode or metre weighs one
# standard deviation of any other feature, no more, since both are often misread. The demo
# synthesiser's pieces come out darker (centroid ~1 kHz) and with sharper beats than these
# references, which is fine: what matters is that every track is measured against the same ones.
STANDARDISATION = {
    s.feature: s
    for s in (
        Standardisation("tempo", mean=math.log2(118), scale=0.3, transform=_log2),
        Standardisation("mode", mean=0.6, scale=1.0),
        Standardisation("time_signature", mean=3.9, scale=1.0),
        Standardisation("energy", mean=0.65, scale=0.2),
        Standardisation("loudness", mean=-11.0, scale=4.0),
        Standardisation("danceability", mean=0.5, scale=0.25),
        Standardisation("spectral_centroid", mean=math.log2(2000), scale=0.5, transform=_log2),
        Standardisation("spectral_bandwidth", mean=math.log2(2200), scale=0.35, transform=_log2),
        Standardisation("spectral_rolloff", mean=math.log2(4200), scale=0.6, transform=_log2),
        Standardisation("spectral_flatness", mean=math.log10(0.01), scale=0.7, transform=_log10),
        Standardisation("zero_crossing_rate", mean=math.log10(0.07), scale=0.25, transform=_log10),
        Standardisation("onset_rate", mean=3.0, scale=1.2),
        Standardisation("beat_strength", mean=math.log2(3), scale=1.0, transform=_log2),
    )
}
# The key is a position on the circle of fifths (C, G, D, ... : 7 semitones a step) of its key
# signature, a minor key placed at its relative major (A minor with C major), encoded as sin/cos
# so that neighbours on the circle (C and G, C and F) are near and the wrap-around (F# = Gb) is
# seamless. A unit circle spans at most 2 in either component, about a z-score's range. An
# unknown key (-1) is the centre (0, 0): equally far from every key.
KEY_COMPONENTS = ("key_fifths_sin", "key_fifths_cos")
# FEATURE_NAMES' order, the key as its two components: tempo, key_fifths_sin, key_fifths_cos, mode, ...
VECTOR_COMPONENTS = tuple(c for name in FEATURE_NAMES for c in (KEY_COMPONENTS if name == "key" else (name,)))


def key_on_circle_of_fifths(key: int, mode: int) -> tuple[float, float]:
    if key < 0:
        return 0.0, 0.0
    signature = (key + 3) % 12 if mode == 0 else key  # a minor key's relative major
    angle = 2 * math.pi * ((signature * 7) % 12) / 12
    return math.sin(angle), math.cos(angle)


def feature_vector(values: Mapping[str, float]) -> list[float]:
    """The L2-normalised vector of VECTOR_COMPONENTS for measured values (FEATURE_NAMES)."""
    scaled = {name: s.standardise(float(values[name])) for name, s in STANDARDISATION.items()}
    scaled[KEY_COMPONENTS[0]], scaled[KEY_COMPONENTS[1]] = key_on_circle_of_fifths(
        int(values["key"]), int(values["mode"])
    )
    raw = [scaled[name] for name in VECTOR_COMPONENTS]
    norm = math.sqrt(sum(component * component for component in raw))
    return [round(component / norm, 6) for component in raw] if norm > 0 else raw
