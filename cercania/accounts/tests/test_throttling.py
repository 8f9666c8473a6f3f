from __future__ import annotations

import pytest
import time_machine
from axes.models import AccessFailureLog
from django.test import Client
from django.urls import reverse

from cercania.accounts.models import StaffTOTPDevice, User

from .helpers import log_in

pytestmark = pytest.mark.django_db


def fail_five_times(client: Client, email: str) -> None:
    for _ in range(5):
        log_in(client, email, "no es la contraseña")


class TestLoginThrottling:
    def test_it_locks_the_user_and_ip_after_five_failures(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        for _ in range(4):
            assert log_in(client, adviser.email, "no es la contraseña").status_code == 200
        fifth = log_in(client, adviser.email, "no es la contraseña")
        assert fifth.status_code == 429
        assert "Demasiados intentos" in fifth.text
        assert "15 minutos" in fifth.text
        assert adviser.email not in fifth.text

        # Even the right password is refused during the cool-off.
        right = log_in(client, adviser.email)
        assert right.status_code == 429
        assert "_auth_user_id" not in client.session

    def test_it_unlocks_after_fifteen_minutes(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        fail_five_times(client, adviser.email)
        clock.shift(14 * 60)
        assert log_in(client, adviser.email).status_code == 429
        clock.shift(61)
        response = log_in(client, adviser.email)
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:verify")

    def test_it_counts_the_email_in_any_case_as_one_user(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        for email in ["ana@example.mx", "ANA@example.mx", "Ana@Example.mx", "ana@EXAMPLE.MX"]:
            log_in(client, email, "no es la contraseña")
        assert log_in(client, "aNa@example.mx", "no es la contraseña").status_code == 429

    def test_it_does_not_lock_her_out_from_another_address(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        fail_five_times(client, adviser.email)
        elsewhere = Client(REMOTE_ADDR="10.20.30.40")
        assert log_in(elsewhere, adviser.email).status_code == 302

    def test_it_does_not_lock_another_user_at_the_same_address(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        other_adviser: User,
    ) -> None:
        fail_five_times(client, adviser.email)
        assert log_in(client, other_adviser.email).status_code == 302

    def test_it_logs_every_failure(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        for _ in range(3):
            log_in(client, adviser.email, "no es la contraseña")
        assert AccessFailureLog.objects.filter(username=adviser.email).count() == 3

    def test_it_keeps_email_and_password_out_of_the_log_output(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level("DEBUG")
        fail_five_times(client, adviser.email)
        log_in(client, adviser.email)
        assert caplog.records
        assert adviser.email not in caplog.text
        assert "no es la contraseña" not in caplog.text
        assert "127.0.0.1" not in caplog.text
