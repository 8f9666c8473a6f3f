from __future__ import annotations

from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from cercania.accounts.models import User
from cercania.accounts.roles import Role
from cercania.accounts.services import staff_second_factor_verify, staff_user_create
from cercania.accounts.testing import totp_device_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_user() -> User:
    user = staff_user_create(
        email="juridico@demo.cercania.invalid", display_name="Demo", roles=[Role.JURIDICO]
    )
    totp_device_for(user)
    return user


def code_for(email: str) -> str:
    out = StringIO()
    call_command("demo_otp", email, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


class TestDemoOtp:
    def test_it_prints_a_code_that_signs_her_in(
        self, settings, clock: time_machine.Traveller, demo_user: User
    ) -> None:
        settings.DEBUG = True
        code = code_for("JURIDICO@demo.cercania.invalid")
        assert len(code) == 6 and code.isdigit()
        assert staff_second_factor_verify(user=demo_user, code=code) is not None

    def test_it_waits_for_the_next_code_when_this_one_was_used(
        self, settings, clock: time_machine.Traveller, demo_user: User, monkeypatch
    ) -> None:
        settings.DEBUG = True
        assert staff_second_factor_verify(user=demo_user, code=code_for(demo_user.email))
        monkeypatch.setattr("time.sleep", lambda seconds: clock.shift(seconds))
        assert staff_second_factor_verify(user=demo_user, code=code_for(demo_user.email))

    def test_it_refuses_to_run_with_debug_off(self, settings, demo_user: User) -> None:
        settings.DEBUG = False
        with pytest.raises(CommandError, match="CERCANIA_DEBUG"):
            call_command("demo_otp", demo_user.email)

    def test_it_refuses_an_account_outside_the_demo_domain(self, settings, adviser: User) -> None:
        settings.DEBUG = True
        totp_device_for(adviser)
        with pytest.raises(CommandError, match="demo accounts"):
            call_command("demo_otp", adviser.email)
        with pytest.raises(CommandError, match="demo accounts"):
            call_command("demo_otp", "juridico@demo.cercania.invalid.example.mx")
