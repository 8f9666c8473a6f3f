from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from cercania.accounts.models import User
from cercania.privacy.append_only import append_only_suspended
from cercania.privacy.models import AuditEvent
from cercania.privacy.services import audit_purge_expired, audit_record

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 18, 0, tzinfo=UTC)


def record_at(moment: datetime, actor: User, object_public_id: str) -> AuditEvent:
    with time_machine.travel(moment, tick=False):
        return audit_record(
            actor=actor, action="view", object_type="cases.case", object_public_id=object_public_id
        )


@pytest.fixture
def rows(adviser: User) -> dict[str, AuditEvent]:
    """Rows 11 years, 10 years and a day, exactly 10 years, and a week old on NOW."""
    return {
        "eleven_years": record_at(NOW - timedelta(days=4015), adviser, "old1"),
        "just_expired": record_at(NOW - timedelta(days=3651), adviser, "old2"),
        "at_the_limit": record_at(NOW - timedelta(days=3650), adviser, "kept1"),
        "recent": record_at(NOW - timedelta(days=7), adviser, "kept2"),
    }


def remaining_ids() -> set[str]:
    return set(
        AuditEvent.objects.filter(object_type="cases.case").values_list(
            "object_public_id", flat=True
        )
    )


def raw_delete_is_refused() -> bool:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a table name, no input
    except IntegrityError:
        return True
    return False


class TestPurge:
    def test_it_deletes_only_rows_older_than_the_retention(self, rows) -> None:
        assert audit_purge_expired(now=NOW) == 2
        assert remaining_ids() == {"kept1", "kept2"}

    def test_it_reads_the_retention_setting(self, rows, settings) -> None:
        settings.AUDIT_RETENTION_DAYS = 30
        assert audit_purge_expired(now=NOW) == 3
        assert remaining_ids() == {"kept2"}

    def test_it_leaves_a_row_saying_how_many_and_up_to_when(self, rows) -> None:
        audit_purge_expired(now=NOW)
        note = AuditEvent.objects.get(object_type="privacy.auditevent")
        assert note.action == "delete" and note.actor is None
        assert note.detail == {"count": 2, "before": "2016-06-17"}

    def test_nothing_expired_leaves_no_row(self, adviser) -> None:
        record_at(NOW, adviser, "kept")
        assert audit_purge_expired(now=NOW) == 0
        assert AuditEvent.objects.count() == 1

    def test_the_database_refuses_deletes_again_after_the_purge(self, rows) -> None:
        audit_purge_expired(now=NOW)
        assert raw_delete_is_refused()
        assert remaining_ids() == {"kept1", "kept2"}

    def test_a_failure_inside_the_purge_window_restores_the_guard(self, rows) -> None:
        with transaction.atomic():
            with suppress(RuntimeError), append_only_suspended():
                raise RuntimeError("the purge failed halfway")
            assert raw_delete_is_refused()

    def test_a_bad_retention_setting_fails_loudly(self, settings) -> None:
        settings.AUDIT_RETENTION_DAYS = "ten years"
        with pytest.raises(ImproperlyConfigured):
            audit_purge_expired(now=NOW)


class TestPurgeCommand:
    def test_dry_run_counts_and_deletes_nothing(self, rows) -> None:
        output = StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("purge_audit", "--dry-run", stdout=output)
        assert output.getvalue().startswith("2 registros")
        assert "no se eliminó nada" in output.getvalue()
        assert remaining_ids() == {"old1", "old2", "kept1", "kept2"}
        assert not AuditEvent.objects.filter(object_type="privacy.auditevent").exists()

    def test_it_deletes_and_prints_the_count(self, rows) -> None:
        output = StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("purge_audit", stdout=output)
        assert output.getvalue().startswith(
            "2 registros de bitácora con más de 3650 días eliminados"
        )
        assert remaining_ids() == {"kept1", "kept2"}


class TestLoginLogPurge:
    """django-axes keeps the email typed, the IP and the browser of every sign-in; its
    rows go once older than LOGIN_LOG_RETENTION_DAYS (90 by default)."""

    @pytest.fixture
    def sign_ins(self) -> None:
        from cercania.accounts.roles import Role
        from cercania.accounts.services import staff_user_create

        staff_user_create(
            email="berta@example.mx",
            display_name="Berta",
            roles=[Role.JURIDICO],
            password="una contraseña larga de prueba",
        )

        def attempt(moment: datetime, ip: str, email: str, password: str) -> None:
            from django.test import Client

            with time_machine.travel(moment, tick=False):
                Client(REMOTE_ADDR=ip).post(
                    "/personal/entrar/", {"username": email, "password": password}
                )

        # A successful sign-in clears that email's attempt counters, and every sign-in
        # makes django-axes drop counters past their cool-off; written newest first, so
        # no later sign-in clears the old counters (as after a quiet month).
        right = "una contraseña larga de prueba"
        attempt(NOW - timedelta(days=1), "203.0.113.4", "berta@example.mx", right)
        attempt(NOW - timedelta(days=89), "203.0.113.3", "otra@example.mx", "mal")
        long_ago = NOW - timedelta(days=91)
        attempt(long_ago, "203.0.113.2", "berta@example.mx", right)
        attempt(long_ago, "203.0.113.1", "nadie@example.mx", "mal")
        attempt(long_ago, "203.0.113.1", "nadie@example.mx", "otra mal")

    @staticmethod
    def login_rows() -> dict[str, list[str]]:
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        return {
            model._meta.label_lower: sorted(model.objects.values_list("ip_address", flat=True))
            for model in (AccessFailureLog, AccessAttempt, AccessLog)
        }

    def test_the_sign_ins_left_rows_to_purge(self, sign_ins) -> None:
        rows = self.login_rows()
        assert rows["axes.accessfailurelog"] == ["203.0.113.1", "203.0.113.1", "203.0.113.3"]
        assert rows["axes.accesslog"] == ["203.0.113.2", "203.0.113.4"]
        assert rows["axes.accessattempt"] == ["203.0.113.1", "203.0.113.3"]

    def test_it_deletes_only_rows_older_than_the_retention(self, sign_ins) -> None:
        from cercania.privacy.services import login_logs_purge_expired

        before = self.login_rows()
        counts = login_logs_purge_expired(now=NOW)
        after = self.login_rows()
        assert after["axes.accessfailurelog"] == ["203.0.113.3"]
        assert after["axes.accesslog"] == ["203.0.113.4"]
        assert after["axes.accessattempt"] == ["203.0.113.3"]  # 89 days: kept
        assert counts == {label: len(before[label]) - len(after[label]) for label in before}
        assert counts == {"axes.accessfailurelog": 2, "axes.accessattempt": 1, "axes.accesslog": 1}

    def test_each_purge_leaves_an_audit_row_with_the_count_and_cut_off(self, sign_ins) -> None:
        from cercania.privacy.services import login_logs_purge_expired

        login_logs_purge_expired(now=NOW)
        notes = {
            row.object_type: row.detail
            for row in AuditEvent.objects.filter(object_type__startswith="axes.")
        }
        assert notes["axes.accessfailurelog"] == {"count": 2, "before": "2026-03-17"}
        assert notes["axes.accessattempt"] == {"count": 1, "before": "2026-03-17"}
        assert notes["axes.accesslog"] == {"count": 1, "before": "2026-03-17"}
        assert all(
            row.action == "delete" and row.actor is None
            for row in AuditEvent.objects.filter(object_type__startswith="axes.")
        )

    def test_it_reads_the_retention_setting(self, sign_ins, settings) -> None:
        from cercania.privacy.services import login_logs_purge_expired

        settings.LOGIN_LOG_RETENTION_DAYS = 2
        login_logs_purge_expired(now=NOW)
        assert self.login_rows() == {
            "axes.accessfailurelog": [],
            "axes.accessattempt": [],
            "axes.accesslog": ["203.0.113.4"],
        }

    def test_a_bad_retention_setting_fails_loudly(self, settings) -> None:
        from cercania.privacy.services import login_logs_purge_expired

        settings.LOGIN_LOG_RETENTION_DAYS = 0
        with pytest.raises(ImproperlyConfigured, match="LOGIN_LOG_RETENTION_DAYS"):
            login_logs_purge_expired(now=NOW)

    def test_the_command_dry_run_counts_and_deletes_nothing(self, sign_ins) -> None:
        before = self.login_rows()
        output = StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("purge_audit", "--dry-run", stdout=output)
        assert "4 registros de inicio de sesión con más de 90 días se eliminarían" in (
            output.getvalue()
        )
        assert self.login_rows() == before
        assert not AuditEvent.objects.filter(object_type__startswith="axes.").exists()

    def test_the_command_purges_them_with_the_audit_rows(self, sign_ins) -> None:
        output = StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("purge_audit", stdout=output)
        assert "4 registros de inicio de sesión con más de 90 días eliminados" in output.getvalue()
        assert self.login_rows()["axes.accessfailurelog"] == ["203.0.113.3"]
