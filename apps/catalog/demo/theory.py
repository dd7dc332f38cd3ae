"""The music theory the demo pieces are written in: keys, scales, Roman-numeral chords, pitch."""

from __future__ import annotations

import numpy as np

NOTE_NAMES = {
    "C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "Gb": 6,
    "G": 7, "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11,
}  # fmt: skip
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
_NUMERALS = ("vii", "vi", "v", "iv", "iii", "ii", "i")  # longest first, so "vi" is not read as "v"
_QUALITY_SUFFIXES = {"maj7": (11,), "7": (10,), "9": (10, 14), "sus4": ()}


def midi_hz(midi: np.ndarray | float) -> np.ndarray | float:
    return 440.0 * 2.0 ** ((np.asarray(midi, dtype=float) - 69.0) / 12.0)


def parse_chord(numeral: str, *, tonic: int, mode: str) -> tuple[int, tuple[int, ...]]:
    """A Roman numeral ("vi", "V7", "Imaj7", "bVII", "ii°") in a key: (root pitch class, intervals).

    Degrees count in the mode's own scale, so i–VI–III–VII in minor is what a musician means by it;
    case sets the triad's quality."""
    text = numeral.strip()
    shift = 0
    while text[:1] in ("b", "#"):
        shift += -1 if text[0] == "b" else 1
        text = text[1:]
    for name in _NUMERALS:
        if text.lower().startswith(name):
            letters, suffix = text[: len(name)], text[len(name) :]
            break
    else:
        raise ValueError(f"{numeral!r} is not a Roman numeral chord.")
    degree = _NUMERALS[::-1].index(name)
    if suffix.startswith(("°", "dim")):
        triad, suffix = (0, 3, 6), suffix.lstrip("°").removeprefix("dim")
    elif suffix.startswith("sus4"):
        triad = (0, 5, 7)
    else:
        triad = (0, 4, 7) if letters.isupper() else (0, 3, 7)
    if suffix and suffix not in _QUALITY_SUFFIXES:
        raise ValueError(f"{numeral!r}: unknown chord suffix {suffix!r}.")
    root = (tonic + SCALES[mode][degree] + shift) % 12
    return root, triad + _QUALITY_SUFFIXES.get(suffix, ())


def fold(pitch: int, low: int) -> int:
    """Move a pitch by octaves into [low, low + 12)."""
    return low + (pitch - low) % 12
