"""What a demo piece is: its parameters, the timbre presets and the drum kits it can ask for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    chord_voice: str
    comp: str  # hold | arpeggio | stabs
    melody_voice: str
    chord_gain: float
    melody_gain: float
    lowpass_hz: float | None = None  # a warm one-pole low-pass over the chord stem


PRESETS = {
    "pad": Preset("pad", "hold", "flute", chord_gain=0.55, melody_gain=0.40),
    "pluck": Preset("pluck", "arpeggio", "pluck", chord_gain=0.55, melody_gain=0.50),
    "epiano": Preset("epiano", "stabs", "epiano", chord_gain=0.50, melody_gain=0.50),
    "saw": Preset("saw", "hold", "flute", chord_gain=0.35, melody_gain=0.45, lowpass_hz=1100.0),
    "bell": Preset("pad", "hold", "bell", chord_gain=0.35, melody_gain=0.45),
}

# Drum patterns, one character per 16th note: "x" accent, "o" normal, "-" ghost, "." rest. A
# pattern may span two bars (the bossa nova clave does).
DRUM_KITS = {
    "pop": {"kick": "x.......x.o.....", "snare": "....x.......x...", "hat": "o.-.o.-.o.-.o.-."},
    "four": {
        "kick": "x...x...x...x...",
        "snare": "....x.......x...",
        "hat": "-.o.-.o.-.o.-.o.",
        "open": "..-...-...-...-.",
    },
    "lofi": {"kick": "x......o..o.....", "snare": "....x.......x..-", "hat": "o.-.o.-.o.-.o.-."},
    "bossa": {
        "kick": "o..-o..-o..-o..-",
        "rim": "o..o..o...o.o...o...o..o..o.....",
        "shaker": "-o--" * 4,
    },
    "jazz": {"kick": "-.......-.......", "ride": "o...o.-.o...o.-.", "hat": "....o.......o..."},
}
DRUM_GAINS = {"kick": 0.9, "snare": 0.55, "hat": 0.18, "open": 0.16, "rim": 0.35, "shaker": 0.12, "ride": 0.2}
DRUM_PANS = {"kick": 0.0, "snare": 0.05, "hat": 0.3, "open": 0.3, "rim": -0.25, "shaker": 0.35, "ride": -0.3}
VELOCITY = {"x": 1.0, "o": 0.75, "-": 0.4}


@dataclass(frozen=True)
class Piece:
    seconds: float
    tempo_bpm: float = 110.0
    key: str = "C"
    mode: str = "major"
    progression: tuple[str, ...] = ("I", "V", "vi", "IV")
    timbre: str = "epiano"
    drums: str | None = "pop"
    seed: int = 0
    meter: int = 4  # beats per bar: 4, or 3 for a waltz
    bars_per_chord: int = 1
    swing: float = 0.0  # delay of the off-beat 8ths in 16ths: 0.3 a light lilt, 0.67 full triplet swing
    reverb: float = 0.3  # 0 dry .. 1 a large hall
    width: float = 0.8  # stereo width, 0 mono .. 1 wide
    melody_density: float = 0.5  # 0 sparse long notes .. 1 busy
