"""Reading the availability read model: may this listener play this track here, now, and if not,
why. Rights writes the rows (see `TrackAvailability`); everything that asks — track responses,
search, the player, recommendations — asks here, with one indexed query per batch of tracks.

How rows combine, for a country C at a time t (only rows whose window holds t count):

1. a takedown for C or worldwide wins: `takedown`;
2. otherwise the rows for C itself decide if there are any, else the worldwide rows, so that
   "worldwide except C" (grant `*`, block C) and "only in C" (grant C) both say what they mean;
3. among the deciding rows a block wins (`market`), then a grant (playable), then a grant for
   premium only (`product` for a free listener); no row at all is `market`.

`playable_q` says the same in SQL for querysets (search, recommendations); a test holds the two
to agreement on random rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_countries import countries

from apps.catalog.models import WORLDWIDE, AvailabilityKind, IngestState, Track, TrackAvailability
from apps.common.lookups import any_of

ALL_MARKETS = [code for code, _ in countries]
_GRANTS = {AvailabilityKind.GRANT, AvailabilityKind.GRANT_PREMIUM}


class Restriction(StrEnum):
    """Why a track cannot play: Spotify's `restrictions.reason`, plus our two of our own."""

    MARKET = "market"
    PRODUCT = "product"
    TAKEDOWN = "takedown"
    NOT_READY = "not_ready"


@dataclass(frozen=True)
class Listener:
    """Who asks, as far as availability cares: where they are and what they pay for."""

    country: str
    premium: bool = False


def active_q(now: datetime, prefix: str = "") -> Q:
    starts, ends = f"{prefix}starts_at", f"{prefix}ends_at"
    return (Q(**{f"{starts}__isnull": True}) | Q(**{f"{starts}__lte": now})) & (
        Q(**{f"{ends}__isnull": True}) | Q(**{f"{ends}__gt": now})
    )


def _decide(kinds_here: set[str], kinds_world: set[str], *, premium: bool) -> Restriction | None:
    if AvailabilityKind.TAKEDOWN in kinds_here or AvailabilityKind.TAKEDOWN in kinds_world:
        return Restriction.TAKEDOWN
    kinds = kinds_here or kinds_world
    if AvailabilityKind.BLOCK in kinds:
        return Restriction.MARKET
    if AvailabilityKind.GRANT in kinds:
        return None
    if AvailabilityKind.GRANT_PREMIUM in kinds:
        return None if premium else Restriction.PRODUCT
    return Restriction.MARKET


def restrictions_for(
    tracks: Iterable[Track], listener: Listener, *, now: datetime | None = None
) -> dict[int, Restriction | None]:
    """Track pk -> None (playable) or the reason it is not, in one query."""
    tracks = list(tracks)
    result: dict[int, Restriction | None] = {t.pk: Restriction.NOT_READY for t in tracks if not t.is_ready}
    result.update(restrictions_for_ready([t.pk for t in tracks if t.is_ready], listener, now=now))
    return result


def restrictions_for_ready(
    track_ids: Iterable[int], listener: Listener, *, now: datetime | None = None
) -> dict[int, Restriction | None]:
    """`restrictions_for` of tracks known to be ready (search's documents are only of those)."""
    now = now or timezone.now()
    ready = list(track_ids)
    result: dict[int, Restriction | None] = {}
    if not ready:
        return result
    here: dict[int, set[str]] = defaultdict(set)
    world: dict[int, set[str]] = defaultdict(set)
    for track_id, territory, kind in _active_rows(ready, [listener.country, WORLDWIDE], now):
        (world if territory == WORLDWIDE else here)[track_id].add(kind)
    for pk in ready:
        result[pk] = _decide(here[pk], world[pk], premium=listener.premium)
    return result


@dataclass(frozen=True, slots=True)
class Offer:
    """Whether a ready track may play for a listener, its explicit flag, and until when that
    answer holds: the next moment one of its rows' windows opens or closes (None: no such moment)."""

    playable: bool
    explicit: bool
    until: datetime | None


def offers_for_ready(track_ids: Iterable[int], listener: Listener, *, now: datetime | None = None) -> dict[int, Offer]:
    """Track pk -> its `Offer` for `listener` now, for those of `track_ids` that are ready and
    have a row for the listener's country or the world that has not ended; one query, the rights
    rows read with their track's state. A track without such a row plays nowhere there, and stays
    so until a row is written.

    Written in SQL rather than through the ORM: it runs on every recommendation for a pool of
    hundreds, where compiling the query and preparing each id took as long as the query itself
    (~1.5 ms of ~4.5, bench_recommendations)."""
    ids = list(track_ids)
    if not ids:
        return {}
    now = now or timezone.now()
    member, member_params = any_of("a.track_id", ids, connection)
    params = [*member_params, listener.country, WORLDWIDE, IngestState.READY]
    with connection.cursor() as cursor:
        cursor.execute(_offers_sql(member), [*params, connection.ops.adapt_datetimefield_value(now)])
        rows = cursor.fetchall()
    here: dict[int, set[str]] = defaultdict(set)
    world: dict[int, set[str]] = defaultdict(set)
    explicit: dict[int, bool] = {}
    until: dict[int, datetime | None] = {}
    for track_id, territory, kind, starts_at, ends_at, is_explicit in rows:
        starts_at, ends_at = _aware(starts_at), _aware(ends_at)
        if starts_at is None or starts_at <= now:
            (world if territory == WORLDWIDE else here)[track_id].add(kind)
        explicit[track_id] = bool(is_explicit)
        for moment in (starts_at if starts_at is not None and starts_at > now else None, ends_at):
            if moment is not None and (until.get(track_id) is None or moment < until[track_id]):
                until[track_id] = moment
    return {
        pk: Offer(_decide(here[pk], world[pk], premium=listener.premium) is None, is_explicit, until.get(pk))
        for pk, is_explicit in explicit.items()
    }


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands a raw query's datetimes back naive, in UTC (as Django stores them there)."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _offers_sql(member: str) -> str:
    """The statement's text is made of table names and placeholders only; every value is a parameter."""
    availability, tracks = TrackAvailability._meta.db_table, Track._meta.db_table
    return (
        f"SELECT a.track_id, a.territory, a.kind, a.starts_at, a.ends_at, t.explicit FROM {availability} a "  # noqa: S608 (no values in the text)
        f"JOIN {tracks} t ON t.id = a.track_id WHERE {member} AND a.territory IN (%s, %s) "
        "AND t.ingest_state = %s AND (a.ends_at IS NULL OR a.ends_at > %s)"
    )


def taken_down_everywhere(track_ids: Iterable[int], *, now: datetime | None = None) -> set[int]:
    """The tracks under a worldwide takedown now: what no response without a market may show."""
    rows = _active_rows(list(track_ids), [WORLDWIDE], now or timezone.now(), kind=AvailabilityKind.TAKEDOWN)
    return {track_id for track_id, _, _ in rows}


def _active_rows(
    track_ids: list[int], territories: list[str], now: datetime, *, kind: str | None = None
) -> list[tuple[int, str, str]]:
    """(track id, territory, kind) of the rows in force now (the window `active_q` says for
    querysets) for those tracks and territories.

    Written in SQL rather than through the ORM, as `offers_for_ready` is: search asks it for every
    query and suggestion, and building the queryset (the window's four conditions, an id per
    parameter) took ~1.2 ms of ~1.8 (bench_search's million tracks)."""
    if not track_ids:
        return []
    member, params = any_of("track_id", track_ids, connection)
    territory_in = ", ".join(["%s"] * len(territories))
    conditions = [member, f"territory IN ({territory_in})", "(starts_at IS NULL OR starts_at <= %s)",
                  "(ends_at IS NULL OR ends_at > %s)"]  # fmt: skip
    moment = connection.ops.adapt_datetimefield_value(now)
    params = [*params, *territories, moment, moment]
    if kind is not None:
        conditions.append("kind = %s")
        params.append(kind)
    table = TrackAvailability._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT track_id, territory, kind FROM {table} WHERE {' AND '.join(conditions)}", params)  # noqa: S608 (only a table name and placeholders in the text)
        return cursor.fetchall()


def _playable(kinds: set[str]) -> bool:
    return AvailabilityKind.TAKEDOWN not in kinds and AvailabilityKind.BLOCK not in kinds and bool(kinds & _GRANTS)


def markets_for(track_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, list[str]]:
    """Track pk -> the countries where it plays now (on some product): Spotify's
    `available_markets`, for responses without a market. One query."""
    now = now or timezone.now()
    track_ids = list(track_ids)
    here: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    world: dict[int, set[str]] = defaultdict(set)
    for track_id, territory, kind in (
        TrackAvailability.objects.filter(active_q(now), track_id__in=track_ids)
        .order_by()
        .values_list("track_id", "territory", "kind")
    ):
        if territory == WORLDWIDE:
            world[track_id].add(kind)
        else:
            here[track_id][territory].add(kind)
    result = {}
    for pk in track_ids:
        if AvailabilityKind.TAKEDOWN in world[pk]:
            result[pk] = []
            continue
        own = here[pk]
        world_plays = _playable(world[pk])
        if not own:
            result[pk] = list(ALL_MARKETS) if world_plays else []
            continue
        result[pk] = [code for code in ALL_MARKETS if _playable(own[code] if code in own else world[pk])]
    return result


def playable_q(listener: Listener, *, now: datetime | None = None, prefix: str = "") -> Q:
    """The same decision as `restrictions_for`, as a filter on a Track queryset (or, with a
    `prefix` such as "track__", on a queryset of rows that point at tracks)."""
    now = now or timezone.now()
    rows = TrackAvailability.objects.filter(active_q(now), track=OuterRef(f"{prefix}pk" if prefix else "pk"))
    here = rows.filter(territory=listener.country)
    world = rows.filter(territory=WORLDWIDE)
    grants = [AvailabilityKind.GRANT, *([AvailabilityKind.GRANT_PREMIUM] if listener.premium else [])]
    takedown = Exists(rows.filter(territory__in=[listener.country, WORLDWIDE], kind=AvailabilityKind.TAKEDOWN))
    here_plays = Exists(here.filter(kind__in=grants)) & ~Exists(here.filter(kind=AvailabilityKind.BLOCK))
    world_plays = (
        ~Exists(here) & Exists(world.filter(kind__in=grants)) & ~Exists(world.filter(kind=AvailabilityKind.BLOCK))
    )
    return Q(**{f"{prefix}ingest_state": IngestState.READY}) & ~takedown & (here_plays | world_plays)


def relinked(tracks: Iterable[Track], listener: Listener, *, now: datetime | None = None) -> dict[int, Track]:
    """For tracks not playable in the listener's market: another release of the same recording
    (ISRC) that is, loaded with its relations. Takedowns are never relinked around: a takedown
    is of the recording, and another release must not bring it back."""
    now = now or timezone.now()
    wanted = {t.isrc: t for t in tracks if t.isrc}
    if not wanted:
        return {}
    candidates = list(
        Track.objects.ready()
        .with_relations()
        .filter(isrc__in=list(wanted))
        .exclude(pk__in=[t.pk for t in wanted.values()])
        .order_by("-popularity", "-album__release_date", "pk")
    )
    playable = restrictions_for(candidates, listener, now=now)
    result: dict[int, Track] = {}
    for candidate in candidates:
        original = wanted.get(candidate.isrc)
        if original is not None and original.pk not in result and playable[candidate.pk] is None:
            result[original.pk] = candidate
    return result
