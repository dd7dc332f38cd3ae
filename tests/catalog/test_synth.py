"""The demo synthesiser: deterministic, distinct, never clipping, exact in length, valid WAV."""

from __future__ import annotations

import dataclasses
import time
import wave

import numpy as np
import pytest

from apps.catalog.demo.synth import DRUM_KITS, PRESETS, SAMPLE_RATE, Piece, parse_chord, render, write_wav
from tests import audio

PIECE = Piece(seconds=4.0, tempo_bpm=120, key="G", progression=("I", "V", "vi", "IV"), timbre="epiano", seed=7)


def peak_dbfs(samples: np.ndarray) -> float:
    return 20 * np.log10(np.abs(samples).max())


def test_it_renders_the_same_samples_for_the_same_seed():
    assert np.array_equal(render(PIECE), render(PIECE))


def test_it_renders_different_music_for_another_seed():
    first, second = render(PIECE), render(dataclasses.replace(PIECE, seed=8))
    assert not np.allclose(first, second, atol=1e-3)


def test_it_gives_each_timbre_preset_its_own_sound():
    renders = {timbre: render(dataclasses.replace(PIECE, timbre=timbre, drums=None)) for timbre in PRESETS}
    names = list(renders)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            # Correlation well below 1: the same notes, played by really different instruments.
            correlation = np.corrcoef(renders[a][:, 0], renders[b][:, 0])[0, 1]
            assert correlation < 0.9, (a, b, correlation)


# Every preset and every drum kit (and no drums) at least once.
COMBINATIONS = [
    ("pad", None),
    ("pluck", "bossa"),
    ("epiano", "jazz"),
    ("saw", "four"),
    ("bell", "lofi"),
    ("pluck", "pop"),
]


def test_it_is_checked_with_every_preset_and_drum_kit():
    assert {t for t, _ in COMBINATIONS} == set(PRESETS)
    assert {d for _, d in COMBINATIONS} == {*DRUM_KITS, None}


@pytest.mark.parametrize(("timbre", "drums"), COMBINATIONS)
def test_it_never_clips_and_peaks_at_about_minus_one_dbfs(timbre, drums):
    samples = render(dataclasses.replace(PIECE, timbre=timbre, drums=drums, seconds=3.0))
    assert np.isfinite(samples).all()
    assert np.abs(samples).max() <= 1.0
    assert -1.5 <= peak_dbfs(samples) <= -0.5
    rms_dbfs = 10 * np.log10((samples.astype(np.float64) ** 2).mean())
    assert rms_dbfs > -30  # music, not near-silence under one loud click


@pytest.mark.parametrize("seconds", [1.0, 3.3337, 7.25])
def test_it_renders_exactly_the_requested_length(seconds):
    samples = render(dataclasses.replace(PIECE, seconds=seconds))
    assert samples.shape == (round(seconds * SAMPLE_RATE), 2)


def test_it_fades_in_and_out():
    samples = render(PIECE)
    assert np.abs(samples[:10]).max() < 1e-3
    assert np.abs(samples[-10:]).max() < 1e-3


def test_it_writes_a_wav_that_the_wave_module_and_ffmpeg_read_whole(tmp_path):
    piece = dataclasses.replace(PIECE, seconds=4.5, drums="bossa", timbre="pluck")
    samples = render(piece)
    path = write_wav(tmp_path / "piece.wav", samples)

    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 44100)
        assert wav.getnframes() == round(4.5 * SAMPLE_RATE)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    assert np.abs(pcm).max() <= 32767
    assert np.abs(pcm / 32767 - samples).max() <= 1 / 32767  # 16-bit rounding, channels in order
    assert audio.decoded_duration_s(str(path)) == pytest.approx(4.5, abs=0.01)


def test_it_reads_chords_as_roman_numerals_in_the_mode():
    c = 0
    assert parse_chord("I", tonic=c, mode="major") == (0, (0, 4, 7))
    assert parse_chord("vi", tonic=c, mode="major") == (9, (0, 3, 7))
    assert parse_chord("ii7", tonic=c, mode="major") == (2, (0, 3, 7, 10))
    assert parse_chord("V7", tonic=c, mode="major") == (7, (0, 4, 7, 10))
    assert parse_chord("Imaj7", tonic=c, mode="major") == (0, (0, 4, 7, 11))
    assert parse_chord("vii°", tonic=c, mode="major") == (11, (0, 3, 6))
    assert parse_chord("bVII", tonic=c, mode="major") == (10, (0, 4, 7))
    # In minor the degrees count in the natural minor scale: i–VI–III–VII in A minor is Am F C G.
    a = 9
    assert [parse_chord(n, tonic=a, mode="minor")[0] for n in ("i", "VI", "III", "VII")] == [9, 5, 0, 7]


@pytest.mark.parametrize(
    "change",
    [
        {"key": "H"},
        {"mode": "dorian"},
        {"timbre": "theremin"},
        {"drums": "polka"},
        {"progression": ("I", "X")},
        {"meter": 3, "drums": "pop"},
    ],
)
def test_it_refuses_what_it_cannot_play(change):
    with pytest.raises(ValueError):
        render(dataclasses.replace(PIECE, **change))


@pytest.mark.slow
def test_it_renders_a_forty_second_piece_quickly():
    piece = dataclasses.replace(PIECE, seconds=40.0, timbre="pad", drums="pop", reverb=0.8)
    started = time.process_time()
    render(piece)
    # Well under a second on an idle machine; the bound is loose because other work shares the CPU,
    # and a per-sample Python loop would still take tens of seconds.
    assert time.process_time() - started < 5.0
