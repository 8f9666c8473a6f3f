"""A legal adviser's full day in a real browser (issue #7 "done when", issue #9's staff day).

She signs in with her password and a TOTP code, opens her agenda with today's two
sessions, marks each one attended and records it as a contact: the first in a new
case with matters and result, the second in the case the woman already had. She
refers the first woman with the consent she gives in the session, marks the referral
accepted and its follow-up done. The legal-adviser role has no line console (the
console is for the `linea` and `violencia` roles), so the call is logged and handed
over to the violence line by an operator in a second browser. The coordinator then
finds every read of a person, a case or a contact in the access log.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.accounts.testing import totp_code, totp_device_for
from cercania.cases import selectors
from cercania.cases.models import (
    Area,
    Case,
    Contact,
    CreatedVia,
    FollowUp,
    LegalMatter,
    Person,
    Referral,
    RiskAssessment,
)
from cercania.cases.services import ContactChoices, case_open, person_register
from cercania.conftest import local
from cercania.institute.models import PrivacyNotice, ReferralInstitution, Service
from cercania.institute.selectors import closed_dates_between, current_privacy_notice
from cercania.privacy.models import AuditAction, AuditEvent, Consent
from cercania.scheduling.models import Appointment
from cercania.scheduling.selectors import bookable_slots
from cercania.scheduling.services import (
    advisor_create,
    appointment_book,
    availability_window_add,
)

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data, so these tests flush the database when they
    # end; serialized_rollback restores what migrations created (role groups, catalogues).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Django's live server closes the shared SQLite connection from request threads.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
    pytest.mark.usefixtures("migration_data"),
]

PASSWORD = "una contraseña larga de prueba"
MARTHA_PHONE = "614 321 0987"
READ_TYPES = {"cases.person", "cases.case", "cases.contact"}


@pytest.fixture
def workday(institute_config) -> date:
    """The next working day: the browser keeps the cookies the server sets for its
    frozen clock, so that clock must not lie in the past of the real one."""
    today = timezone.localdate()
    closed = closed_dates_between(start=today, end=today + timedelta(days=20))
    day = today + timedelta(days=1)
    while day.weekday() >= 5 or day in closed:
        day += timedelta(days=1)
    return day


def staff(role: Role, email: str, name: str):
    user = staff_user_create(email=email, display_name=name, roles=[role], password=PASSWORD)
    return user, totp_device_for(user)


def sign_in(browser, live_server, screenshot, user, device, shot: str):
    """Through the real login page: password, then the code her authenticator shows."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="es-MX",
        timezone_id="America/Chihuahua",
    )
    page = context.new_page()
    page.goto(live_server.url + "/personal/")
    page.get_by_label("Correo electrónico").fill(user.email)
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("heading", name="Verificación en dos pasos")).to_be_visible()
    page.get_by_label("Código").fill(totp_code(device))
    screenshot(page, f"{shot}-verify")
    page.get_by_role("button", name="Verificar").click()
    expect(page.get_by_role("heading", name=f"Hola, {user.display_name}")).to_be_visible()
    screenshot(page, f"{shot}-home")
    return page


def hours(appointment: Appointment) -> str:
    starts, ends = (timezone.localtime(t) for t in (appointment.starts_at, appointment.ends_at))
    return f"{starts:%H:%M}–{ends:%H:%M}"


def logged_reads(page) -> list[tuple[str, str]]:
    """(record type, public id) of every row the access-log page shows."""
    rows = page.locator("table.data tbody tr")
    return [
        (
            rows.nth(i).locator("td").nth(4).inner_text(),
            rows.nth(i).locator("td").nth(5).inner_text(),
        )
        for i in range(rows.count())
    ]


def test_a_legal_advisers_day(browser, live_server, screenshot, workday):
    adviser, adviser_device = staff(Role.JURIDICO, "ana@example.org", "Abogada Ana")
    operator, operator_device = staff(Role.LINEA, "carmen@example.org", "Operadora Carmen")
    coordinator, coordinator_device = staff(Role.COORDINACION, "coord@example.org", "Coordinadora")
    violence_worker, _ = staff(Role.VIOLENCIA, "beatriz@example.org", "Psicóloga Beatriz")
    legal = Service.objects.get(code="juridico")
    advisor = advisor_create(
        user=adviser,
        services=[legal],
        modalities=["video", "phone"],
        meeting_room_url="https://salas.example.org/ana",
    )
    for weekday in range(1, 6):
        availability_window_add(advisor=advisor, weekday=weekday, starts=time(9), ends=time(15))
    notice = current_privacy_notice(kind=PrivacyNotice.Kind.SIMPLIFIED)
    assert notice is not None

    with time_machine.travel(
        local(workday.year, workday.month, workday.day, 7), tick=False
    ) as clock:
        # Her day, booked through the services: Martha online, Rosa (on file, with an
        # open case) by staff for a woman already registered.
        first, second = bookable_slots(
            service=legal, first_day=workday, last_day=workday, modality="phone"
        )[:2]
        martha_session = appointment_book(
            service=legal,
            start=first.start,
            modality="video",
            name="Martha Ruiz",
            phone=MARTHA_PHONE,
            contact=ContactChoices(call=True),
            created_via=CreatedVia.WEB,
            notice_version=notice.version,
        ).appointment
        martha = martha_session.person
        rosa = person_register(
            name="Rosa Salas",
            phone="614 555 0101",
            birth_year=1990,
            contact=ContactChoices(call=True),
            actor=adviser,
        )
        rosa_case = case_open(
            person=rosa,
            area=Area.LEGAL,
            matters=[LegalMatter.objects.get(code="pension-alimenticia")],
            assignee=adviser,
            actor=adviser,
            opened_on=workday - timedelta(days=7),
        )
        rosa_session = appointment_book(
            service=legal,
            start=second.start,
            modality="phone",
            person=rosa,
            created_via=CreatedVia.STAFF,
            actor=adviser,
        ).appointment
        assert Person.objects.count() == 2
        clock.move_to(local(workday.year, workday.month, workday.day, 12, 30), tick=False)

        # ---------------------------------------------------------- her agenda
        page = sign_in(browser, live_server, screenshot, adviser, adviser_device, "day-01-adviser")
        page.get_by_role("link", name="Mi agenda").click()
        expect(page.get_by_role("heading", name="Mi agenda")).to_be_visible()
        martha_row = page.locator("tr", has_text=martha_session.reference)
        rosa_row = page.locator("tr", has_text=rosa_session.reference)
        expect(martha_row).to_contain_text("Martha Ruiz")
        expect(martha_row).to_contain_text(hours(martha_session))
        expect(rosa_row).to_contain_text("Rosa Salas")
        expect(rosa_row).to_contain_text(hours(rosa_session))
        screenshot(page, "day-02-agenda")

        # First session: attended → the contact form, prefilled → a new case.
        martha_row.get_by_role("button", name="Atendida").click()
        expect(page.get_by_text(f"Cita {martha_session.reference}: Atendida.")).to_be_visible()
        assert Appointment.objects.get(pk=martha_session.pk).status == "attended"
        expect(page.get_by_role("heading", name="Registrar la sesión")).to_be_visible()
        expect(page.get_by_label("Expediente", exact=True)).to_have_value("new")
        expect(page.get_by_label("Tipo", exact=True)).to_have_value("video_session")
        expect(page.get_by_label("Línea o servicio")).to_have_value("juridico")
        expect(page.get_by_label("Fecha", exact=True)).to_have_value(workday.isoformat())
        expect(page.get_by_label("Hora de inicio")).to_have_value(hours(martha_session)[:5])
        expect(page.get_by_label("Duración (minutos)")).to_have_value("45")
        page.get_by_label("Familiar: Divorcio", exact=True).check()
        page.get_by_label("Familiar: Guarda y custodia", exact=True).check()
        page.get_by_label("Resultado", exact=True).select_option(label="Canalización")
        page.get_by_label("Resumen", exact=True).fill(
            "Divorcio incausado: requisitos; custodia de dos hijos."
        )
        screenshot(page, "day-03-session-form")
        page.get_by_role("button", name="Guardar en el expediente").click()
        expect(page.get_by_text("Sesión registrada en el expediente")).to_be_visible()
        martha_case = Case.objects.get(person=martha, area=Area.LEGAL)
        assert martha_case.assignee == adviser
        assert set(martha_case.matters.values_list("code", flat=True)) == {
            "divorcio",
            "guarda-custodia",
        }
        first_contact = Contact.objects.get(appointment=martha_session)
        assert (first_contact.case, first_contact.person) == (martha_case, martha)
        assert (first_contact.kind, first_contact.result) == ("video_session", "referral")
        assert first_contact.duration_minutes == 45 and not first_contact.out_of_hours
        assert first_contact.summary.startswith("Divorcio incausado")
        expect(page.get_by_role("heading", name=f"Expediente {martha_case.folio}")).to_be_visible()
        expect(page.get_by_text("Divorcio incausado: requisitos")).to_be_visible()
        screenshot(page, "day-04-new-case")

        # Second session: recorded in the case Rosa already had.
        page.get_by_role("link", name="Mi agenda").click()
        page.locator("tr", has_text=rosa_session.reference).get_by_role(
            "button", name="Atendida"
        ).click()
        expect(page.get_by_label("Expediente", exact=True)).to_have_value(str(rosa_case.public_id))
        expect(page.get_by_label("Tipo", exact=True)).to_have_value("phone_session")
        page.get_by_label("Resultado", exact=True).select_option(label="Seguimiento")
        page.get_by_label("Resumen", exact=True).fill(
            "Pensión: el demandado no ha depositado en dos meses."
        )
        screenshot(page, "day-05-second-session-form")
        page.get_by_role("button", name="Guardar en el expediente").click()
        expect(
            page.get_by_text(f"Sesión registrada en el expediente {rosa_case.folio}")
        ).to_be_visible()
        second_contact = Contact.objects.get(appointment=rosa_session)
        assert second_contact.case == rosa_case and second_contact.result == "follow_up"
        assert Case.objects.filter(person=rosa).count() == 1
        page.get_by_role("link", name="Ver contacto").first.click()
        expect(page.get_by_text("el demandado no ha depositado")).to_be_visible()
        screenshot(page, "day-06-contact")

        # ---------------------------------------------------------- a referral
        page.get_by_role("link", name="Expedientes").click()
        page.get_by_role("link", name=martha_case.folio).click()
        page.get_by_role("link", name="Ficha de la usuaria").click()
        expect(page.get_by_text(martha.folio).first).to_be_visible()
        page.go_back()
        page.get_by_role("link", name="Canalizar").click()
        justice = ReferralInstitution.objects.get(kind="justice_centre")
        page.get_by_label("Institución", exact=True).select_option(label=justice.name)
        page.get_by_label("Motivo", exact=True).fill(
            "Acompañamiento para la demanda de divorcio y custodia."
        )
        expect(page.get_by_label("Se compartirán sus datos con la institución")).to_be_checked()
        page.get_by_label(
            "Ella da ahora su consentimiento para compartir sus datos con esta institución"
        ).check()
        page.get_by_label("Dar seguimiento el").fill(workday.isoformat())
        screenshot(page, "day-07-referral-form")
        page.get_by_role("button", name="Registrar canalización").click()
        expect(page.get_by_text("Canalización registrada.")).to_be_visible()
        referral = Referral.objects.get(case=martha_case)
        consent = Consent.objects.get(person=martha, purpose="share_institution")
        assert referral.basis == "consent" and referral.consent == consent
        assert consent.institution == justice and consent.recorded_by == adviser
        assert consent.notice_version == notice.version
        assert Case.objects.get(pk=martha_case.pk).status == Case.Status.REFERRED
        follow_up = FollowUp.objects.get(referral=referral)
        assert follow_up.due_on == workday and follow_up.assignee == adviser

        page.get_by_role("link", name=justice.name).click()
        expect(page.get_by_text(f"aviso v{notice.version}")).to_be_visible()
        page.get_by_label("Nuevo estado").select_option(label="Aceptada")
        screenshot(page, "day-08-referral")
        page.get_by_role("button", name="Guardar", exact=True).click()
        expect(page.get_by_text("Estado de la canalización actualizado.")).to_be_visible()
        referral.refresh_from_db()
        assert referral.status == "accepted" and referral.answered_on == workday

        page.get_by_role("link", name="Mi trabajo").click()
        due = page.locator("li", has_text=follow_up.task)
        expect(due).to_contain_text(martha_case.folio)
        screenshot(page, "day-09-my-work")
        due.get_by_role("button", name="Hecho").click()
        expect(page.get_by_text("Seguimiento hecho.")).to_be_visible()
        follow_up.refresh_from_db()
        assert follow_up.done_at is not None and follow_up.done_by == adviser

        # ---------------------------------------------------------- a call on the line
        # Martha calls the line later that day; the operator hands her over.
        line = sign_in(
            browser, live_server, screenshot, operator, operator_device, "day-10-operator"
        )
        line.get_by_role("link", name="Línea").click()
        expect(line.get_by_label("Teléfono de quien llama")).to_be_focused()
        line.get_by_label("Teléfono de quien llama").fill("(614) 321-09-87")
        line.get_by_role("button", name="Buscar").click()
        expect(line.get_by_text("Martha Ruiz").first).to_be_visible()
        assert "Divorcio incausado" not in line.content()  # never a summary on the line
        line.get_by_role("link", name="Es ella: registrar la llamada").click()
        line.get_by_label("Resumen de la llamada").fill("Refiere amenazas de su expareja.")
        screenshot(line, "day-11-call")
        line.get_by_role(
            "button", name="Guardar y transferir a la línea de violencia (Alt+V)"
        ).click()
        expect(line.get_by_text("Llamada transferida a la línea de violencia")).to_be_visible()
        screenshot(line, "day-12-handed-over")
        violence_case = Case.objects.get(person=martha, area=Area.VIOLENCE)
        call = Contact.objects.get(staff=operator)
        assert call.case == violence_case and call.result == "handed_over"
        pending = RiskAssessment.objects.get(case=violence_case)
        assert pending.status == "pending"
        assert pending in selectors.pending_screenings(user=violence_worker)
        # The legal adviser does not reach the violence case.
        response = page.goto(
            f"{live_server.url}/personal/expedientes/casos/{violence_case.public_id}/"
        )
        assert response is not None and response.status == 404

        # ---------------------------------------------------------- the access log
        audit = sign_in(
            browser, live_server, screenshot, coordinator, coordinator_device, "day-13-coordinator"
        )
        audit.get_by_role("link", name="Bitácora").click()
        for user, expected in [
            (
                adviser,
                {
                    ("cases.person", str(martha.public_id)),
                    ("cases.person", str(rosa.public_id)),
                    ("cases.case", str(martha_case.public_id)),
                    ("cases.case", str(rosa_case.public_id)),
                    ("cases.contact", str(second_contact.public_id)),
                },
            ),
            (operator, {("cases.person", str(martha.public_id))}),
        ]:
            audit.get_by_label("Persona usuaria").select_option(label=user.email)
            audit.get_by_label("Acción").select_option(label="Consulta")
            audit.get_by_role("button", name="Buscar").click()
            shown = logged_reads(audit)
            views = AuditEvent.objects.filter(actor=user, action=AuditAction.VIEW)
            # Every read she made is on the page, and the page shows nothing else.
            assert len(shown) == views.count() <= 50
            assert sorted(shown) == sorted(views.values_list("object_type", "object_public_id"))
            assert expected <= {row for row in shown if row[0] in READ_TYPES}
            screenshot(audit, f"day-14-access-log-{user.email.split('@')[0]}")
        # No read of the violence case by the legal adviser: the 404 read nothing.
        assert not AuditEvent.objects.filter(
            actor=adviser, object_public_id=str(violence_case.public_id)
        ).exists()
