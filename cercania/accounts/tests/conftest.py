from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from cercania.accounts.models import StaffTOTPDevice, User
from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.accounts.testing import totp_device_for

from .helpers import PASSWORD, START


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Frozen time (TOTP codes depend on it); move it with clock.shift(seconds)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def adviser(db: None) -> User:
    return staff_user_create(
        email="ana@example.mx",
        display_name="Ana Jurídico",
        roles=[Role.JURIDICO],
        password=PASSWORD,
    )


@pytest.fixture
def adviser_device(adviser: User) -> StaffTOTPDevice:
    return totp_device_for(adviser)


@pytest.fixture
def other_adviser(db: None) -> User:
    return staff_user_create(
        email="berta@example.mx",
        display_name="Berta Jurídico",
        roles=[Role.JURIDICO],
        password=PASSWORD,
    )
