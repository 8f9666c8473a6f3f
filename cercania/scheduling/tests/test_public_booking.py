"""The public booking flow, driven through HTTP like a woman on her phone would."""

from datetime import date

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from cercania.cases.models import Person
from cercania.conftest import local
from cercania.scheduling.models import Appointment

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 30, 8, 0)  # Monday morning
FIRST_FREE = local(2026, 11, 30, 10, 30)  # 2 h notice → 10:30 is the first slot


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def advisor(make_advisor):
    return make_advisor()


def step(name):
    return reverse("booking:step", kwargs={"step": name})


def answer(client, name, data, *, follow_to=None):
    response = client.post(step(name), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    if follow_to:
        assert response["Location"] == step(follow_to)
    return response


def book_through_the_flow(client, *, modality="phone", start=FIRST_FREE, contact=None):
    client.get(reverse("booking:start"))
    answer(client, "modalidad", {"modality": modality}, follow_to="dia")
    answer(client, "dia", {"day": start.date().isoformat()}, follow_to="hora")
    answer(client, "hora", {"time": start.isoformat()}, follow_to="nombre")
    answer(client, "nombre", {"name": "  Ana   López "}, follow_to="contacto")
    answer(
        client, "contacto", contact or {"phone": "614 123 4567", "call": "on"}, follow_to="aviso"
    )
    answer(client, "aviso", {"accept": "on"}, follow_to="revisar")
    return client.post(step("revisar"))


def test_a_woman_books_a_phone_session_from_start_to_confirmation(client, advisor):
    # Only one service is bookable online (jurídico): the service question is skipped.
    assert client.get(reverse("booking:start"))["Location"] == step("modalidad")
    response = book_through_the_flow(client)
    assert response["Location"] == reverse("booking:confirmed")
    # Her answers leave the session with the booking: only the appointment's id stays.
    assert "booking:general" not in client.session
    assert set(client.session.keys()) == {"booking:done"}

    page = client.get(reverse("booking:confirmed")).content.decode()
    appointment = Appointment.objects.get()
    assert appointment.reference in page
    assert "lunes 30 de noviembre a las 10:30" in page
    assert "/cita/" in page
    assert appointment.starts_at == FIRST_FREE and appointment.modality == "phone"
    person = appointment.person
    assert person.name == "Ana López"
    assert person.phone == "+526141234567"
    assert (person.may_call, person.may_sms, person.may_email) == (True, False, False)
    assert appointment.created_via == "web"


def test_opening_the_booking_pages_leaves_no_session_until_her_first_answer(client, advisor):
    # A look at the booking pages (hers, a link preview's, a crawler's) writes nothing
    # to the database; the service derived from the only one offered is kept with
    # her first own answer.
    assert client.get(reverse("booking:start"))["Location"] == step("modalidad")
    assert client.get(step("modalidad")).status_code == 200
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    assert not Session.objects.exists()

    answer(client, "modalidad", {"modality": "video"}, follow_to="dia")
    assert Session.objects.count() == 1
    assert client.session["booking:general"] == {"service": "juridico", "modality": "video"}


def test_a_video_booking_shows_the_join_link(client, advisor, django_capture_on_commit_callbacks):
    contact = {"email": "ana@example.org", "email_ok": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        book_through_the_flow(client, modality="video", contact=contact)
    page = client.get(reverse("booking:confirmed")).content.decode()
    assert advisor.meeting_room_url in page


def test_jumping_to_a_later_step_returns_to_the_first_missing_one(client, advisor):
    assert client.get(step("revisar"))["Location"] == step("modalidad")
    answer(client, "modalidad", {"modality": "phone"})
    assert client.get(step("contacto"))["Location"] == step("dia")


def test_every_step_has_a_back_link_to_the_previous_question(client, advisor):
    client.get(reverse("booking:start"))
    answer(client, "modalidad", {"modality": "phone"})
    page = client.get(step("dia")).content.decode()
    assert f'class="back-link" href="{step("modalidad")}"' in page
    # Going back keeps her answer selected.
    page = client.get(step("modalidad")).content.decode()
    assert 'value="phone" checked' in page


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("modalidad", {}, "Elige videollamada o llamada telefónica."),
        ("modalidad", {"modality": "carrier-pigeon"}, "Elige videollamada o llamada telefónica."),
    ],
)
def test_a_missing_or_invalid_answer_shows_the_error_pattern(client, advisor, name, data, message):
    client.get(reverse("booking:start"))
    response = client.post(step(name), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert 'class="error-summary"' in page and message in page
    assert 'class="error-message"' in page


def test_every_validation_error_of_the_later_steps_is_clear_and_keeps_her_values(client, advisor):
    client.get(reverse("booking:start"))
    answer(client, "modalidad", {"modality": "phone"})
    assert "Elige un día." in client.post(step("dia"), {}).content.decode()
    assert (
        "Ese día ya no tiene horarios"
        in client.post(step("dia"), {"day": "2026-12-05"}).content.decode()
    )
    answer(client, "dia", {"day": "2026-11-30"})
    assert (
        "Esa hora ya no está disponible"
        in client.post(step("hora"), {"time": "2026-11-30T09:00:00-06:00"}).content.decode()
    )
    answer(client, "hora", {"time": FIRST_FREE.isoformat()})
    assert (
        "Escribe tu nombre o un alias."
        in client.post(step("nombre"), {"name": "   "}).content.decode()
    )
    assert (
        "100 caracteres o menos"
        in client.post(step("nombre"), {"name": "x" * 101}).content.decode()
    )
    answer(client, "nombre", {"name": "Ana"})

    page = client.post(
        step("contacto"), {"phone": "12", "call": "on", "email": "no-es-correo"}
    ).content.decode()
    assert "Escribe un teléfono válido de 10 dígitos" in page
    assert "Escribe un correo válido" in page
    assert 'value="no-es-correo"' in page  # her values are kept
    page = client.post(step("contacto"), {"phone": "614 123 4567"}).content.decode()
    assert "necesitamos poder llamarte" in page
    page = client.post(step("contacto"), {"sms": "on", "call": "on"}).content.decode()
    assert "Escribe el teléfono en el que te podemos buscar." in page
    page = client.post(
        step("contacto"), {"phone": "6141234567", "call": "on", "voicemail": "", "email_ok": "on"}
    ).content.decode()
    assert "Escribe el correo en el que te podemos escribir." in page
    answer(client, "contacto", {"phone": "6141234567", "call": "on"})

    page = client.post(step("aviso"), {}).content.decode()
    assert "necesitas aceptar el aviso de privacidad" in page
    assert reverse("privacy_integral") in page


def test_a_video_session_needs_a_channel_for_the_link(client, advisor):
    client.get(reverse("booking:start"))
    answer(client, "modalidad", {"modality": "video"})
    answer(client, "dia", {"day": "2026-11-30"})
    answer(client, "hora", {"time": FIRST_FREE.isoformat()})
    answer(client, "nombre", {"name": "Ana"})
    page = client.post(step("contacto"), {"call": "on", "phone": "6141234567"}).content.decode()
    assert "elige al menos correo, SMS o WhatsApp" in page


def test_the_check_page_lists_her_answers_with_change_links(client, advisor):
    client.get(reverse("booking:start"))
    for name, data in [
        ("modalidad", {"modality": "phone"}),
        ("dia", {"day": "2026-11-30"}),
        ("hora", {"time": FIRST_FREE.isoformat()}),
        ("nombre", {"name": "Ana"}),
        ("contacto", {"phone": "6141234567", "call": "on"}),
        ("aviso", {"accept": "on"}),
    ]:
        answer(client, name, data)
    page = client.get(step("revisar")).content.decode()
    assert "lunes 30 de noviembre" in page and "10:30" in page and "614 123 4567" in page
    assert page.count(">Cambiar<") >= 6
    # Changing the day invalidates the time and brings her back to choose one.
    answer(client, "dia", {"day": "2026-12-01"}, follow_to="hora")
    answer(client, "hora", {"time": local(2026, 12, 1, 9).isoformat()}, follow_to="revisar")


def test_a_slot_taken_while_she_checks_her_answers_sends_her_back_to_choose_a_time(
    client, advisor, book
):
    client.get(reverse("booking:start"))
    for name, data in [
        ("modalidad", {"modality": "phone"}),
        ("dia", {"day": "2026-11-30"}),
        ("hora", {"time": FIRST_FREE.isoformat()}),
        ("nombre", {"name": "Ana"}),
        ("contacto", {"phone": "6141234567", "call": "on"}),
        ("aviso", {"accept": "on"}),
    ]:
        answer(client, name, data)
    book(advisor.services.get(), FIRST_FREE, now=NOW)  # somebody else, by phone

    response = client.post(step("revisar"))

    assert response["Location"] == step("hora")
    page = client.get(step("hora")).content.decode()
    assert "La hora que elegiste ya no está disponible" in page
    assert Appointment.objects.count() == 1
    assert Person.objects.count() == 1  # nothing half-written for her


def test_submitting_the_confirmation_twice_books_once(client, advisor):
    client.get(reverse("booking:start"))
    for name, data in [
        ("modalidad", {"modality": "phone"}),
        ("dia", {"day": "2026-11-30"}),
        ("hora", {"time": FIRST_FREE.isoformat()}),
        ("nombre", {"name": "Ana"}),
        ("contacto", {"phone": "6141234567", "call": "on"}),
        ("aviso", {"accept": "on"}),
    ]:
        answer(client, name, data)
    session_state = dict(client.session["booking:general"])
    client.post(step("revisar"))
    # A double tap replays the same answers from the same session.
    session = client.session
    session["booking:general"] = session_state
    session.save()
    client.post(step("revisar"))
    assert Appointment.objects.count() == 1


def test_no_personal_data_travels_in_any_url_of_the_flow(client, advisor):
    client.get(reverse("booking:start"))
    locations = []
    for name, data in [
        ("modalidad", {"modality": "phone"}),
        ("dia", {"day": "2026-11-30"}),
        ("hora", {"time": FIRST_FREE.isoformat()}),
        ("nombre", {"name": "Centinela Nombre"}),
        ("contacto", {"phone": "6149998877", "call": "on"}),
        ("aviso", {"accept": "on"}),
    ]:
        locations.append(answer(client, name, data)["Location"])
    locations.append(client.post(step("revisar"))["Location"])
    joined = " ".join(locations)
    assert "Centinela" not in joined and "6149998877" not in joined


def test_the_manage_link_shows_and_cancels_her_booking_by_post_only(client, advisor):
    book_through_the_flow(client)
    page = client.get(reverse("booking:confirmed")).content.decode()
    manage_path = page.split("http://testserver")[1].split('"')[0]

    assert client.get(manage_path).status_code == 200
    cancel_path = manage_path + "cancelar/"
    client.get(cancel_path)  # a GET (an email scanner) changes nothing
    assert Appointment.objects.get().status == "confirmed"
    response = client.post(cancel_path)
    assert response.status_code == 302
    assert Appointment.objects.get().status == "cancelled_by_her"
    assert "Cancelada por ella" in client.get(manage_path).content.decode()


def test_the_manage_link_reschedules_to_another_time(client, advisor):
    book_through_the_flow(client)
    page = client.get(reverse("booking:confirmed")).content.decode()
    manage_path = page.split("http://testserver")[1].split('"')[0]
    change = manage_path + "cambiar/"

    days_page = client.get(change).content.decode()
    assert "martes 1 de diciembre" in days_page
    times_page = client.get(change, {"dia": "2026-12-01"}).content.decode()
    assert "9:00" in times_page
    response = client.post(change, {"dia": "2026-12-01", "hora": local(2026, 12, 1, 9).isoformat()})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.starts_at == local(2026, 12, 1, 9)
    assert client.post(change, {"dia": "2026-12-01", "hora": "garbage"}).status_code == 422


def test_the_manage_link_does_not_offer_her_own_time_as_a_change(client, advisor):
    book_through_the_flow(client)
    page = client.get(reverse("booking:confirmed")).content.decode()
    change = page.split("http://testserver")[1].split('"')[0] + "cambiar/"
    day = FIRST_FREE.date().isoformat()

    times_page = client.get(change, {"dia": day}).content.decode()
    assert f'value="{FIRST_FREE.isoformat()}"' not in times_page
    assert 'name="hora"' in times_page  # other times of that day are still offered
    response = client.post(change, {"dia": day, "hora": FIRST_FREE.isoformat()})
    assert response.status_code == 422
    assert Appointment.objects.get().starts_at == FIRST_FREE


@pytest.mark.parametrize("token", ["x", "A" * 43, "../../etc/passwd", "%00", "Z" * 500])
def test_a_forged_or_malformed_token_gets_the_same_neutral_404(client, advisor, token):
    response = client.get(f"/cita/{token}/")
    assert response.status_code == 404
    assert "No encontramos esa página" in response.content.decode()


def test_another_womans_token_does_not_open_this_booking(client, advisor, book):
    mine = book(advisor.services.get(), FIRST_FREE, now=NOW)
    other = book(advisor.services.get(), local(2026, 12, 1, 9), now=NOW)
    page = client.get(f"/cita/{other.token}/").content.decode()
    assert other.appointment.reference in page and mine.appointment.reference not in page


def test_the_manage_link_is_rate_limited(client, advisor, settings):
    settings.MANAGE_LINK_LOOKUPS_PER_HOUR = 3
    for _ in range(3):
        assert client.get("/cita/" + "A" * 43 + "/").status_code == 404
    response = client.get("/cita/" + "A" * 43 + "/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_a_jornadas_page_offers_only_its_reserved_times(client, advisor, make_jornada):
    from datetime import time

    from cercania.scheduling.services import reserved_window_add

    jornada = make_jornada(starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2))
    reserved_window_add(
        jornada=jornada, advisor=advisor, day=date(2026, 12, 2), starts=time(9), ends=time(10, 30)
    )
    start_url = reverse("booking:jornada", kwargs={"code": jornada.code})
    first = client.get(start_url)["Location"]
    assert first == reverse(
        "booking:jornada_step", kwargs={"code": jornada.code, "step": "modalidad"}
    )
    client.post(first, {"modality": "phone"})
    days = client.get(
        reverse("booking:jornada_step", kwargs={"code": jornada.code, "step": "dia"})
    ).content.decode()
    assert "miércoles 2 de diciembre · 2 horarios" in days
    assert "lunes 30 de noviembre" not in days


def test_an_unknown_or_draft_jornada_code_is_a_404(client, advisor, make_jornada):
    from cercania.scheduling.models import Jornada

    draft = make_jornada(
        starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2), status=Jornada.Status.DRAFT
    )
    assert client.get(reverse("booking:jornada", kwargs={"code": draft.code})).status_code == 404
    assert client.get(reverse("booking:jornada", kwargs={"code": "NOPE2345"})).status_code == 404


def test_every_booking_page_keeps_the_exit_button(client, advisor):
    client.get(reverse("booking:start"))
    for name in ["modalidad", "dia"]:
        page = client.get(step(name), follow=True).content.decode()
        assert "Salir rápido" in page


def test_a_booking_writes_the_audit_trail_with_where_but_never_what_she_wrote(client, advisor):
    from cercania.privacy.models import AuditEvent

    book_through_the_flow(client)
    rows = list(AuditEvent.objects.values("object_type", "action", "ip", "actor_id", "detail"))
    assert {(r["object_type"], r["action"]) for r in rows} >= {
        ("scheduling.appointment", "create"),
        ("cases.person", "create"),
    }
    assert all(r["ip"] == "127.0.0.1" and r["actor_id"] is None for r in rows)
    assert "López" not in str(rows) and "4567" not in str(rows)


def test_a_booking_records_her_consent_to_the_service_and_each_channel_she_allowed(client, advisor):
    from cercania.privacy.models import Consent

    book_through_the_flow(client, contact={"phone": "614 123 4567", "call": "on", "sms": "on"})
    consents = Consent.objects.filter(person=Appointment.objects.get().person)
    assert {c.purpose for c in consents} == {"services", "contact_call", "contact_sms"}
    assert {c.notice_version for c in consents} == {"2026.1"}
    assert all(c.recorded_by is None for c in consents)  # she gave them herself, online
