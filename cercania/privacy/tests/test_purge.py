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
