"""The player's hot statements, written by hand.

Every command reads the user's locked state and devices, often the current track's length, and
writes the state back; its broadcast renders the devices it read. Through the ORM, compiling those
statements (whose text never changes) was most of a
command's time: a seek took ~2.6 ms in its thread, ~1.5 ms of it building SQL
(bench_player_fanout; the state change's fan-out is measured against a bare websocket echo). Here
each statement is built once, runs on the driver's cursor (`apps.common.driver_cursor`) and the
rows become model instances the way the ORM makes them (`apps.common.model_rows`), so the services
above work on the same objects either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import connection

from apps.catalog.models import Track
from apps.common.driver_cursor import driver_cursor
from apps.common.model_rows import ModelColumns, save_row
from apps.playback.models import Device, PlayerState

STATE = ModelColumns(PlayerState, "s")
DEVICE = ModelColumns(Device, "d")


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
    # PostgreSQL locks the row; SQLite's IMMEDIATE transaction has already taken the database's
    # write lock, which serialises commands the same way.
    lock = " FOR UPDATE" if vendor == "postgresql" else ""
    table = _quote(PlayerState._meta.db_table)
    return f"SELECT {STATE.select_list()} FROM {table} s WHERE s.{_column(PlayerState, 'user')} = %s{lock}"  # noqa: S608 (identifiers only)


def locked_state(user_id: int) -> PlayerState | None:
    """The user's state, row-locked for the transaction, with the user's devices as they are under
    that lock (see `list_devices`); None if the user has none yet."""
    with driver_cursor() as cursor:
        cursor.execute(_locked_state_sql(connection.vendor), [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    state = STATE.make(row)
    list_devices(state, user_devices(user_id))
    return state


def list_devices(state: PlayerState, devices: list[Device]) -> None:
    """Give a locked state its user's devices (`state.listed_devices`), read once for the whole
    command: which went silent, which one a command names, and, after commit, the list its
    broadcast renders. Nothing else writes what devices show while the state is locked (commands
    change devices under that lock; heartbeats write only `last_seen_at`). `active_device` is made
    the listed instance, so a change to one is a change to the other."""
    state.listed_devices = devices
    if state.active_device_id is None:
        PlayerState.active_device.field.set_cached_value(state, None)
        return
    for device in devices:
        if device.pk == state.active_device_id:
            # Set through the descriptor's cache, as select_related does: reading it costs no query.
            PlayerState.active_device.field.set_cached_value(state, device)
            return
    # Unreachable under the lock (deleting a device clears the state's reference to it); were it
    # reached, no device is claimed: it is read on first use, as the ORM would.
    state._state.fields_cache.pop("active_device", None)


def _users_devices(columns: str, rest: str = "") -> str:
    """`SELECT columns` from one user's devices (alias d, the user the first parameter), then `rest`."""
    table, user = _quote(Device._meta.db_table), _column(Device, "user")
    return f"SELECT {columns} FROM {table} d WHERE d.{user} = %s{rest}"  # noqa: S608 (identifiers only, quoted)


@cache
def _devices_sql(vendor: str) -> str:
    return _users_devices(DEVICE.select_list(), f" ORDER BY d.{_quote('id')}")


def user_devices(user_id: int) -> list[Device]:
    with driver_cursor() as cursor:
        cursor.execute(_devices_sql(connection.vendor), [user_id])
        return [DEVICE.make(row) for row in cursor.fetchall()]


@cache
def _device_volume_sql(vendor: str) -> str:
    table = _quote(Device._meta.db_table)
    return f"UPDATE {table} SET {_column(Device, 'volume_percent')} = %s WHERE {_quote('id')} = %s"  # noqa: S608 (identifiers only)


def set_device_volume(device: Device, volume_percent: int) -> None:
    """That column only: a heartbeat may be writing the same row's `last_seen_at` meanwhile."""
    with driver_cursor() as cursor:
        cursor.execute(_device_volume_sql(connection.vendor), [volume_percent, device.pk])
    device.volume_percent = volume_percent


@cache
def _track_facts_sql(vendor: str) -> str:
    columns = ", ".join(_column(Track, name) for name in ("id", "public_id", "duration_ms"))
    return f"SELECT {columns} FROM {_quote(Track._meta.db_table)} WHERE {_column(Track, 'id')} = %s"  # noqa: S608 (identifiers only)


def track_facts(track_pk: int) -> TrackFacts | None:
    with driver_cursor() as cursor:
        cursor.execute(_track_facts_sql(connection.vendor), [track_pk])
        row = cursor.fetchone()
    return TrackFacts(*row) if row else None


@cache
def _devices_seen_sql(vendor: str) -> str:
    table, seen = _quote(Device._meta.db_table), _column(Device, "last_seen_at")
    user, device_id = _column(Device, "user"), _column(Device, "device_id")
    if vendor != "postgresql":
        # SQLite: run once per device (executemany), each an equality lookup on the unique index.
        return f"UPDATE {table} SET {seen} = %s WHERE {user} = %s AND {device_id} = %s"  # noqa: S608 (identifiers only)
    # PostgreSQL: one statement for the whole batch. The rows are locked in id order first, so two
    # processes' batches never wait on each other in a cycle; NO KEY UPDATE, as a plain UPDATE of a
    # non-key column locks, so a command's foreign-key check on a device (KEY SHARE, at its commit)
    # does not wait for a batch.
    return (
        f"UPDATE {table} d SET {seen} = %s FROM ("  # noqa: S608 (identifiers only)
        f"SELECT heard.{_quote('id')} FROM {table} heard"
        f" JOIN unnest(%s::bigint[], %s::text[]) AS h(user_id, device_id)"
        f" ON heard.{user} = h.user_id AND heard.{device_id} = h.device_id"
        f" ORDER BY heard.{_quote('id')} FOR NO KEY UPDATE OF heard"
        f") AS locked WHERE d.{_quote('id')} = locked.{_quote('id')}"
    )


def mark_devices_seen(devices: list[tuple[int, str]], seen_at) -> None:
    """`last_seen_at` of the listed (user pk, device id) devices, that column only; devices not
    listed (gone, or never there) are not created. Through the ORM, an OR of one condition per
    user, a batch of 33 devices took 4.4 ms to compile and run on SQLite (6.2 on PostgreSQL), on the
    thread every socket's commands wait for; this takes 0.3 ms on SQLite alone (1.1 on PostgreSQL),
    ~0.65 ms in bench_player_fanout's busy server, which traced the slowest changes to those
    writes. Django's cursor, not the driver's: `executemany` is the one call it makes."""
    if not devices:
        return
    value = Device._meta.get_field("last_seen_at").get_db_prep_value(seen_at, connection)
    sql = _devices_seen_sql(connection.vendor)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql, [value, [user for user, _ in devices], [device for _, device in devices]])
        else:
            cursor.executemany(sql, [(value, user, device) for user, device in devices])


def save_state(state: PlayerState) -> None:
    """Write every field of the (locked, existing) state row."""
    save_row(state)
