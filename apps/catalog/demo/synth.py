"""A small numpy synthesiser: short, distinct, pleasant pieces for the demo catalog.

A piece is a chord progression voiced by one timbre preset, a bass on the chord roots, a melody
drawn from the scale and, for the rhythmic genres, a drum kit made of swept sines and noise; a
synthetic room (convolution with decaying noise) glues it together. Every random choice comes from
one numpy Generator seeded by the piece, so a piece renders to the same samples on every machine
and every run: that is what lets `seed_demo` run twice without changing anything.

Everything is vectorised per note (a few hundred notes per piece) or per stem (FFT filtering and
reverb), so a 40-second piece renders in about a second or less on one core.

This module is the public entry (render, WAV output) and re-exports what callers use; the parts live
in `theory` (keys, scales, chords), `piece` (Piece, presets, drum kits), `voices` (instruments and
drum samples), `arrangement` (a piece into notes) and `mixing` (stems, filters, reverb, mastering).
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from apps.catalog.demo.arrangement import Arranger
from apps.catalog.demo.mixing import master, one_pole_lowpass, pan_gains, place, render_notes, reverb
from apps.catalog.demo.piece import DRUM_GAINS, DRUM_KITS, DRUM_PANS, PRESETS, Piece, Preset
from apps.catalog.demo.theory import NOTE_NAMES, SCALES, midi_hz, parse_chord
from apps.catalog.demo.voices import SAMPLE_RATE, drum_samples

__all__ = [
    "DRUM_KITS",
    "PRESETS",
    "SAMPLE_RATE",
    "Piece",
    "Preset",
    "midi_hz",
    "parse_chord",
    "render",
    "render_wav",
    "to_pcm16",
    "write_wav",
]


def render(piece: Piece) -> np.ndarray:
    """Render a piece: float32 samples in [-1, 1], shape (round(seconds * 44100), 2)."""
    if piece.key not in NOTE_NAMES:
        raise ValueError(f"Unknown key {piece.key!r}.")
    if piece.mode not in SCALES:
        raise ValueError(f"Unknown mode {piece.mode!r}: use major or minor.")
    if piece.timbre not in PRESETS:
        raise ValueError(f"Unknown timbre {piece.timbre!r}: use one of {', '.join(PRESETS)}.")
    if piece.drums is not None and piece.drums not in DRUM_KITS:
        raise ValueError(f"Unknown drum style {piece.drums!r}: use one of {', '.join(DRUM_KITS)} or None.")
    if piece.meter not in (3, 4) or piece.seconds <= 0 or not 40 <= piece.tempo_bpm <= 220:
        raise ValueError("A piece needs a meter of 3 or 4, a positive length and a tempo of 40-220 BPM.")
    if piece.drums and piece.meter != 4:
        raise ValueError("The drum patterns are written in 4/4; a waltz plays without drums.")
    rng = np.random.default_rng(piece.seed)
    n = round(piece.seconds * SAMPLE_RATE)
    arranger = Arranger(piece, rng)
    preset = PRESETS[piece.timbre]

    chords = render_notes(arranger.chord_notes(), preset.chord_voice, n, rng) * preset.chord_gain
    if preset.lowpass_hz:
        chords = one_pole_lowpass(chords, preset.lowpass_hz)
    melody = render_notes(arranger.melody_notes(), preset.melody_voice, n, rng) * preset.melody_gain
    bass = render_notes(arranger.bass_notes(), "bass", n, rng) * 0.55
    drums = np.zeros((2, n), dtype=np.float32)
    if piece.drums:
        samples = {name: sample.astype(np.float32) for name, sample in drum_samples(rng).items()}
        for name, start, velocity in arranger.drum_hits():
            gains = velocity * DRUM_GAINS[name] * pan_gains(DRUM_PANS[name] * piece.width)
            place(drums, start, samples[name], gains)
    if piece.drums == "lofi":
        # Vinyl: sparse crackle over a faint hiss.
        drums += 0.004 * rng.standard_normal((2, n), dtype=np.float32)
        clicks = rng.integers(0, n, size=(2, int(0.0004 * n)))
        drums[0, clicks[0]] += rng.uniform(-0.25, 0.25, clicks.shape[1]).astype(np.float32)
        drums[1, clicks[1]] += rng.uniform(-0.25, 0.25, clicks.shape[1]).astype(np.float32)

    send = chords + melody + 0.15 * drums
    mix = chords + melody + bass + drums + reverb(send, piece.reverb, rng) * (0.15 + 0.5 * piece.reverb)
    # Mid/side: widen (or narrow) the stereo image without moving its centre.
    mid, side = (mix[0] + mix[1]) / 2, (mix[0] - mix[1]) / 2 * (0.5 + piece.width)
    return np.ascontiguousarray(master(np.stack([mid + side, mid - side]), piece.seconds).T)


def to_pcm16(samples: np.ndarray) -> bytes:
    """Interleaved little-endian 16-bit PCM, as WAV stores it."""
    return np.round(np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def write_wav(path: Path, samples: np.ndarray) -> Path:
    """Write stereo float samples as a 44.1 kHz 16-bit PCM WAV file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(to_pcm16(samples))
    return path


def render_wav(piece: Piece, path: Path) -> Path:
    return write_wav(path, render(piece))
