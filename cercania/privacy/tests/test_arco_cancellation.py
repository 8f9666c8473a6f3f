"""Cancellation: her records are blocked when the request is granted, and her personal
data erased when it is executed. Afterwards the sentinel values put in every field she
filled are nowhere in the database, raw or decrypted, and the indicators are equal."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth

from cercania.cases.models import Case, Contact, Person, Referral
from cercania.lib import codes
from cercania.lib.fields import encrypted_fields_by_model
from cercania.privacy.models import ArcoRequest, ArcoStatus, AuditEvent, Consent, RetentionBlock
from cercania.privacy.selectors import not_blocked, person_records
from cercania.privacy.services import SUPPRESSED, BlockReason, person_erase
from cercania.scheduling.models import Appointment

pytestmark = pytest.mark.django_db

# Every free-text and contact value she gave carries at least one of these.
SENTINELS = ("zuleima", "centinela", "qxvz", "5550199")
SENTINEL_TEXTS = {
    "name": "Zuleima Centinela",
    "phone": "614 555 0199",
    "email": "zuleima.centinela@example.org",
    "code_name": "Qxvz la prima",
    "what_may_be_said": "Que llama la tintorería Qxvz",
    "cancel_reason": "Qxvz: su pareja la vigila",
    "summary": "Zuleima narra violencia de su pareja (Qxvz).",
    "referral_reason": "Centinela: acompañamiento en la denuncia",
    "task": "Llamar a Zuleima Qxvz",
    "arco": "Zuleima Centinela pide que borren sus datos. Qxvz",
}


def _cells(value: Any) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="ignore").lower()
    return str(value).lower()


def raw_hits() -> list[tuple[str, str]]:
    """Every (table, sentinel) found anywhere in the database, column by column, as
    stored: plain columns, JSON, session data… (ciphertext never matches)."""
    hits: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if value is None:
                        continue
                    text = _cells(value)
                    hits.extend((table, s) for s in SENTINELS if s in text)
    return hits


def decrypted_hits() -> list[tuple[str, str]]:
    """Every (model.field, sentinel) found in an encrypted column, read through the ORM."""
    hits: list[tuple[str, str]] = []
    for model, fields in encrypted_fields_by_model().items():
        for row in model._base_manager.all():
            for field in fields:
                text = (getattr(row, field.attname) or "").lower()
                hits.extend(
                    (f"{model._meta.label_lower}.{field.name}", s) for s in SENTINELS if s in text
                )
    return hits


def grouped(queryset, *fields: str) -> list[tuple]:
    return sorted(
        tuple(row.values()) for row in queryset.values(*fields).annotate(n=Count("id")).order_by()
    )


def indicators() -> dict[str, Any]:
    """The totals the reports build on: per service, status, area, kind and month."""
    appointments = Appointment.objects.annotate(month=TruncMonth("starts_at"))
    return {
        "people": Person.objects.count(),
        "appointments": grouped(appointments, "service__code", "status", "modality", "month"),
        "cases": grouped(Case.objects, "area", "status", "opened_on"),
        "contacts": grouped(Contact.objects, "kind", "result", "duration_minutes", "line__code"),
        "referrals": grouped(Referral.objects, "institution__name", "status", "basis"),
        "consents": grouped(Consent.objects, "purpose", "notice_version"),
        "people_by_origin": grouped(Person.objects, "created_via", "birth_year", "municipality"),
    }


def detail_url(arco: ArcoRequest, action: str) -> str:
    return f"/personal/privacidad/arco/{arco.public_id}/{action}/"


@pytest.fixture
def hers(her_records):
    return her_records(SENTINEL_TEXTS, right=ArcoRequest.Right.CANCELLATION)


@pytest.fixture
def someone_else(book, legal_service, time_machine, hers):
    """Another woman booked on another day: nothing of hers may change."""
    from cercania.conftest import local

    from .records import BOOKED_AT

    time_machine.move_to(BOOKED_AT, tick=False)
    booking = book(legal_service, local(2026, 12, 3, 9), name="Beatriz Soto", phone="614 111 2233")
    from .records import AFTER_SESSION

    time_machine.move_to(AFTER_SESSION, tick=False)
    return booking.appointment.person


@pytest.fixture
def client_(verified_client, coordinator, hers, someone_else):
    return verified_client(coordinator)


def grant_and_execute(client, arco: ArcoRequest) -> None:
    client.post(detail_url(arco, "responder"), {"decision": "grant", "reason": "Procede."})
    assert ArcoRequest.objects.get(pk=arco.pk).status == ArcoStatus.GRANTED
    client.post(detail_url(arco, "ejecutar"))
    assert ArcoRequest.objects.get(pk=arco.pk).status == ArcoStatus.EXECUTED


class TestBeforeExecution:
    def test_the_sentinels_are_there_to_be_found(self, hers) -> None:
        # The search below would otherwise prove nothing.
        found_raw = {s for _, s in raw_hits()}
        found_decrypted = {where for where, _ in decrypted_hits()}
        # Every free text she gave is encrypted, so a dump taken before the erasure
        # shows none of it either; the decrypted search finds each one.
        assert found_raw == set()
        assert {
            "cases.person.what_may_be_said",
            "scheduling.appointment.cancel_reason",
            "cases.person.name",
            "cases.person.phone",
            "cases.person.email",
            "cases.person.code_name",
            "cases.contact.summary",
            "cases.referral.reason",
            "cases.followup.task",
            "privacy.arcorequest.description",
        } <= found_decrypted

    def test_granting_blocks_her_and_every_record_about_her(self, hers, client_) -> None:
        client_.post(detail_url(hers.arco, "responder"), {"decision": "grant", "reason": "Sí."})
        person = hers.person
        assert not not_blocked(Person.objects.filter(pk=person.pk)).exists()
        assert not not_blocked(Appointment.objects.filter(person=person)).exists()
        assert not not_blocked(Referral.objects.filter(case__person=person)).exists()
        blocked = set(RetentionBlock.objects.values_list("object_type", "object_pk"))
        for model, rows in person_records(person).items():
            for row in rows:
                assert (model._meta.label_lower, row.pk) in blocked
        assert not RetentionBlock.objects.filter(erased_at__isnull=False).exists()
        # Her data is still all there until the request is executed.
        assert Person.objects.get(pk=person.pk).name == "Zuleima Centinela"


class TestExecution:
    def test_no_sentinel_is_left_anywhere_in_the_database(self, hers, client_) -> None:
        grant_and_execute(client_, hers.arco)
        assert raw_hits() == []
        assert decrypted_hits() == []

    def test_the_indicator_totals_are_the_same(self, hers, client_) -> None:
        before = indicators()
        grant_and_execute(client_, hers.arco)
        assert indicators() == before

    def test_her_record_keeps_only_what_statistics_need(self, hers, client_) -> None:
        grant_and_execute(client_, hers.arco)
        person = Person.objects.get(pk=hers.person.pk)
        assert person.name == SUPPRESSED
        assert person.phone == person.email == person.code_name == ""
        assert person.phone_hash == person.email_hash == ""
        assert person.what_may_be_said == ""
        assert not any(
            (person.may_call, person.may_leave_voicemail, person.may_sms, person.may_email)
        )
        assert person.folio == hers.person.folio
        assert Contact.objects.get(pk=hers.contact.pk).phone_hash == ""
        assert Referral.objects.get(pk=hers.referral.pk).reason == SUPPRESSED

    def test_her_manage_link_stops_working(self, hers, client_) -> None:
        grant_and_execute(client_, hers.arco)
        assert not Appointment.objects.filter(
            manage_token_hash=codes.token_hash(hers.token)
        ).exists()

    def test_her_consents_end(self, hers, client_) -> None:
        grant_and_execute(client_, hers.arco)
        assert not Consent.objects.filter(person=hers.person, withdrawn_at__isnull=True).exists()

    def test_every_step_is_audited(self, hers, client_, coordinator) -> None:
        grant_and_execute(client_, hers.arco)
        deletes = AuditEvent.objects.filter(action="delete", actor=coordinator)
        assert {e.object_type for e in deletes} >= {
            "cases.person",
            "scheduling.appointment",
            "cases.case",
            "cases.contact",
            "cases.referral",
            "cases.followup",
            "privacy.consent",
            "privacy.arcorequest",
        }
        assert all(e.detail["reason"] == "arco_cancellation" for e in deletes)
        person_row = deletes.get(object_type="cases.person")
        assert {"name", "phone", "email", "code_name", "phone_hash", "email_hash"} <= set(
            person_row.detail["fields"]
        )
        blocks = AuditEvent.objects.filter(action="change", detail__status="blocked")
        assert blocks.count() == RetentionBlock.objects.count()
        assert not RetentionBlock.objects.filter(erased_at__isnull=True).exists()

    def test_nothing_of_another_woman_changes(self, hers, someone_else, client_) -> None:
        grant_and_execute(client_, hers.arco)
        other = Person.objects.get(pk=someone_else.pk)
        assert other.name == "Beatriz Soto" and other.phone == "+526141112233"
        assert not RetentionBlock.objects.filter(
            object_type="cases.person", object_pk=other.pk
        ).exists()
        assert not_blocked(Appointment.objects.filter(person=other)).count() == 1

    def test_erasing_again_changes_nothing(self, hers, client_, coordinator) -> None:
        grant_and_execute(client_, hers.arco)
        count = AuditEvent.objects.count()
        again = person_erase(
            person=hers.person, actor=coordinator, reason=BlockReason.ARCO_CANCELLATION
        )
        assert again.total == 0
        assert AuditEvent.objects.count() == count

    def test_the_request_itself_stays_as_proof_of_the_answer(self, hers, client_) -> None:
        grant_and_execute(client_, hers.arco)
        arco = ArcoRequest.objects.get(pk=hers.arco.pk)
        assert arco.right == "cancellation" and arco.executed_on is not None
        assert arco.description == SUPPRESSED
        response = client_.get(f"/personal/privacidad/arco/{arco.public_id}/")
        assert response.status_code == 200
