"""Consumers' database calls keep one connection per process (apps.common.socketdb), and lose it
only when it breaks."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection

from apps.accounts.models import User
from apps.common.socketdb import close_socket_connections, socket_db
from tests.asyncrun import run_async
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _driver_connection():
    User.objects.exists()
    return connection.connection  # the driver's handle (kept alive here, so never reused)


def _break_it():
    connection.connection.close()  # as a database restart would: the next query fails


def test_calls_share_one_kept_connection_and_a_broken_one_is_replaced():
    UserFactory()

    async def scenario():
        first = await socket_db(_driver_connection)()
        second = await socket_db(_driver_connection)()
        await socket_db(_break_it)()
        with pytest.raises(DatabaseError):
            await socket_db(User.objects.count)()
        count = await socket_db(User.objects.count)()  # a new connection, the same process
        third = await socket_db(_driver_connection)()
        close_socket_connections()
        return first, second, count, third

    first, second, count, third = run_async(scenario())

    assert first is second
    assert count == 1
    assert third is not first
