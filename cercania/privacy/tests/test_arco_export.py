"""Access and portability: a printable Spanish document and a JSON file with everything
held about her, found generically, and the export itself audited."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.apps import apps
from django.db.models import Model

from cercania.cases.models import Person
from cercania.privacy.models import ArcoRequest, AuditEvent
from cercania.privacy.selectors import foreign_keys_to, public_id_of
from cercania.privacy.services import arco_request_grant

from .records import PLAIN_TEXTS

pytestmark = pytest.mark.django_db


def export_url(arco: ArcoRequest, fmt: str = "html") -> str:
    suffix = "expediente.json" if fmt == "json" else "expediente/"
    return f"/personal/privacidad/arco/{arco.public_id}/{suffix}"


@pytest.fixture
def granted(her_records, coordinator):
    records = her_records()
    arco_request_grant(arco_request=records.arco, reason="Procede.", by=coordinator)
    return records


@pytest.fixture
def client_(verified_client, coordinator, granted):
    # Signed in after the records were built (time moved while building them).
    return verified_client(coordinator)


def every_row_pointing_at(person: Person) -> dict[str, set[str]]:
    """Independently of the code under test: each row of each model with a foreign
    key to Person, and of each model with a foreign key to one of those models."""
    direct: dict[type[Model], list[Model]] = {}
    for model in apps.get_models():
        for link in foreign_keys_to(model, {Person}):
            direct.setdefault(model, []).extend(model._base_manager.filter(**{link.name: person}))
    found = {m._meta.label_lower: {public_id_of(r) for r in rows} for m, rows in direct.items()}
    for model in apps.get_models():
        for link in foreign_keys_to(model, set(direct)):
            pks = [r.pk for r in direct[link.related_model]]  # type: ignore[index]
            rows = model._base_manager.filter(**{f"{link.name}__in": pks})
            found.setdefault(model._meta.label_lower, set()).update(public_id_of(r) for r in rows)
    return {label: ids for label, ids in found.items() if ids and label != "cases.person"}


class TestTheDocument:
    def test_it_shows_her_data_and_every_record_about_her(self, granted, client_) -> None:
        response = client_.get(export_url(granted.arco))
        assert response.status_code == 200
        text = response.text
        person = granted.person
        for expected in (
            person.folio,
            PLAIN_TEXTS["name"],
            "+526147654321",
            PLAIN_TEXTS["email"],
            PLAIN_TEXTS["code_name"],
            PLAIN_TEXTS["what_may_be_said"],
            granted.attended.reference,
            granted.cancelled.reference,
            PLAIN_TEXTS["cancel_reason"],
            "Enviarle SMS",
            "Compartir sus datos con una institución",
            granted.case.folio,
            PLAIN_TEXTS["summary"],
            PLAIN_TEXTS["referral_reason"],
            PLAIN_TEXTS["task"],
            PLAIN_TEXTS["arco"],
        ):
            assert expected in text, expected

    def test_it_is_in_spanish_and_printable_without_the_staff_menu(self, granted, client_) -> None:
        text = client_.get(export_url(granted.arco), HTTP_ACCEPT_LANGUAGE="en").text
        assert '<html lang="es-MX">' in text
        assert "Sus datos personales" in text and "Citas" in text
        assert "Cerrar sesión" not in text

    def test_it_lists_the_audit_trail_of_her_records_by_role_not_by_name(
        self, granted, client_, coordinator
    ) -> None:
        text = client_.get(export_url(granted.arco)).text
        assert "Bitácora de sus registros" in text
        assert "Coordinación" in text
        assert coordinator.email not in text

    def test_hashes_of_her_phone_and_email_are_not_shown(self, granted, client_) -> None:
        text = client_.get(export_url(granted.arco)).text
        assert granted.person.phone_hash not in text
        assert granted.attended.manage_token_hash not in text


class TestTheJsonFile:
    def test_it_holds_every_row_of_every_model_pointing_at_her(self, granted, client_) -> None:
        response = client_.get(export_url(granted.arco, "json"))
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response["Content-Disposition"] == (
            f'attachment; filename="arco-{granted.arco.reference}.json"'
        )
        data = json.loads(response.content)
        exported = {
            section["type"]: {row["id"] for row in section["rows"]} for section in data["records"]
        }
        expected = every_row_pointing_at(granted.person)
        assert {
            "scheduling.appointment",
            "privacy.consent",
            "privacy.arcorequest",
            "cases.case",
            "cases.contact",
            "cases.referral",
            "cases.followup",
        } <= set(expected)
        for label, ids in expected.items():
            assert ids <= exported.get(label, set()), label

    def test_her_own_fields_are_decrypted(self, granted, client_) -> None:
        data = json.loads(client_.get(export_url(granted.arco, "json")).content)
        fields = data["person"]["fields"]
        assert fields["name"] == PLAIN_TEXTS["name"]
        assert fields["phone"] == "+526147654321"
        assert fields["email"] == PLAIN_TEXTS["email"]
        assert fields["folio"] == granted.person.folio
        assert "phone_hash" not in fields and "email_hash" not in fields

    def test_it_says_when_she_was_first_attended(self, granted, client_) -> None:
        person = Person.objects.get(pk=granted.person.pk)
        assert person.first_attended_at is not None  # her records hold a contact
        data = json.loads(client_.get(export_url(granted.arco, "json")).content)
        exported = datetime.fromisoformat(data["person"]["fields"]["first_attended_at"])
        assert exported == person.first_attended_at
        page = client_.get(export_url(granted.arco)).content.decode()
        assert "Primera atención" in page or "primera atención" in page

    def test_consents_carry_purpose_version_and_dates(self, granted, client_) -> None:
        data = json.loads(client_.get(export_url(granted.arco, "json")).content)
        consents = next(s for s in data["records"] if s["type"] == "privacy.consent")["rows"]
        assert {row["fields"]["purpose"] for row in consents} == {
            "services",
            "contact_call",
            "contact_sms",
            "contact_email",
            "share_institution",
        }
        assert all(row["fields"]["notice_version"] == "2026.1" for row in consents)

    def test_it_includes_the_audit_rows_about_her_records(self, granted, client_) -> None:
        data = json.loads(client_.get(export_url(granted.arco, "json")).content)
        audited = {(row["type"], row["id"]) for row in data["audit"]}
        assert ("scheduling.appointment", str(granted.attended.public_id)) in audited
        assert ("cases.person", str(granted.person.public_id)) in audited
        assert ("cases.referral", str(granted.referral.public_id)) in audited


class TestAuditingAndLimits:
    def test_each_export_is_audited_with_its_format_and_size(
        self, granted, client_, coordinator
    ) -> None:
        client_.get(export_url(granted.arco))
        client_.get(export_url(granted.arco, "json"))
        exports = AuditEvent.objects.filter(action="export", actor=coordinator).order_by("id")
        assert [e.detail["format"] for e in exports] == ["html", "json"]
        for event in exports:
            assert event.object_type == "cases.person"
            assert event.object_public_id == str(granted.person.public_id)
            assert event.detail["rows"] > 10
            assert event.detail["filters"] == {"arco": str(granted.arco.public_id)}

    def test_there_is_no_export_before_the_request_is_granted(
        self, her_records, verified_client, coordinator
    ) -> None:
        records = her_records()
        response = verified_client(coordinator).get(export_url(records.arco))
        assert response.status_code == 302
        assert not AuditEvent.objects.filter(action="export").exists()

    def test_a_rectification_gives_no_export(
        self, her_records, verified_client, coordinator
    ) -> None:
        records = her_records(right=ArcoRequest.Right.RECTIFICATION)
        arco_request_grant(arco_request=records.arco, reason="Procede.", by=coordinator)
        response = verified_client(coordinator).get(export_url(records.arco, "json"))
        assert response.status_code == 302

    def test_another_role_cannot_export(self, granted, verified_client, adviser) -> None:
        assert verified_client(adviser).get(export_url(granted.arco)).status_code == 403
        assert verified_client(adviser).get(export_url(granted.arco, "json")).status_code == 403
        assert not AuditEvent.objects.filter(action="export").exists()
