"""Sensitive fields are ciphertext in the database, plaintext through the app, and a
person is found by phone through the keyed hash without decrypting anyone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from cercania.cases.models import Area, Contact, Person, RiskAssessment, RiskInstrument
from cercania.cases.selectors import persons_by_phone, risk_answers
from cercania.cases.services import contact_record, risk_assessment_complete

pytestmark = pytest.mark.django_db


def raw_row(table: str, columns: str, pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


class TestPersonFields:
    def test_name_phone_email_and_code_name_are_ciphertext_in_the_database(self, make_person):
        person = make_person(
            "Rosa Elvira Chávez",
            phone="614 222 3344",
            email="Rosa@Example.org",
            code_name="Tía Mago",
        )
        row = raw_row("cases_person", "name, phone, email, code_name", person.pk)
        assert all(value.startswith("v1:") for value in row)
        joined = " ".join(row)
        for plaintext in ("Rosa", "Chávez", "6142223344", "+526142223344", "example.org", "Tía"):
            assert plaintext not in joined

    def test_they_are_readable_through_the_app(self, make_person):
        person = make_person("Rosa Elvira Chávez", phone="614 222 3344", email="Rosa@Example.org")
        again = Person.objects.get(pk=person.pk)
        assert again.name == "Rosa Elvira Chávez"
        assert again.phone == "+526142223344"
        assert again.email == "rosa@example.org"

    def test_they_are_readable_on_her_page(self, make_person, coordinator, client_for):
        person = make_person("Rosa Elvira Chávez", phone="614 222 3344")
        response = client_for(coordinator).get(
            f"/personal/expedientes/personas/{person.public_id}/"
        )
        assert response.status_code == 200
        assert "Rosa Elvira Chávez" in response.text

    def test_she_is_found_by_phone_through_the_keyed_hash_whatever_the_format(self, make_person):
        person = make_person("Rosa", phone="614 222 3344")
        make_person("Otra", phone="614 999 0000")
        for typed in ("6142223344", "(614) 222-33-44", "+52 614 222 3344"):
            assert persons_by_phone(typed) == [person]

    def test_the_hash_is_not_the_number(self, make_person):
        person = make_person("Rosa", phone="614 222 3344")
        assert "6142223344" not in person.phone_hash and len(person.phone_hash) == 64


class TestCaseFields:
    def test_a_contact_summary_is_ciphertext_in_the_database(self, make_case, lawyer):
        case = make_case(assignee=lawyer)
        contact = contact_record(
            staff=lawyer,
            kind=Contact.Kind.PHONE_SESSION,
            started_at=timezone.now(),
            result=Contact.Result.ORIENTATION,
            summary="Quiere pedir pensión alimenticia para sus dos hijas",
            case=case,
        )
        (stored,) = raw_row("cases_contact", "summary", contact.pk)
        assert stored.startswith("v1:") and "pensión" not in stored
        assert Contact.objects.get(pk=contact.pk).summary.startswith("Quiere pedir")

    def test_risk_answers_are_ciphertext_in_the_database(self, make_case, violence_worker):
        case = make_case(area=Area.VIOLENCE, assignee=violence_worker)
        assessment = risk_assessment_complete(
            case=case,
            instrument=RiskInstrument.objects.get(current=True),
            answers={1: True, 2: False},
            actor=violence_worker,
        )
        (stored,) = raw_row("cases_riskassessment", "answers", assessment.pk)
        assert stored.startswith("v1:") and "true" not in stored
        assert risk_answers(RiskAssessment.objects.get(pk=assessment.pk))[1] is True
