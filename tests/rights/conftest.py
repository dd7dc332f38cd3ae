from __future__ import annotations

import pytest

from apps.accounts.models import Role
from tests.conftest import api_client_for
from tests.factories import UserFactory


@pytest.fixture
def staff_user(db):
    return UserFactory(email="staff@example.test", role=Role.STAFF)


@pytest.fixture
def staff_api(staff_user):
    return api_client_for(staff_user)
