"""The arrangement: how a piece becomes notes (chords, bass line, melody) and drum hits in time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from apps.catalog.demo.piece import DRUM_KITS, PRESETS, VELOCITY, Piece
from apps.catalog.demo.theory import NOTE_NAMES, SCALES, fold, parse_chord


@dataclass(frozen=True)
class Note:
    start: float  # seconds
    gate: float  # seconds
    midi: int
    velocity: float
    pan: float = 0.0  # -1 left .. 1 right


class Arranger:
    def __init__(self, piece: Piece, rng: np.random.Generator):
        self.piece = piece
        self.rng = rng
        self.tonic = NOTE_NAMES[piece.key]
        self.scale = SCALES[piece.mode]
        self.step_s = 60.0 / piece.tempo_bpm / 4
        self.bar_steps = piece.meter * 4
        self.bars = int(np.ceil(piece.seconds / (self.bar_steps * self.step_s))) + 1
        self.chords = [
            parse_chord(
                piece.progression[(bar // piece.bars_per_chord) % len(piece.progression)],
                tonic=self.tonic,
                mode=piece.mode,
            )
            for bar in range(self.bars)
        ]
        # A short piece starts straight away; a longer one has a bar of chords alone first.
        self.intro_bars = 1 if self.bars >= 6 else 0

    def at(self, bar: int, step: float) -> float:
        """Seconds at a 16th-note step of a bar, with the swing applied to the off-beat 8ths."""
        swung = self.piece.swing if int(step) % 4 == 2 else 0.0
        jitter = self.rng.normal(0, 0.004)  # a player, not a sequencer
        return max(0.0, (bar * self.bar_steps + step + swung) * self.step_s + jitter)

    def chord_notes(self) -> list[Note]:
        preset = PRESETS[self.piece.timbre]
        notes = []
        for bar in range(self.bars):
            if preset.comp == "hold" and bar % self.piece.bars_per_chord:
                continue
            root, intervals = self.chords[bar]
            voicing = sorted(fold(root + i, 55) for i in intervals)
            if preset.comp == "hold":
                gate = self.bar_steps * self.piece.bars_per_chord * self.step_s * 0.98
                for i, pitch in enumerate(voicing):
                    pan = (i / max(1, len(voicing) - 1) - 0.5) * self.piece.width
                    notes.append(Note(self.at(bar, 0), gate, pitch, 0.8, pan))
            elif preset.comp == "arpeggio":
                # A finger-picking pattern in 8ths: low root, then up and down the chord.
                tones = [fold(root, 43), *voicing, voicing[-1] + 12 - 12 * (voicing[-1] >= 72)]
                order = [0, 2, 1, 3, 2, 4, 1, 3] if self.piece.meter == 4 else [0, 2, 1, 3, 2, 4]
                for k, idx in enumerate(order):
                    pan = (idx / 4 - 0.5) * self.piece.width
                    velocity = 0.9 if k == 0 else 0.6 + 0.1 * self.rng.random()
                    notes.append(Note(self.at(bar, 2 * k), 4 * self.step_s, tones[idx % len(tones)], velocity, pan))
            else:  # stabs: a syncopated comping rhythm
                rhythm = [(0, 3), (6, 2), (10, 4)] if self.piece.meter == 4 else [(0, 4), (6, 4)]
                for step, length in rhythm:
                    for i, pitch in enumerate(voicing):
                        pan = (i / max(1, len(voicing) - 1) - 0.5) * self.piece.width
                        notes.append(Note(self.at(bar, step), length * self.step_s, pitch, 0.7, pan))
        return notes

    def bass_notes(self) -> list[Note]:
        style = self.piece.drums
        notes = []
        for bar in range(self.bars):
            root, intervals = self.chords[bar]
            low = fold(root, 36)
            fifth = low + 7 if low + 7 < 50 else low - 5
            if style == "jazz":
                # Walking quarters: root, two chord tones, a chromatic step into the next root.
                next_root = fold(self.chords[(bar + 1) % self.bars][0], 36)
                line = [low, low + intervals[1], low + intervals[2], next_root + (1 if self.rng.random() < 0.5 else -1)]
                notes += [Note(self.at(bar, 4 * b), 3.5 * self.step_s, p, 0.8) for b, p in enumerate(line)]
            elif style == "bossa":
                notes += [
                    Note(self.at(bar, s), ln * self.step_s, p, 0.8)
                    for s, ln, p in ((0, 5, low), (6, 2, fifth), (8, 5, low), (14, 2, fifth))
                ]
            elif style == "four":
                notes += [Note(self.at(bar, s), 1.6 * self.step_s, low, 0.85) for s in (2, 6, 10, 14)]
            elif style in ("pop", "lofi"):
                notes += [
                    Note(self.at(bar, s), ln * self.step_s, p, 0.85)
                    for s, ln, p in ((0, 6, low), (7, 3, low), (10, 5, fifth))
                ]
            elif bar % self.piece.bars_per_chord == 0:
                gate = self.bar_steps * self.piece.bars_per_chord * self.step_s * 0.95
                notes.append(Note(self.at(bar, 0), gate, low, 0.7))
        return notes

    def melody_notes(self) -> list[Note]:
        """Two-bar motifs over the scale: chord tones on strong beats, small steps between, and a
        rhythm that repeats more often than not (repetition is what makes a tune)."""
        pool = [p for p in range(62, 86) if (p - self.tonic) % 12 in self.scale]
        density = self.piece.melody_density
        lengths = np.array([2, 4, 6, 8, 12])
        weights = np.array([density, 1.0, 0.6, 1.0 - 0.5 * density, 1.2 * (1 - density)])
        weights /= weights.sum()
        notes: list[Note] = []
        motif: list[tuple[int, int, int]] | None = None  # (step, length, pool step from previous)
        index = len(pool) // 2
        last_bar = self.bars - 2  # let the final bar belong to the chords
        for block in range(self.intro_bars, last_bar, 2):
            if motif is None or self.rng.random() < 0.4:
                motif, step = [], 0
                while step < 2 * self.bar_steps:
                    length = int(self.rng.choice(lengths, p=weights))
                    if self.rng.random() < 0.15 + 0.2 * (1 - density):
                        step += length  # a rest
                        continue
                    motif.append((step, length, int(self.rng.choice([-2, -1, -1, 0, 1, 1, 2, 3, -3]))))
                    step += length
            for step, length, move in motif:
                bar = block + step // self.bar_steps
                if bar > last_bar:
                    break
                index = int(np.clip(index + move, 0, len(pool) - 1))
                pitch = pool[index]
                if step % 8 == 0 or length >= 6:
                    root, intervals = self.chords[bar]
                    tones = {(root + i) % 12 for i in intervals[:3]}
                    candidates = [k for k, p in enumerate(pool) if p % 12 in tones]
                    if candidates:
                        index = min(candidates, key=lambda k: abs(k - index))
                        pitch = pool[index]
                gate = min(length, 2 * self.bar_steps - step) * self.step_s * 0.9
                velocity = 0.85 if step % 4 == 0 else 0.7
                notes.append(Note(self.at(bar, step % self.bar_steps), gate, pitch, velocity, 0.1 * self.piece.width))
        return notes

    def drum_hits(self) -> list[tuple[str, float, float]]:
        kit = DRUM_KITS.get(self.piece.drums or "", {})
        hits = []
        for bar in range(self.intro_bars, self.bars):
            for name, pattern in kit.items():
                for step in range(self.bar_steps):
                    symbol = pattern[(bar * self.bar_steps + step) % len(pattern)]
                    if symbol in VELOCITY:
                        velocity = VELOCITY[symbol] * (0.9 + 0.2 * self.rng.random())
                        hits.append((name, self.at(bar, step), velocity))
        return hits
