"""The mix: notes rendered into stems and panned, a warm low-pass, a synthetic room, and mastering.

Stems are channel-first (2, n) float32 arrays: each channel is contiguous, which keeps the per-note
adds and the FFTs fast, and 32-bit floats are plenty ahead of a 16-bit output.
"""

from __future__ import annotations

import numpy as np

from apps.catalog.demo.arrangement import Note
from apps.catalog.demo.theory import midi_hz
from apps.catalog.demo.voices import SAMPLE_RATE, VOICES, sample_times

PEAK_DBFS = -1.0  # headroom for the AAC encoder's overshoot (true peak) after ingest


def pan_gains(pan: float) -> np.ndarray:
    angle = (np.clip(pan, -1, 1) + 1) * np.pi / 4  # equal-power pan law
    return (np.array([np.cos(angle), np.sin(angle)]) * np.sqrt(2))[:, None]


def place(buffer: np.ndarray, start: float, signal: np.ndarray, gains: np.ndarray) -> None:
    begin = int(start * SAMPLE_RATE)
    if begin >= buffer.shape[1]:
        return
    end = min(buffer.shape[1], begin + signal.shape[-1])
    buffer[:, begin:end] += signal[..., : end - begin] * gains


def render_notes(notes: list[Note], voice: str, n: int, rng: np.random.Generator) -> np.ndarray:
    stem = np.zeros((2, n), dtype=np.float32)
    cache: dict[tuple[int, int], np.ndarray] = {}
    synth = VOICES[voice]
    for note in notes:
        key = (note.midi, round(note.gate * 100))  # repeated notes reuse one rendering
        if key not in cache:
            cache[key] = synth(float(midi_hz(note.midi)), key[1] / 100, rng).astype(np.float32)
        place(stem, note.start, cache[key], note.velocity * pan_gains(note.pan))
    return stem


def _fft_size(n: int) -> int:
    """The smallest 2^a * 3^b * 5^c >= n: pocketfft is fast on such lengths, and a length with a
    large prime factor falls back to a much slower algorithm."""
    best = 1 << max(0, (n - 1).bit_length())
    five = 1
    while five < best:
        three = five
        while three < best:
            candidate = three << max(0, (-(-n // three) - 1).bit_length())
            best = min(best, candidate)
            three *= 3
        five *= 5
    return best


def one_pole_lowpass(stem: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """The classic one-pole y[n] = y[n-1] + a (x[n] - y[n-1]), run twice for a 12 dB/octave slope,
    applied through its frequency response (zero-padded, so nothing wraps around)."""
    a = 1 - np.exp(-2 * np.pi * cutoff_hz / SAMPLE_RATE)
    size = _fft_size(stem.shape[1] + 8192)
    z = np.exp(-2j * np.pi * np.fft.rfftfreq(size, 1 / SAMPLE_RATE) / SAMPLE_RATE)
    response = ((a / (1 - (1 - a) * z)) ** 2).astype(np.complex64)
    return np.fft.irfft(np.fft.rfft(stem, n=size) * response, n=size)[:, : stem.shape[1]].astype(np.float32)


def reverb(send: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """A synthetic room: convolution with exponentially decaying, darkened stereo noise."""
    decay_s = 1.0 + 2.0 * amount
    t = sample_times(decay_s * 1.2)
    impulse = rng.standard_normal((2, len(t))) * np.exp(-6.9 * t / decay_s)  # -60 dB at decay_s (RT60)
    impulse = np.stack([np.convolve(channel, np.ones(6) / 6, mode="same") for channel in impulse])
    impulse = np.concatenate([np.zeros((2, int(0.02 * SAMPLE_RATE))), impulse], axis=1)  # pre-delay
    impulse /= np.sqrt((impulse**2).sum(axis=1, keepdims=True))
    size = _fft_size(send.shape[1] + impulse.shape[1])
    spectrum = np.fft.rfft(send, n=size) * np.fft.rfft(impulse.astype(np.float32), n=size)
    return np.fft.irfft(spectrum, n=size)[:, : send.shape[1]].astype(np.float32)


def master(mix: np.ndarray, seconds: float) -> np.ndarray:
    t = np.arange(mix.shape[1], dtype=np.float32) / SAMPLE_RATE
    fade_in = min(1.0, 0.05 * seconds)
    fade_out = min(3.0, 0.15 * seconds)
    fade = np.clip(t / fade_in, 0, 1) * np.clip((seconds - t) / fade_out, 0, 1)
    mix = mix - mix.mean(axis=1, keepdims=True)  # no DC offset (before the fades, so both end at 0)
    mix *= 0.5 - 0.5 * np.cos(np.pi * fade)  # raised-cosine fades
    peak = np.abs(mix).max()
    if peak == 0:
        return mix
    # Soft limiting: linear below the knee, a tanh curve above it. Driven 3 dB past full scale, the
    # drum transients lose about 3 dB while the body of the piece is untouched and sits louder
    # under the same -1 dBFS peak than plain normalisation would leave it.
    knee = 0.5
    mix = mix * (1.4 / peak)
    level = np.abs(mix)
    over = level > knee
    mix[over] = np.sign(mix[over]) * (knee + (1 - knee) * np.tanh((level[over] - knee) / (1 - knee)))
    return mix * (10 ** (PEAK_DBFS / 20) / np.abs(mix).max())
