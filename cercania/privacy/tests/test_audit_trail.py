from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory

from cercania.accounts.models import User
from cercania.privacy.models import AppendOnlyError, AuditEvent
from cercania.privacy.services import access_log_view, audit_export, audit_record

pytestmark = pytest.mark.django_db

only_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the PostgreSQL trigger"
)
only_sqlite = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the SQLite triggers")


@pytest.fixture
def request_from(rf: RequestFactory):
    def make(user: User, ip: str = "198.51.100.23"):
        request = rf.get("/personal/", REMOTE_ADDR=ip)
        request.user = user
        return request

    return make


@pytest.fixture
def event(adviser: User) -> AuditEvent:
    return audit_record(
        actor=adviser,
        action=AuditEvent.Action.CHANGE,
        object_type="cases.case",
        object_public_id="4b0f5e3c-1d7a-4a43-9a55-2f0f4d7c2a10",
        detail={"fields": ["status"]},
    )


class TestRecording:
    def test_it_records_who_with_her_role_what_when_and_where(
        self, adviser: User, request_from
    ) -> None:
        event = audit_record(
            actor=adviser,
            action=AuditEvent.Action.CHANGE,
            obj=adviser,
            request=request_from(adviser),
            detail={"fields": ["display_name", "email"]},
        )
        event = AuditEvent.objects.get(pk=event.pk)
        assert event.actor == adviser
        assert event.actor_label == "ana@example.mx"
        assert event.actor_role == "juridico"
        assert event.action == "change"
        assert event.object_type == "accounts.user"
        assert event.object_public_id == str(adviser.public_id)
        assert event.ip == "198.51.100.23"
        assert event.occurred_at.utcoffset() == timedelta(0)
        assert event.detail == {"fields": ["display_name", "email"]}

    def test_a_read_is_logged_as_a_view_of_the_signed_in_user(
        self, coordinator: User, adviser: User, request_from
    ) -> None:
        event = access_log_view(request=request_from(coordinator, "2001:db8::1"), obj=adviser)
        assert (event.actor, event.action, event.actor_role) == (
            coordinator,
            "view",
            "coordinacion",
        )
        assert event.ip == "2001:db8::1"

    def test_an_export_records_format_rows_and_filters(
        self, coordinator: User, request_from
    ) -> None:
        from datetime import date

        event = audit_export(
            request=request_from(coordinator),
            object_type="reports.indicators",
            export_format="xlsx",
            rows=42,
            filters={"date_from": date(2026, 1, 1), "service": "juridico"},
        )
        assert event.action == "export" and event.actor == coordinator
        assert event.detail == {
            "format": "xlsx",
            "rows": 42,
            "filters": {"date_from": "2026-01-01", "service": "juridico"},
        }

    def test_a_system_action_has_no_actor(self) -> None:
        event = audit_record(actor=None, action=AuditEvent.Action.DELETE, object_type="cases.case")
        assert event.actor is None and event.actor_label == "" and event.ip is None

    def test_a_proxy_name_instead_of_an_ip_is_not_stored(self, adviser, request_from) -> None:
        event = audit_record(
            actor=adviser,
            action="view",
            object_type="cases.case",
            request=request_from(adviser, "unknown"),
        )
        assert event.ip is None

    def test_it_refuses_an_unknown_action(self, adviser: User) -> None:
        with pytest.raises(ValidationError):
            audit_record(actor=adviser, action="read", object_type="cases.case")


class TestDetailNeverHoldsContent:
    @pytest.mark.parametrize(
        "detail",
        [
            {"fields": ["x" * 201]},
            {"reason": "Su pareja la golpeó el sábado frente a sus hijos"},
            {"filters": {"q": "maria.lopez@example.com"}},
            {"filters": {"phone": "6141234567"}},
            {"summary": "ok"},
            {"fields": [{"name": "Ana"}]},
            {"fields": ["status"] * 101},
        ],
        ids=["long", "free-text", "email", "phone", "unknown-key", "nested-value", "too-many"],
    )
    def test_it_refuses_a_value_that_looks_like_content(self, adviser: User, detail) -> None:
        with pytest.raises(ValidationError):
            audit_record(actor=adviser, action="change", object_type="cases.case", detail=detail)
        assert not AuditEvent.objects.exists()

    def test_it_accepts_field_names_codes_counts_and_ids(self, adviser: User) -> None:
        detail = {
            "fields": ["status", "assignee"],
            "previous_status": "open",
            "status": "closed",
            "count": 3,
            "into": "4b0f5e3c-1d7a-4a43-9a55-2f0f4d7c2a10",
            "via": "web",
        }
        assert audit_record(
            actor=adviser, action="merge", object_type="cases.person", detail=detail
        )


class TestAppendOnlyInTheOrm:
    def test_saving_an_existing_row_is_refused(self, event: AuditEvent) -> None:
        event.object_type = "cases.person"
        with pytest.raises(AppendOnlyError):
            event.save()
        assert AuditEvent.objects.get(pk=event.pk).object_type == "cases.case"

    def test_deleting_a_row_is_refused(self, event: AuditEvent) -> None:
        with pytest.raises(AppendOnlyError):
            event.delete()
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_queryset_update_and_delete_are_refused(self, event: AuditEvent) -> None:
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.filter(pk=event.pk).update(action="view")
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.all().delete()
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.bulk_update([event], ["action"])
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.bulk_create(
                [AuditEvent(public_id=event.public_id, action="view")],
                update_conflicts=True,
                unique_fields=["public_id"],
                update_fields=["action"],
            )
        assert AuditEvent.objects.get(pk=event.pk).action == "change"

    def test_a_user_with_audit_rows_cannot_be_deleted(self, event: AuditEvent, adviser) -> None:
        from django.db.models import ProtectedError

        with pytest.raises(ProtectedError):
            adviser.delete()


def raw(sql: str, params: list, *, purge_setting: bool = False) -> None:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if purge_setting:
            cursor.execute("SELECT set_config('cercania.audit_purge', 'on', true)")
        cursor.execute(sql.format(table=table), params)


class TestAppendOnlyInTheDatabase:
    @only_postgresql
    def test_postgresql_refuses_a_raw_update(self, event: AuditEvent) -> None:
        with pytest.raises(IntegrityError, match="append-only"):
            raw("UPDATE {table} SET action = 'view' WHERE id = %s", [event.pk])
        assert AuditEvent.objects.get(pk=event.pk).action == "change"

    @only_postgresql
    def test_postgresql_refuses_a_raw_delete(self, event: AuditEvent) -> None:
        with pytest.raises(IntegrityError, match="append-only"):
            raw("DELETE FROM {table} WHERE id = %s", [event.pk])
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    @only_postgresql
    def test_postgresql_refuses_an_update_even_with_the_purge_setting(
        self, event: AuditEvent
    ) -> None:
        with pytest.raises(IntegrityError, match="append-only"):
            raw("UPDATE {table} SET action = 'view' WHERE id = %s", [event.pk], purge_setting=True)

    @only_sqlite
    def test_sqlite_refuses_a_raw_update(self, event: AuditEvent) -> None:
        with pytest.raises(IntegrityError, match="append-only"):
            raw("UPDATE {table} SET action = 'view' WHERE id = %s", [event.pk])
        assert AuditEvent.objects.get(pk=event.pk).action == "change"

    @only_sqlite
    def test_sqlite_refuses_a_raw_delete(self, event: AuditEvent) -> None:
        with pytest.raises(IntegrityError, match="append-only"):
            raw("DELETE FROM {table} WHERE id = %s", [event.pk])
        assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_flushing_the_test_database_empties_the_audit_table_too(adviser: User) -> None:
    # The assertion is the teardown: the test runner's flush must pass the triggers.
    audit_record(actor=adviser, action="view", object_type="cases.case")
    assert AuditEvent.objects.count() == 1
