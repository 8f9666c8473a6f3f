"""Retention: records are blocked when their purpose ends and anonymised after the
retention period, per record type; a dry run changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from cercania.cases.models import Contact, Person
from cercania.cases.services import contact_record
from cercania.conftest import local
from cercania.privacy.models import ArcoRequest, AuditEvent, RetentionBlock
from cercania.privacy.retention import retention_plan, retention_rules, retention_run
from cercania.privacy.selectors import not_blocked
from cercania.privacy.services import SUPPRESSED, arco_request_register
from cercania.scheduling.models import Appointment
from cercania.scheduling.services import appointment_cancel

pytestmark = pytest.mark.django_db

BOOKED_AT = local(2026, 11, 29, 18, 0)
SESSION = local(2026, 12, 1, 9)
RULES = {
    "scheduling.appointment": {
        "block_after_days": 30,
        "delete_after_days": 60,
        "date_field": "ends_at",
    },
    "cases.person": {"block_after_days": 30, "delete_after_days": 90, "date_field": "created_at"},
}


@pytest.fixture(autouse=True)
def rules(settings):
    settings.RETENTION_RULES = RULES


@pytest.fixture
def booked(time_machine, book, legal_service, make_advisor):
    """Her session on 1 December, cancelled with a reason she gave."""
    make_advisor()
    time_machine.move_to(BOOKED_AT, tick=False)
    booking = book(
        legal_service, SESSION, name="Ana Retención", phone="614 222 3344", now=BOOKED_AT
    )
    appointment_cancel(appointment=booking.appointment, reason="Se cambió de ciudad")
    return booking


def days_after_session(time_machine, days: int) -> None:
    time_machine.move_to(SESSION + timedelta(days=days), tick=False)


def plan() -> dict[str, tuple[int, int]]:
    return {line.object_type: (line.to_block, line.to_delete) for line in retention_plan()}


def snapshot() -> tuple:
    return (
        RetentionBlock.objects.count(),
        AuditEvent.objects.count(),
        list(Person.objects.values_list("name", "phone", "phone_hash")),
        list(Appointment.objects.values_list("cancel_reason", "manage_token_hash", "status")),
    )


class TestDryRun:
    def test_nothing_is_due_while_the_purpose_lasts(self, booked, time_machine) -> None:
        days_after_session(time_machine, 10)
        assert plan() == {"cases.person": (0, 0), "scheduling.appointment": (0, 0)}

    def test_it_counts_what_would_be_blocked_and_changes_nothing(
        self, booked, time_machine
    ) -> None:
        days_after_session(time_machine, 45)
        before = snapshot()
        lines = retention_run(dry_run=True)
        assert {line.object_type: (line.to_block, line.to_delete) for line in lines} == {
            "cases.person": (1, 0),
            "scheduling.appointment": (1, 0),
        }
        assert snapshot() == before

    def test_the_command_prints_the_counts_and_changes_nothing(self, booked, time_machine) -> None:
        days_after_session(time_machine, 75)
        before = snapshot()
        out = StringIO()
        call_command("retention", "--dry-run", stdout=out)
        assert "scheduling.appointment: 1 se bloquearían, 1 se suprimirían" in out.getvalue()
        assert "cases.person: 1 se bloquearían, 0 se suprimirían" in out.getvalue()
        assert "simulación" in out.getvalue()
        assert snapshot() == before


class TestRun:
    def test_it_blocks_after_the_block_period(self, booked, time_machine) -> None:
        days_after_session(time_machine, 45)
        retention_run()
        appointment, person = booked.appointment, booked.appointment.person
        assert not not_blocked(Appointment.objects.filter(pk=appointment.pk)).exists()
        assert not not_blocked(Person.objects.filter(pk=person.pk)).exists()
        # Blocked is not erased: her data is intact, only out of everyday views.
        assert Person.objects.get(pk=person.pk).name == "Ana Retención"
        assert Appointment.objects.get(pk=appointment.pk).cancel_reason == "Se cambió de ciudad"
        assert (
            AuditEvent.objects.filter(
                action="change", detail__status="blocked", detail__reason="retention"
            ).count()
            == 2
        )

    def test_a_second_run_blocks_nothing_new(self, booked, time_machine) -> None:
        days_after_session(time_machine, 45)
        retention_run()
        assert plan() == {"cases.person": (0, 0), "scheduling.appointment": (0, 0)}
        assert {line.to_block for line in retention_run()} == {0}

    def test_it_anonymises_a_record_after_its_retention_period(self, booked, time_machine) -> None:
        days_after_session(time_machine, 75)
        out = StringIO()
        call_command("retention", stdout=out)
        assert "scheduling.appointment: 1 bloqueados, 1 suprimidos" in out.getvalue()
        appointment = Appointment.objects.get(pk=booked.appointment.pk)
        assert appointment.cancel_reason == ""
        assert appointment.status == Appointment.Status.CANCELLED_BY_HER  # statistics stay
        assert appointment.manage_token_hash != booked.appointment.manage_token_hash
        # Her own record follows its own, longer period.
        assert Person.objects.get(pk=appointment.person_id).name == "Ana Retención"

    def test_the_person_is_erased_after_hers(self, booked, time_machine) -> None:
        days_after_session(time_machine, 100)
        retention_run()
        person = Person.objects.get(pk=booked.appointment.person_id)
        assert person.name == SUPPRESSED and person.phone == "" and person.phone_hash == ""
        assert RetentionBlock.objects.filter(erased_at__isnull=False).count() == 2
        assert AuditEvent.objects.filter(action="delete", detail__reason="retention").count() == 2

    def test_a_recent_record_about_her_keeps_her_out_of_it(
        self, booked, time_machine, book, legal_service
    ) -> None:
        # She booked again: her person record is not due while that session is recent.
        days_after_session(time_machine, 40)
        again = book(
            legal_service,
            local(2027, 1, 12, 9),
            name="Ana Retención",
            phone="614 222 3344",
        ).appointment
        from cercania.cases.services import person_merge

        person_merge(source=again.person, target=booked.appointment.person, actor=None)
        days_after_session(time_machine, 45)
        assert plan() == {"cases.person": (0, 0), "scheduling.appointment": (1, 0)}

    def test_an_open_case_keeps_her_and_the_case_out_of_it(
        self, booked, time_machine, settings, coordinator
    ) -> None:
        from cercania.cases.services import case_open

        settings.RETENTION_RULES = {
            **RULES,
            "cases.case": {
                "block_after_days": 30,
                "delete_after_days": 60,
                "date_field": "closed_on",
            },
        }
        case_open(person=booked.appointment.person, area="legal", actor=coordinator)
        days_after_session(time_machine, 400)
        assert plan()["cases.person"] == (0, 0)
        assert plan()["cases.case"] == (0, 0)

    def test_she_is_not_erased_while_an_arco_request_of_hers_is_open(
        self, booked, time_machine, coordinator
    ) -> None:
        days_after_session(time_machine, 100)
        arco_request_register(
            right=ArcoRequest.Right.ACCESS,
            received_on=date(2027, 3, 1),
            description="Copia de sus datos.",
            person=booked.appointment.person,
            by=coordinator,
        )
        assert plan()["cases.person"] == (1, 0)
        retention_run()
        assert Person.objects.get(pk=booked.appointment.person_id).name == "Ana Retención"


class TestNotBlocked:
    def test_a_call_not_linked_to_anyone_stays_visible(
        self, booked, time_machine, coordinator, legal_service
    ) -> None:
        days_after_session(time_machine, 45)
        anonymous = contact_record(
            staff=coordinator,
            kind=Contact.Kind.INCOMING_CALL,
            started_at=SESSION + timedelta(days=44),
            result=Contact.Result.ORIENTATION,
            line=legal_service,
        )
        retention_run()
        assert list(not_blocked(Contact.objects.all())) == [anonymous]


class TestRules:
    def test_the_defaults_cover_appointments_contacts_cases_and_people(self, settings) -> None:
        del settings.RETENTION_RULES
        assert set(retention_rules()) == {
            "scheduling.appointment",
            "cases.contact",
            "cases.case",
            "cases.person",
        }

    def test_a_type_not_installed_is_reported_and_skipped(self, settings, institute_config):
        settings.RETENTION_RULES = {
            **RULES,
            "archive.box": {"block_after_days": 1, "delete_after_days": 2, "date_field": "x"},
        }
        line = next(line for line in retention_run() if line.object_type == "archive.box")
        assert not line.installed

    @pytest.mark.parametrize(
        "rule",
        [
            {"block_after_days": 30, "delete_after_days": 10, "date_field": "ends_at"},
            {"block_after_days": 0, "delete_after_days": 10, "date_field": "ends_at"},
            {"block_after_days": 30, "delete_after_days": 60, "date_field": "reference"},
            {"block_after_days": 30, "delete_after_days": 60},
        ],
    )
    def test_a_malformed_rule_fails_loudly(self, settings, rule) -> None:
        settings.RETENTION_RULES = {"scheduling.appointment": rule}
        with pytest.raises(ImproperlyConfigured):
            retention_rules()
