"""The instruments: one function per voice, each returning a stereo (2, n) float array at unit
velocity, and the drum kit's samples (swept sines and filtered noise), rendered once per piece."""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 44100


# --- voices: each returns a stereo (2, n) float array at unit velocity ------------------------


def sample_times(seconds: float) -> np.ndarray:
    return np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE


def _release(t: np.ndarray, gate: float, release: float) -> np.ndarray:
    return np.where(t < gate, 1.0, np.exp(-(t - gate) / release))


def _stereo(mono: np.ndarray) -> np.ndarray:
    return np.stack([mono, mono])


def _pad(freq: float, gate: float, rng: np.random.Generator) -> np.ndarray:
    """Three detuned oscillators (left, centre, right) with soft harmonics and a slow attack."""
    t = sample_times(gate + 1.5)
    attack = min(0.8, 0.4 * gate)
    env = np.minimum(1.0, t / attack) ** 2 * _release(t, gate, 0.5)
    vibrato = 0.002 * freq / 4.8 * np.sin(2 * np.pi * 4.8 * t)  # +-0.2 % in pitch, 4.8 times a second
    chans = []
    for cents in (-9.0, 0.0, 9.0):
        phase = 2 * np.pi * freq * 2 ** (cents / 1200) * t + vibrato + rng.uniform(0, 6.3)
        sine, cosine = np.sin(phase), np.cos(phase)
        # The 2nd and 3rd harmonics from the fundamental's sine and cosine: two trig calls, not three.
        chans.append(sine + 0.25 * (2 * sine * cosine) + 0.08 * (3 * sine - 4 * sine**3))
    left, centre, right = chans
    return np.stack([left + 0.6 * centre, right + 0.6 * centre]) * (env * 0.35)


def _pluck(freq: float, gate: float, rng: np.random.Generator) -> np.ndarray:
    """Karplus–Strong: a noise burst recirculated through a delay line with an averaging filter.

    The recurrence y[n] = d * (y[n-N] + y[n-N-1]) / 2 only reaches back one period, so it is
    computed a period at a time (a few hundred small vector operations instead of a sample loop)."""
    period = max(2, round(SAMPLE_RATE / freq))
    length = int((gate + 0.6) * SAMPLE_RATE)
    t60 = 2.5 if freq < 300 else 1.6
    damping = 0.001 ** (1.0 / (t60 * freq))
    y = np.zeros(length + period + 1)
    burst = rng.uniform(-1, 1, period + 1)
    y[: period + 1] = np.convolve(burst, np.ones(3) / 3, mode="same")  # a softer pick
    start = period + 1
    while start < len(y):
        stop = min(start + period, len(y))
        y[start:stop] = damping * 0.5 * (y[start - period : stop - period] + y[start - period - 1 : stop - period - 1])
        start = stop
    out = y[:length]
    t = np.arange(length) / SAMPLE_RATE
    out = out * _release(t, gate + 0.3, 0.08)
    return _stereo(out * 0.6)


def _epiano(freq: float, gate: float, rng: np.random.Generator) -> np.ndarray:
    """Two-operator FM (ratio 1, decaying index) plus a quiet 'tine' an octave-and-a-half up, with
    a gentle stereo tremolo: the usual recipe for an electric-piano colour."""
    t = sample_times(gate + 0.8)
    index = 1.6 * np.exp(-t / 0.35) + 0.25
    body = np.sin(2 * np.pi * freq * t + index * np.sin(2 * np.pi * freq * t))
    tine = 0.15 * np.sin(2 * np.pi * freq * 14 * t) * np.exp(-t / 0.02) if freq * 14 < 16000 else 0.0
    env = np.exp(-t / 1.4) * _release(t, gate, 0.15) * np.minimum(1.0, t / 0.003)
    mono = (body + tine) * env
    wobble = 0.12 * np.sin(2 * np.pi * 4.5 * t + rng.uniform(0, 6.3))
    return np.stack([mono * (1 + wobble), mono * (1 - wobble)]) * 0.5


def _polyblep_saw(freq: float, t: np.ndarray, offset: float) -> np.ndarray:
    """A band-limited sawtooth: the naive ramp with its step smoothed (polyBLEP) so it does not alias."""
    dt = freq / SAMPLE_RATE
    phase = (freq * t + offset) % 1.0
    saw = 2 * phase - 1
    rising = phase < dt
    x = phase[rising] / dt
    saw[rising] -= x + x - x * x - 1
    falling = phase > 1 - dt
    x = (phase[falling] - 1) / dt
    saw[falling] -= x * x + x + x + 1
    return saw


def _saw(freq: float, gate: float, rng: np.random.Generator) -> np.ndarray:
    t = sample_times(gate + 0.6)
    env = np.minimum(1.0, t / 0.06) * (0.75 + 0.25 * np.exp(-t / 0.3)) * _release(t, gate, 0.25)
    left = _polyblep_saw(freq * 2 ** (-7 / 1200), t, rng.uniform())
    right = _polyblep_saw(freq * 2 ** (7 / 1200), t, rng.uniform())
    return np.stack([left, right]) * (env * 0.3)


def _bell(freq: float, gate: float, rng: np.random.Generator) -> np.ndarray:
    """Inharmonic partials with their own decays (the ratios of a struck bar). Struck, not held:
    the gate does not matter, and each partial is only computed while it is audible."""
    t = sample_times(3.0)
    mono = np.zeros_like(t)
    for ratio, amp, decay in (
        (1.0, 1.0, 1.1),
        (2.0, 0.45, 0.8),
        (2.76, 0.35, 0.6),
        (5.4, 0.15, 0.3),
        (8.93, 0.08, 0.15),
    ):
        if freq * ratio < 16000:
            m = min(len(t), int(6 * decay * SAMPLE_RATE))  # -52 dB
            mono[:m] += amp * np.sin(2 * np.pi * freq * ratio * t[:m] + rng.uniform(0, 6.3)) * np.exp(-t[:m] / decay)
    envelope = np.minimum(1.0, t / 0.002) * np.minimum(1.0, (t[-1] - t) / 0.3)
    return _stereo(mono * envelope * 0.35)


def _flute(freq: float, gate: float, rng: np.random.Generator) -> np.ndarray:
    """A soft lead: a sine with a little second and third harmonic, delayed vibrato and breath."""
    t = sample_times(gate + 0.4)
    depth = 0.004 * np.minimum(1.0, t / 0.4)
    phase = 2 * np.pi * freq * t + depth * freq / 5.2 * np.sin(2 * np.pi * 5.2 * t)
    tone = np.sin(phase) + 0.18 * np.sin(2 * phase) + 0.06 * np.sin(3 * phase)
    breath = np.diff(rng.standard_normal(len(t) + 1)) * 0.015
    env = np.minimum(1.0, t / 0.06) * _release(t, gate, 0.12)
    return _stereo((tone + breath) * env * 0.5)


def _bass(freq: float, gate: float, rng: np.random.Generator) -> np.ndarray:
    t = sample_times(gate + 0.15)
    phase = 2 * np.pi * freq * t + rng.uniform(0, 6.3)
    tone = np.tanh(1.6 * (np.sin(phase) + 0.3 * np.sin(2 * phase)))
    env = np.minimum(1.0, t / 0.006) * (0.7 + 0.3 * np.exp(-t / 0.15)) * _release(t, gate, 0.05)
    return _stereo(tone * env * 0.6)


VOICES = {"pad": _pad, "pluck": _pluck, "epiano": _epiano, "saw": _saw, "bell": _bell, "flute": _flute, "bass": _bass}


# --- drums: one sample per instrument per piece, placed many times ----------------------------


def _highpass_noise(rng: np.random.Generator, n: int, order: int) -> np.ndarray:
    noise = rng.standard_normal(n + order)
    for _ in range(order):
        noise = np.diff(noise)  # each difference tilts the spectrum up 6 dB/octave
    return noise / (np.abs(noise).max() + 1e-9)


def drum_samples(rng: np.random.Generator) -> dict[str, np.ndarray]:
    samples = {}
    t = sample_times(0.45)  # kick: a sine swept down from ~140 Hz, with a click of noise on top
    kick = np.sin(2 * np.pi * np.cumsum(45 + 95 * np.exp(-t / 0.035)) / SAMPLE_RATE) * np.exp(-t / 0.16)
    kick[:120] += _highpass_noise(rng, 120, 1) * 0.3 * np.exp(-np.arange(120) / 30)
    samples["kick"] = kick
    t = sample_times(0.3)  # snare: a short tone for the shell, brighter noise for the wires
    shell = 0.45 * np.sin(2 * np.pi * 185 * t) * np.exp(-t / 0.04)
    samples["snare"] = shell + 0.7 * _highpass_noise(rng, len(t), 1) * np.exp(-t / 0.09)
    t = sample_times(0.08)
    samples["hat"] = _highpass_noise(rng, len(t), 2) * np.exp(-t / 0.018)
    t = sample_times(0.35)
    samples["open"] = _highpass_noise(rng, len(t), 2) * np.exp(-t / 0.12)
    t = sample_times(0.06)
    samples["rim"] = (0.6 * np.sin(2 * np.pi * 1700 * t) + 0.4 * _highpass_noise(rng, len(t), 1)) * np.exp(-t / 0.012)
    t = sample_times(0.07)
    samples["shaker"] = _highpass_noise(rng, len(t), 2) * np.sin(np.pi * t / t[-1]) ** 2
    t = sample_times(1.2)  # ride: square waves at inharmonic ratios (the classic analogue cymbal) plus air
    metal = sum(np.sign(np.sin(2 * np.pi * f * t)) for f in (312, 451, 587, 673, 801, 1123))
    samples["ride"] = (0.25 * np.diff(metal, prepend=0) + 0.3 * _highpass_noise(rng, len(t), 2)) * np.exp(-t / 0.45)
    return samples
