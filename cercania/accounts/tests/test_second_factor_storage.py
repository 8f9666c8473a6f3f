"""A database dump must not let anyone mint second-factor codes: the TOTP seed is
ciphertext under the field key ring, recovery codes exist only as keyed hashes, and
devices stored by django-otp's plugins before are moved out of their plain tables."""

from __future__ import annotations

import re
from base64 import b32encode
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse

from cercania.accounts.models import RecoveryCode, RecoveryCodeDevice, StaffTOTPDevice, User
from cercania.accounts.services import staff_recovery_codes_generate, staff_totp_device_start
from cercania.accounts.testing import totp_code
from cercania.lib.crypto import FieldDecryptionError, generate_key_entry

from .helpers import log_in, verify

pytestmark = pytest.mark.django_db


def database_text() -> str:
    """Every value of every table as stored, lower-cased, in one string."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("utf-8", errors="ignore")
                    parts.append(str(value).lower())
    return "\n".join(parts)


def forms_of_the_seed(device: StaffTOTPDevice) -> list[str]:
    """The seed as hex (django-otp's column format) and as base32 (what apps take)."""
    return [device.key.lower(), b32encode(device.bin_key).decode().lower().rstrip("=")]


class TestTheTotpSeed:
    def test_it_is_ciphertext_in_the_database_and_a_working_key_in_the_app(
        self, adviser: User
    ) -> None:
        device = staff_totp_device_start(user=adviser)
        with connection.cursor() as cursor:
            cursor.execute("SELECT key FROM accounts_stafftotpdevice WHERE id = %s", [device.pk])
            (stored,) = cursor.fetchone()
        assert stored.startswith("v1:")
        again = StaffTOTPDevice.objects.get(pk=device.pk)
        assert len(again.bin_key) == 20 and again.key == device.key
        assert all(form not in database_text() for form in forms_of_the_seed(again))

    def test_without_the_right_key_ring_it_fails_loudly(self, adviser: User, settings) -> None:
        device = staff_totp_device_start(user=adviser)
        settings.FIELD_ENCRYPTION_KEYS = [generate_key_entry("otra")]
        with pytest.raises(FieldDecryptionError, match=r"stafftotpdevice\.key"):
            StaffTOTPDevice.objects.get(pk=device.pk)


class TestRecoveryCodes:
    def test_they_are_kept_only_as_keyed_hashes(self, adviser: User) -> None:
        codes = staff_recovery_codes_generate(user=adviser)
        assert len(set(codes)) == 10
        # 24 base32 characters: 120 random bits each.
        assert all(re.fullmatch(r"[a-z2-7]{24}", code) for code in codes)
        text = database_text()
        assert not any(code in text for code in codes)
        hashes = set(RecoveryCode.objects.values_list("code_hash", flat=True))
        assert len(hashes) == 10 and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)


class TestEnrolmentAndSignIn:
    def test_nothing_she_was_shown_at_enrolment_is_readable_in_the_database(
        self, client: Client, adviser: User
    ) -> None:
        with time_machine.travel("2026-12-01 16:00:05Z", tick=False) as clock:
            log_in(client, adviser.email)
            page = client.get(reverse("accounts:enrol"))
            shown_key = page.context["key"].replace(" ", "")
            device = StaffTOTPDevice.objects.get(user=adviser, confirmed=False)
            assert shown_key == b32encode(device.bin_key).decode()
            response = client.post(reverse("accounts:enrol"), {"code": totp_code(device)})
            codes = response.context["codes"]
            assert len(codes) == 10 and "-" in codes[0]

            text = database_text()
            assert shown_key.lower() not in text
            assert not any(form in text for form in forms_of_the_seed(device))
            assert not any(code.replace("-", "") in text or code in text for code in codes)

            # What she was shown works: the app's code once, each recovery code once.
            clock.shift(30)
            other = Client()
            log_in(other, adviser.email)
            code = totp_code(device)
            assert verify(other, code)["Location"] == reverse("accounts:home")
            third = Client()
            log_in(third, adviser.email)
            assert verify(third, code).status_code == 200  # the same code again: refused
            assert verify(third, codes[3].upper())["Location"] == reverse("accounts:home")
            fourth = Client()
            log_in(fourth, adviser.email)
            assert verify(fourth, codes[3]).status_code == 200
            assert RecoveryCode.objects.filter(device__user=adviser).count() == 9


class TestTheMoveFromDjangoOtpsPlainTables:
    """Migration accounts.0005 on a database that holds devices of django-otp's plugins
    (their tables are recreated here as django-otp 1.7 left them)."""

    SEED = "3132333435363738393031323334353637383930"  # RFC 6238's test key, in hex
    CODES = ("k7qzr2ma", "x3n5tfvb")

    def plugin_tables(self, user: User) -> None:
        device_columns = (
            "id integer PRIMARY KEY, user_id bigint NOT NULL, name varchar(64) NOT NULL, "
            "confirmed boolean NOT NULL, throttling_failure_timestamp timestamp with time zone, "
            "throttling_failure_count integer NOT NULL, created_at timestamp with time zone, "
            "last_used_at timestamp with time zone"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE otp_totp_totpdevice ({device_columns}, key varchar(80) NOT NULL, "
                "step smallint NOT NULL, t0 bigint NOT NULL, digits smallint NOT NULL, "
                "tolerance smallint NOT NULL, drift smallint NOT NULL, last_t bigint NOT NULL)"
            )
            cursor.execute(f"CREATE TABLE otp_static_staticdevice ({device_columns})")
            cursor.execute(
                "CREATE TABLE otp_static_statictoken (id integer PRIMARY KEY, "
                "device_id integer NOT NULL, token varchar(16) NOT NULL)"
            )
            cursor.execute(
                "INSERT INTO otp_totp_totpdevice VALUES "
                "(7, %s, 'Teléfono', %s, NULL, 2, '2025-03-01 10:00:00+00:00', NULL, "
                "%s, 30, 0, 6, 1, 0, 59000000)",
                [user.pk, True, self.SEED],
            )
            cursor.execute(
                "INSERT INTO otp_static_staticdevice VALUES "
                "(3, %s, 'Códigos', %s, NULL, 0, '2025-03-01 10:00:00+00:00', NULL)",
                [user.pk, True],
            )
            for n, code in enumerate(self.CODES, start=1):
                cursor.execute("INSERT INTO otp_static_statictoken VALUES (%s, 3, %s)", [n, code])

    def move(self) -> None:
        from importlib import import_module

        migration = import_module("cercania.accounts.migrations.0005_move_otp_devices")
        migration.move_devices(apps, SimpleNamespace(connection=connection))

    def test_it_encrypts_the_seed_hashes_the_codes_and_empties_the_plain_tables(
        self, adviser: User
    ) -> None:
        self.plugin_tables(adviser)
        self.move()

        device = StaffTOTPDevice.objects.get(user=adviser)
        assert device.key == self.SEED and device.confirmed and device.name == "Teléfono"
        assert (device.last_t, device.throttling_failure_count) == (59000000, 2)
        assert device.created_at is not None and device.created_at.year == 2025
        recovery = RecoveryCodeDevice.objects.get(user=adviser)
        assert recovery.codes.count() == 2
        text = database_text()
        assert self.SEED not in text and not any(code in text for code in self.CODES)
        with connection.cursor() as cursor:
            for table in ("otp_totp_totpdevice", "otp_static_staticdevice"):
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
                assert cursor.fetchone() == (0,)

    def test_the_moved_devices_still_sign_her_in(self, client: Client, adviser: User) -> None:
        self.plugin_tables(adviser)
        self.move()
        device = StaffTOTPDevice.objects.get(user=adviser)
        with time_machine.travel("2026-12-01 16:00:05Z", tick=False):
            log_in(client, adviser.email)
            assert verify(client, totp_code(device))["Location"] == reverse("accounts:home")
            other = Client()
            log_in(other, adviser.email)
            assert verify(other, self.CODES[1].upper())["Location"] == reverse("accounts:home")
        assert RecoveryCode.objects.filter(device__user=adviser).count() == 1

    def test_it_does_nothing_where_the_plugins_never_were(self, adviser: User) -> None:
        self.move()
        assert not StaffTOTPDevice.objects.exists() and not RecoveryCodeDevice.objects.exists()
