"""The line console, through HTTP: log a call, find her by phone on the next call,
hand over to the violence line, book on her behalf; keyboard-first, no JavaScript."""

from __future__ import annotations

import pytest

from cercania.cases.models import Area, Case, Contact, FolioCounter, Person, RiskAssessment
from cercania.conftest import local
from cercania.privacy.models import AuditAction, AuditEvent
from cercania.scheduling.models import Appointment

pytestmark = pytest.mark.django_db

CONSOLE = "/personal/expedientes/linea/"
PHONE = "614 321 0987"


def register(client, *, name="Martha Ruiz", phone=PHONE, **extra):
    data = {
        "step": "details",
        "name": name,
        "phone": phone,
        "email": "",
        "birth_year": "",
        "municipality": "",
        "employer": "",
        "may_call": "on",
        "safe_from": "09:00",
        "safe_until": "14:00",
        "what_may_be_said": "Que llaman del consultorio",
        "code_name": "Marta del consultorio",
    }
    data.update(extra)
    return client.post(f"{CONSOLE}nueva/", data)


def call(
    client, person, *, action="save", result="orientation", summary="Orientación sobre pensión"
):
    return client.post(
        f"{CONSOLE}persona/{person.public_id}/",
        {
            "action": action,
            "kind": "incoming_call",
            "line": "juridico",
            "result": result,
            "summary": summary,
        },
    )


class TestTheFlow:
    def test_log_a_call_then_find_her_by_phone_on_the_next_call(
        self, operator, client_for, time_machine
    ):
        time_machine.move_to(local(2026, 12, 1, 10, 0), tick=False)
        client = client_for(operator)

        # First call: nobody with that number yet.
        first = client.post(CONSOLE, {"phone": PHONE})
        assert "0 personas con este número" in first.text
        assert register(client).status_code == 302
        person = Person.objects.get()
        assert person.created_via == "phone_line" and person.code_name == "Marta del consultorio"
        assert call(client, person).status_code == 302
        contact = Contact.objects.get()
        assert contact.person == person and contact.staff == operator
        assert contact.summary == "Orientación sobre pensión" and not contact.out_of_hours

        # Next call, the number typed another way: she and her prior call show at once.
        time_machine.move_to(local(2026, 12, 3, 11, 0), tick=False)
        client = client_for(operator)  # a new shift, a new session
        again = client.post(CONSOLE, {"phone": "(614) 321-09-87"})
        assert person.folio in again.text and "Martha Ruiz" in again.text
        assert "Llamada recibida" in again.text and "01/12/2026 10:00" in again.text
        assert "Orientación sobre pensión" not in again.text  # never a summary
        # Her earlier calls are a table region of their own, named for her record.
        assert f'role="region" aria-label="Contactos anteriores de {person.folio}"' in again.text

    def test_hand_over_to_the_violence_line(
        self, operator, violence_worker, lawyer, client_for, make_person
    ):
        person = make_person("Martha Ruiz", phone=PHONE)
        response = call(client_for(operator), person, action="handover", summary="Refiere golpes")
        assert response.status_code == 302 and response["Location"] == CONSOLE
        case = Case.objects.get()
        assert case.area == Area.VIOLENCE and case.assignee is None and case.person == person
        assert RiskAssessment.objects.get(case=case).status == "pending"
        contact = Contact.objects.get()
        assert contact.case == case and contact.result == "handed_over"

        # The violence team sees it at once, on its "my work" page and the case page.
        team = client_for(violence_worker)
        assert case.folio in team.get("/personal/expedientes/mi-trabajo/").text
        page = team.get(f"/personal/expedientes/casos/{case.public_id}/")
        assert page.status_code == 200 and "Refiere golpes" in page.text
        # The legal team does not.
        assert (
            client_for(lawyer).get(f"/personal/expedientes/casos/{case.public_id}/").status_code
            == 404
        )

    def test_a_violence_worker_handing_over_keeps_the_case(
        self, violence_worker, client_for, make_person
    ):
        person = make_person(phone=PHONE)
        response = call(client_for(violence_worker), person, action="handover")
        case = Case.objects.get()
        assert case.assignee == violence_worker
        assert response["Location"] == f"/personal/expedientes/casos/{case.public_id}/"

    def test_a_call_logged_before_she_is_known_is_found_by_her_number(self, operator, client_for):
        client = client_for(operator)
        form = client.post(f"{CONSOLE}llamada/", {"phone": PHONE})
        assert form.status_code == 200
        saved = client.post(
            f"{CONSOLE}llamada/",
            {
                "step": "details",
                "phone": "+526143210987",
                "kind": "incoming_call",
                "line": "violencia",
                "result": "dropped",
            },
        )
        assert saved.status_code == 302
        contact = Contact.objects.get()
        assert contact.person is None and contact.phone_hash
        found = client.post(CONSOLE, {"phone": PHONE})
        assert "sin identificar" in found.text and "Llamada cortada o en silencio" in found.text

    def test_it_links_the_earlier_call_once_she_is_registered(
        self, operator, lawyer, client_for, make_person
    ):
        client = client_for(operator)
        client.post(
            f"{CONSOLE}llamada/",
            {
                "step": "details",
                "phone": PHONE,
                "kind": "incoming_call",
                "line": "juridico",
                "result": "dropped",
            },
        )
        contact = Contact.objects.get()
        person = make_person("Martha", phone=PHONE)
        response = client_for(lawyer).post(
            f"/personal/expedientes/contactos/{contact.public_id}/vincular/",
            {"folio": person.folio},
        )
        assert response.status_code == 302
        assert Contact.objects.get().person == person

    def test_a_call_out_of_hours_is_flagged(self, operator, client_for, make_person, time_machine):
        time_machine.move_to(local(2026, 12, 1, 20, 30), tick=False)
        call(client_for(operator), make_person(phone=PHONE))
        assert Contact.objects.get().out_of_hours

    def test_registering_shows_duplicates_first(self, operator, client_for, make_person):
        existing = make_person("Martha Ruiz", phone=PHONE)
        response = register(client_for(operator), name="Marta Ruis")
        assert response.status_code == 200 and existing.folio in response.text
        assert "Es ella: registrar la llamada" in response.text
        assert Person.objects.count() == 1


class TestBookingOnHerBehalf:
    def test_the_operator_books_a_session_for_her_without_a_second_record(
        self, operator, client_for, make_person, make_advisor, time_machine
    ):
        time_machine.move_to(local(2026, 11, 30, 10, 0), tick=False)
        make_advisor()
        person = make_person("Martha Ruiz", phone=PHONE)
        folios_issued = FolioCounter.objects.get(year=2026).last_number
        client = client_for(operator)
        url = f"{CONSOLE}persona/{person.public_id}/cita/"
        page = client.get(url, {"service": "juridico", "modality": "phone", "day": "2026-12-01"})
        assert page.status_code == 200 and "09:00–09:45" in page.text
        start = local(2026, 12, 1, 9, 0).isoformat()
        response = client.post(url, {"service": "juridico", "modality": "phone", "start": start})
        assert response.status_code == 302
        assert response["Location"] == f"{CONSOLE}persona/{person.public_id}/"
        # Hers, on her record: no new Person, no folio used up, nothing merged.
        assert list(Person.objects.values_list("pk", flat=True)) == [person.pk]
        assert FolioCounter.objects.get(year=2026).last_number == folios_issued
        assert not AuditEvent.objects.filter(action=AuditAction.MERGE).exists()
        appointment = Appointment.objects.get()
        assert appointment.person_id == person.pk
        assert appointment.created_via == "phone_line"
        assert appointment.starts_at == local(2026, 12, 1, 9)
        assert AuditEvent.objects.filter(
            action=AuditAction.CREATE, object_public_id=str(appointment.public_id), actor=operator
        ).exists()

    def test_the_next_person_registered_gets_the_next_folio(
        self, operator, client_for, make_person, make_advisor, time_machine
    ):
        time_machine.move_to(local(2026, 11, 30, 10, 0), tick=False)
        make_advisor()
        first = make_person("Martha Ruiz", phone=PHONE)
        client = client_for(operator)
        client.post(
            f"{CONSOLE}persona/{first.public_id}/cita/",
            {
                "service": "juridico",
                "modality": "phone",
                "start": local(2026, 12, 1, 9, 0).isoformat(),
            },
        )
        assert register(client, name="Rosa Salas", phone="614 555 0101").status_code == 302
        second = Person.objects.exclude(pk=first.pk).get()
        assert int(second.folio.rsplit("-", 1)[1]) == int(first.folio.rsplit("-", 1)[1]) + 1


class TestKeyboard:
    def test_the_search_field_has_focus_and_an_access_key(self, operator, client_for):
        page = client_for(operator).get(CONSOLE)
        assert "autofocus" in page.text and 'accesskey="b"' in page.text
        assert "<script" not in page.text.split("</head>")[1]

    def test_the_call_form_saves_hands_over_and_books_from_the_keyboard(
        self, operator, client_for, make_person
    ):
        page = client_for(operator).get(f"{CONSOLE}persona/{make_person(phone=PHONE).public_id}/")
        for key in ('accesskey="g"', 'accesskey="v"', 'accesskey="a"'):
            assert key in page.text
