"""The `min_*`, `max_*` and `target_*` parameters of `GET /v1/recommendations`.

Each names an attribute with a valid range. Those we measure (apps.catalog.features, at ingest)
filter (`min_`/`max_`) and steer (`target_`: the candidates nearest the targets rank first); a
track without measured features fails any `min_`/`max_` on a measured attribute. Spotify's
`acousticness`, `instrumentalness`, `liveness`, `speechiness` and `valence` are machine-learned
judgements we do not compute: they are accepted and range-checked, so that existing clients work,
and otherwise ignored (the README says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.common.errors import ApplicationError

PREFIXES = ("min_", "max_", "target_")
# attribute -> (low, high, measured by us, integer)
ATTRIBUTES: dict[str, tuple[float, float, bool, bool]] = {
    "acousticness": (0, 1, False, False),
    "danceability": (0, 1, True, False),
    "duration_ms": (0, 3_600_000 * 24, True, True),
    "energy": (0, 1, True, False),
    "instrumentalness": (0, 1, False, False),
    "key": (0, 11, True, True),
    "liveness": (0, 1, False, False),
    "loudness": (-60, 10, True, False),
    "mode": (0, 1, True, True),
    "popularity": (0, 100, True, True),
    "speechiness": (0, 1, False, False),
    "tempo": (0, 400, True, False),
    "time_signature": (1, 12, True, True),
    "valence": (0, 1, False, False),
}
# Track attributes, the rest are measured audio features.
ON_TRACK = {"duration_ms", "popularity"}


@dataclass
class Tunables:
    minimum: dict[str, float] = field(default_factory=dict)
    maximum: dict[str, float] = field(default_factory=dict)
    target: dict[str, float] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.minimum or self.maximum or self.target)


def parse_tunables(params) -> Tunables:
    """Tunables from the query; 400 for an unknown attribute, a non-number, a value out of the
    attribute's range or a min above its max."""
    tunables = Tunables()
    for name, raw in params.items():
        prefix = next((p for p in PREFIXES if name.startswith(p)), None)
        if prefix is None:
            continue
        attribute = name[len(prefix) :]
        if attribute not in ATTRIBUTES:
            raise ApplicationError(f"Invalid parameter {name}: there is no tunable attribute {attribute!r}.")
        low, high, measured, integer = ATTRIBUTES[attribute]
        try:
            value = int(raw) if integer else float(raw)
        except ValueError:
            kind = "an integer" if integer else "a number"
            raise ApplicationError(f"Invalid {name}: {raw!r} is not {kind}.") from None
        if not low <= value <= high:
            raise ApplicationError(f"Invalid {name}: must be between {low:g} and {high:g}.")
        if measured:
            {"min_": tunables.minimum, "max_": tunables.maximum, "target_": tunables.target}[prefix][attribute] = value
    for attribute in tunables.minimum.keys() & tunables.maximum.keys():
        if tunables.minimum[attribute] > tunables.maximum[attribute]:
            raise ApplicationError(f"Invalid range: min_{attribute} is above max_{attribute}.")
    return tunables


def attribute_values(track_ids: list[int], attributes: set[str]) -> dict[int, dict[str, float]]:
    """track id -> {attribute: value} for the attributes asked (tracks without features have only
    their track attributes)."""
    from apps.catalog.models import AudioFeatures, Track

    values: dict[int, dict[str, float]] = {track: {} for track in track_ids}
    on_track = sorted(attributes & ON_TRACK)
    if on_track:
        for track, *row in Track.objects.filter(pk__in=track_ids).values_list("pk", *on_track):
            values[track].update(zip(on_track, row, strict=True))
    measured = sorted(attributes - ON_TRACK)
    if measured:
        for track, *row in AudioFeatures.objects.filter(track_id__in=track_ids).values_list("track_id", *measured):
            values[track].update(zip(measured, row, strict=True))
    return values


def within(tunables: Tunables):
    """The engine's `accept`: the candidates inside every min/max."""
    wanted = set(tunables.minimum) | set(tunables.maximum)

    def accept(track_ids: list[int]) -> set[int]:
        values = attribute_values(track_ids, wanted)
        return {
            track
            for track in track_ids
            if all(a in values[track] and values[track][a] >= v for a, v in tunables.minimum.items())
            and all(a in values[track] and values[track][a] <= v for a, v in tunables.maximum.items())
        }

    return accept if wanted else None


def distance_to_targets(tunables: Tunables):
    """The engine's `closeness`: each candidate's distance to the targets, each attribute scaled by
    its range (a track without a value is as far as can be on that attribute)."""
    if not tunables.target:
        return None

    def distance(track_ids: list[int]) -> list[float]:
        values = attribute_values(track_ids, set(tunables.target))
        result = []
        for track in track_ids:
            total = 0.0
            for attribute, goal in tunables.target.items():
                low, high, _, _ = ATTRIBUTES[attribute]
                value = values[track].get(attribute)
                total += 1.0 if value is None else abs(value - goal) / (high - low)
            result.append(total / len(tunables.target))
        return result

    return distance
