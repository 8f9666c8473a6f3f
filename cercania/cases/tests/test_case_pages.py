"""The case pages through HTTP: opening, closing (an outcome is required), the violence
record and its warning, the contact of an attended session, and the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cercania.cases.models import Area, Case, CaseOutcome, Contact, LegalMatter, RiskAssessment
from cercania.cases.services import case_close, contact_record, follow_up_create, referral_create
from cercania.conftest import local
from cercania.institute.models import ReferralInstitution
from cercania.privacy.models import AuditEvent
from cercania.scheduling.models import Appointment
from cercania.scheduling.services import appointment_mark

pytestmark = pytest.mark.django_db

BASE = "/personal/expedientes"


class TestOpening:
    def test_she_opens_a_legal_case_with_matters(self, make_person, lawyer, client_for):
        person = make_person()
        response = client_for(lawyer).post(
            f"{BASE}/personas/{person.public_id}/expediente-nuevo/",
            {
                "area": "legal",
                "matters": ["divorcio", "pension-alimenticia"],
                "assignee": lawyer.public_id,
            },
        )
        case = Case.objects.get()
        assert response["Location"] == f"{BASE}/casos/{case.public_id}/"
        assert case.folio == f"{person.folio}-J01" and case.assignee == lawyer
        assert sorted(case.matters.values_list("code", flat=True)) == [
            "divorcio",
            "pension-alimenticia",
        ]

    def test_a_legal_adviser_cannot_open_a_violence_case(self, make_person, lawyer, client_for):
        person = make_person()
        response = client_for(lawyer).post(
            f"{BASE}/personas/{person.public_id}/expediente-nuevo/", {"area": "violence"}
        )
        assert response.status_code == 200 and not Case.objects.exists()

    def test_a_violence_case_starts_with_a_pending_screening(
        self, make_person, violence_worker, client_for
    ):
        person = make_person()
        client_for(violence_worker).post(
            f"{BASE}/personas/{person.public_id}/expediente-nuevo/",
            {"area": "violence", "assignee": violence_worker.public_id},
        )
        assert RiskAssessment.objects.get().status == "pending"

    def test_a_restricted_case_needs_an_assignee(self, make_person, lawyer, client_for):
        response = client_for(lawyer).post(
            f"{BASE}/personas/{make_person().public_id}/expediente-nuevo/",
            {"area": "legal", "restricted": "on"},
        )
        assert "necesita una asesora asignada" in response.text and not Case.objects.exists()


class TestClosing:
    def test_closing_requires_an_outcome(self, make_case, lawyer, client_for):
        case = make_case(assignee=lawyer)
        client = client_for(lawyer)
        refused = client.post(f"{BASE}/casos/{case.public_id}/cerrar/", {"outcome": ""})
        assert "indica el resultado" in refused.text
        assert Case.objects.get().status == "open"
        done = client.post(f"{BASE}/casos/{case.public_id}/cerrar/", {"outcome": "orientacion"})
        assert done.status_code == 302
        case = Case.objects.get()
        assert case.status == "closed" and case.outcome == CaseOutcome.objects.get(
            code="orientacion"
        )
        assert case.closed_on == timezone.localdate()

    def test_the_service_and_the_database_refuse_a_closing_without_outcome(self, make_case, lawyer):
        case = make_case(assignee=lawyer)
        with pytest.raises(ValidationError, match="indica el resultado"):
            case_close(case=case, outcome=None, actor=lawyer)
        with pytest.raises(IntegrityError), transaction.atomic():
            Case.objects.filter(pk=case.pk).update(status="closed", closed_on=timezone.localdate())

    def test_editing_reopens_a_closed_case(self, make_case, lawyer, client_for):
        case = make_case(assignee=lawyer)
        case_close(case=case, outcome=CaseOutcome.objects.first(), actor=lawyer)
        client_for(lawyer).post(
            f"{BASE}/casos/{case.public_id}/editar/",
            {"status": "follow_up", "assignee": lawyer.public_id},
        )
        case.refresh_from_db()
        assert case.status == "follow_up" and case.outcome is None and case.closed_on is None


class TestViolenceRecord:
    def test_she_records_types_modalities_and_the_same_company_warning(
        self, make_case, violence_worker, operator, client_for
    ):
        case = make_case(area=Area.VIOLENCE, assignee=violence_worker)
        client = client_for(violence_worker)
        response = client.post(
            f"{BASE}/casos/{case.public_id}/violencia/",
            {
                "types": ["psicologica", "sexual"],
                "modalities": ["laboral-docente"],
                "aggressor_relation": "jefe",
                "aggressor_same_company": "on",
                "gbvims_type": "sexual_assault",
            },
        )
        assert response.status_code == 302
        record = case.violence_record
        assert {t.code for t in record.types.all()} == {"psicologica", "sexual"}
        assert record.aggressor_relation.code == "jefe" and record.gbvims_type == "sexual_assault"
        warning = "nunca contactarla a través de la empresa"
        assert warning in client.get(f"{BASE}/casos/{case.public_id}/").text
        # The operator is warned too, without seeing the record itself.
        card = client_for(operator).get(f"{BASE}/linea/persona/{case.person.public_id}/").text
        assert warning in card and "Agresión sexual" not in card

    def test_a_legal_case_has_no_violence_record(self, make_case, coordinator, client_for):
        case = make_case()
        assert (
            client_for(coordinator).get(f"{BASE}/casos/{case.public_id}/violencia/").status_code
            == 404
        )


class TestContactFromAppointment:
    @pytest.fixture
    def attended(self, make_advisor, legal_service, book, time_machine):
        time_machine.move_to(local(2026, 11, 29, 18), tick=False)
        advisor = make_advisor()
        appointment = book(
            legal_service, local(2026, 12, 1, 9), modality="video", name="Sofía Treviño"
        ).appointment
        time_machine.move_to(local(2026, 12, 1, 9, 50), tick=False)
        appointment_mark(
            appointment=appointment, status=Appointment.Status.ATTENDED, actor=advisor.user
        )
        return appointment

    def test_the_form_is_prefilled_from_the_session(self, attended, client_for):
        page = client_for(attended.advisor.user).get(f"{BASE}/citas/{attended.public_id}/contacto/")
        assert page.status_code == 200
        assert 'value="video_session" selected' in page.text
        assert 'value="2026-12-01"' in page.text and 'value="09:00"' in page.text
        assert 'value="45"' in page.text and "Sofía Treviño" in page.text

    def test_saving_opens_the_case_and_links_the_contact_to_the_session(self, attended, client_for):
        user = attended.advisor.user
        response = client_for(user).post(
            f"{BASE}/citas/{attended.public_id}/contacto/",
            {
                "case": "new",
                "matters": ["divorcio"],
                "kind": "video_session",
                "line": "juridico",
                "day": "2026-12-01",
                "start": "09:00",
                "duration_minutes": "45",
                "result": "orientation",
                "summary": "Divorcio incausado: requisitos",
            },
        )
        assert response.status_code == 302
        contact = Contact.objects.get()
        case = Case.objects.get()
        assert contact.appointment == attended and contact.case == case
        assert case.assignee == user and case.area == "legal" and contact.person == attended.person
        # A second visit goes to the contact already recorded.
        again = client_for(user).get(f"{BASE}/citas/{attended.public_id}/contacto/")
        assert again["Location"] == f"{BASE}/contactos/{contact.public_id}/"

    def test_another_advisers_session_is_not_found(self, attended, other_lawyer, client_for):
        assert (
            client_for(other_lawyer).get(f"{BASE}/citas/{attended.public_id}/contacto/").status_code
            == 404
        )

    def test_the_agenda_links_an_attended_session_to_its_contact_form(self, attended, client_for):
        page = client_for(attended.advisor.user).get("/personal/agenda/", {"dia": "2026-12-01"})
        assert f'href="{BASE}/citas/{attended.public_id}/contacto/"' in page.text
        assert "Registrar el contacto" in page.text


class TestTimeline:
    def test_it_lists_contacts_referrals_follow_ups_and_changes_newest_first(
        self, make_case, lawyer, client_for, time_machine
    ):
        time_machine.move_to(local(2026, 12, 1, 10), tick=False)
        case = make_case(assignee=lawyer)
        time_machine.move_to(local(2026, 12, 2, 10), tick=False)
        contact_record(
            staff=lawyer,
            kind=Contact.Kind.PHONE_SESSION,
            started_at=timezone.now(),
            result=Contact.Result.ORIENTATION,
            summary="Primera sesión",
            case=case,
        )
        time_machine.move_to(local(2026, 12, 3, 10), tick=False)
        referral_create(
            case=case,
            institution=ReferralInstitution.objects.all()[0],
            reason="x",
            shares_data=False,
            actor=lawyer,
        )
        follow_up_create(
            case=case,
            task="Llamarle el viernes",
            due_on=timezone.localdate() + timedelta(days=2),
            assignee=lawyer,
            actor=lawyer,
        )
        page = client_for(lawyer).get(f"{BASE}/casos/{case.public_id}/").text
        history = page[page.index("Historia del expediente") : page.index("Quién vio")]
        order = [
            history.index(text)
            for text in ("Llamarle el viernes", "Canalización", "Primera sesión", "Alta")
        ]
        assert order == sorted(order)
        assert "Canalizado" in history  # the status change, from the audit trail

    def test_matters_come_from_the_catalogue(self, institute_config):
        groups = set(LegalMatter.objects.values_list("group", flat=True))
        assert groups == {"Familiar", "Registro civil", "Penal", "Laboral", "Civil y patrimonial"}


class TestTakingACase:
    def test_a_team_member_takes_an_unassigned_case(self, make_case, lawyer, client_for):
        case = make_case()
        client_for(lawyer).post(f"{BASE}/casos/{case.public_id}/tomar/")
        case.refresh_from_db()
        assert case.assignee == lawyer
        assert AuditEvent.objects.filter(
            action="change", object_public_id=str(case.public_id), detail__fields=["assignee"]
        ).exists()
