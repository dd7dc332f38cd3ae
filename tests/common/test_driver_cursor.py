"""apps.common.driver_cursor: the driver's cursor answers as Django's would, fails as Django's
would, and steps aside wherever Django records or intercepts statements. Run on both databases
(the services-mode CI runs this file on PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from apps.common.driver_cursor import DriverCursor, driver_cursor
from apps.playback.models import Device
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# One placeholder, a literal percent sign written as Django's SQL writes it, and a parameter
# holding "%s" that must reach the database as text, not as a placeholder.
STATEMENT = "SELECT %s, 'a%%b', %s"
PARAMS = [7, "100%s"]


def test_rows_are_those_of_djangos_cursor():
    with connection.cursor() as cursor:
        cursor.execute(STATEMENT, PARAMS)
        expected = cursor.fetchall()
    with driver_cursor() as cursor:
        assert isinstance(cursor, DriverCursor)
        cursor.execute(STATEMENT, PARAMS)
        assert cursor.fetchall() == expected == [(7, "a%b", "100%s")]


def test_it_writes_in_the_surrounding_transaction_and_reports_the_rows_written():
    device = Device.objects.create(user=UserFactory(), device_id="tab", name="Tab", last_seen_at="2026-01-01T00:00Z")
    with transaction.atomic():
        with driver_cursor() as cursor:
            cursor.execute('UPDATE "playback_device" SET "name" = %s WHERE "id" = %s', ["Renamed", device.pk])
            assert cursor.rowcount == 1
        transaction.set_rollback(True)  # undone with the transaction it ran in
    device.refresh_from_db()
    assert device.name == "Tab"


def test_a_failed_statement_raises_djangos_error_and_flags_the_connection():
    connection.errors_occurred = False
    try:
        with pytest.raises(DatabaseError), transaction.atomic(), driver_cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table WHERE id = %s", [1])
        assert connection.errors_occurred  # what apps.common.socketdb drops failed connections by
    finally:
        connection.errors_occurred = False


def test_a_statement_without_parameters_is_run_as_written():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'a%%b'")
        expected = cursor.fetchone()
    with driver_cursor() as cursor:
        cursor.execute("SELECT 'a%%b'")
        assert cursor.fetchone() == expected


def test_a_transaction_marked_for_rollback_refuses_further_statements():
    with transaction.atomic():
        transaction.set_rollback(True)
        with pytest.raises(TransactionManagementError), driver_cursor() as cursor:
            cursor.execute("SELECT %s", [1])


def test_logged_and_wrapped_statements_go_through_djangos_cursor():
    with CaptureQueriesContext(connection) as queries, driver_cursor() as cursor:
        assert not isinstance(cursor, DriverCursor)
        cursor.execute(STATEMENT, PARAMS)
    assert len(queries) == 1 and "a%b" in queries[0]["sql"]

    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper), driver_cursor() as cursor:
        cursor.execute(STATEMENT, PARAMS)
    assert seen == [STATEMENT]
