"""The player's hot statements, written by hand.

Every command reads the user's locked state with its active device, checks for silent devices,
often reads the current track's length, writes the state back, and its broadcast reads the
devices. Through the ORM, compiling those five statements (whose text never changes) was most of a
command's time: a seek took ~2.6 ms in its thread, ~1.5 ms of it building SQL
(bench_player_fanout; the state change's fan-out is measured against a bare websocket echo). Here
each statement is built once and the rows become model instances the way the ORM makes them
(`apps.common.model_rows`), so the services above work on the same objects either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connection

from apps.catalog.models import Track
from apps.common.model_rows import ModelColumns, save_row
from apps.playback.models import Device, PlayerState

STATE = ModelColumns(PlayerState, "s")
DEVICE = ModelColumns(Device, "d")
DEVICE_PK_INDEX = DEVICE.attnames.index(Device._meta.pk.attname)


@dataclass(frozen=True, slots=True)
class TrackFacts:
    """What a command needs of the current track."""

    pk: int
    public_id: str
    duration_ms: int | None


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model, name: str) -> str:
    return _quote(model._meta.get_field(name).column)


@cache
def _locked_state_sql(vendor: str) -> str:
    state_table, device_table = _quote(PlayerState._meta.db_table), _quote(Device._meta.db_table)
    # PostgreSQL locks the state row only (not the device's); SQLite's IMMEDIATE transaction has
    # already taken the database's write lock, which serialises commands the same way.
    lock = " FOR UPDATE OF s" if vendor == "postgresql" else ""
    return (
        f"SELECT {STATE.select_list()}, {DEVICE.select_list()} FROM {state_table} s "  # noqa: S608 (identifiers only)
        f"LEFT JOIN {device_table} d ON d.{_quote('id')} = s.{_column(PlayerState, 'active_device')} "
        f"WHERE s.{_column(PlayerState, 'user')} = %s{lock}"
    )


def locked_state(user_id: int) -> PlayerState | None:
    """The user's state, row-locked for the transaction, with `active_device` loaded; None if the
    user has none yet."""
    with connection.cursor() as cursor:
        cursor.execute(_locked_state_sql(connection.vendor), [user_id])
        row = cursor.fetchone()
    return None if row is None else state_from_row(row)


def state_from_row(row) -> PlayerState:
    """The state in a row of the locked read, its active device cached when the join found it."""
    state = STATE.make(row)
    joined_pk = row[len(STATE) + DEVICE_PK_INDEX]
    if joined_pk is not None and joined_pk == state.active_device_id:
        # Set through the descriptor's cache, as select_related does, so reading it costs no query.
        PlayerState.active_device.field.set_cached_value(state, DEVICE.make(row, len(STATE)))
    elif state.active_device_id is None:
        PlayerState.active_device.field.set_cached_value(state, None)
    # Otherwise the join saw no device although the state names one: on PostgreSQL a row that
    # another command changed while this one waited for its lock is read again with its new
    # values, but the outer join is not redone (its columns come back NULL). The cache is left
    # empty, so the device is read when it is first needed, as the ORM would.
    return state


def _users_devices(columns: str, rest: str = "") -> str:
    """`SELECT columns` from one user's devices (alias d, the user the first parameter), then `rest`."""
    table, user = _quote(Device._meta.db_table), _column(Device, "user")
    return f"SELECT {columns} FROM {table} d WHERE d.{user} = %s{rest}"  # noqa: S608 (identifiers only, quoted)


@cache
def _stale_devices_sql(vendor: str) -> str:
    return _users_devices(f"d.{_quote('id')}", f" AND d.{_column(Device, 'last_seen_at')} < %s")


def stale_device_pks(user_id: int, cutoff: datetime) -> list[int]:
    """The user's devices last seen before `cutoff`."""
    with connection.cursor() as cursor:
        cursor.execute(
            _stale_devices_sql(connection.vendor), [user_id, connection.ops.adapt_datetimefield_value(cutoff)]
        )
        return [pk for (pk,) in cursor.fetchall()]


@cache
def _devices_sql(vendor: str) -> str:
    return _users_devices(DEVICE.select_list(), f" ORDER BY d.{_quote('id')}")


def user_devices(user_id: int) -> list[Device]:
    with connection.cursor() as cursor:
        cursor.execute(_devices_sql(connection.vendor), [user_id])
        return [DEVICE.make(row) for row in cursor.fetchall()]


@cache
def _device_sql(vendor: str) -> str:
    return _users_devices(DEVICE.select_list(), f" AND d.{_column(Device, 'device_id')} = %s")


def user_device(user_id: int, device_id: str) -> Device | None:
    """The user's device of that client id (another user's of the same id is never found)."""
    with connection.cursor() as cursor:
        cursor.execute(_device_sql(connection.vendor), [user_id, device_id])
        row = cursor.fetchone()
    return DEVICE.make(row) if row else None


@cache
def _device_volume_sql(vendor: str) -> str:
    table = _quote(Device._meta.db_table)
    return f"UPDATE {table} SET {_column(Device, 'volume_percent')} = %s WHERE {_quote('id')} = %s"  # noqa: S608 (identifiers only)


def set_device_volume(device: Device, volume_percent: int) -> None:
    """That column only: a heartbeat may be writing the same row's `last_seen_at` meanwhile."""
    with connection.cursor() as cursor:
        cursor.execute(_device_volume_sql(connection.vendor), [volume_percent, device.pk])
    device.volume_percent = volume_percent


@cache
def _track_facts_sql(vendor: str) -> str:
    columns = ", ".join(_column(Track, name) for name in ("id", "public_id", "duration_ms"))
    return f"SELECT {columns} FROM {_quote(Track._meta.db_table)} WHERE {_column(Track, 'id')} = %s"  # noqa: S608 (identifiers only)


def track_facts(track_pk: int) -> TrackFacts | None:
    with connection.cursor() as cursor:
        cursor.execute(_track_facts_sql(connection.vendor), [track_pk])
        row = cursor.fetchone()
    return TrackFacts(*row) if row else None


def save_state(state: PlayerState) -> None:
    """Write every field of the (locked, existing) state row."""
    save_row(state)
