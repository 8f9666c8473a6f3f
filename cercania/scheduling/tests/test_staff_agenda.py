"""The staff agenda: an advisor's day and week, every agenda for coordination, and the
actions on a session, through HTTP with a verified second factor."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from django.test import Client
from django.urls import reverse

from cercania.accounts.roles import Role
from cercania.cases.services import ContactChoices
from cercania.conftest import local
from cercania.institute.models import Service
from cercania.privacy.models import AuditEvent
from cercania.scheduling.models import Appointment
from cercania.scheduling.selectors import bookable_slots
from cercania.scheduling.services import reserved_window_add

from .helpers import password_only_client, staff_user, verified_client

pytestmark = pytest.mark.django_db

BOOKED_AT = local(2026, 11, 29, 18, 0)  # a Sunday evening: the week ahead is bookable
TUESDAY = date(2026, 12, 1)
URL = "/personal/agenda/"
ALL_URL = "/personal/agenda/todas/"


def action_url(appointment: Appointment, action: str) -> str:
    return f"/personal/agenda/citas/{appointment.public_id}/{action}/"


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(BOOKED_AT, tick=False)
    return time_machine


@pytest.fixture
def two_advisors(make_advisor):
    return make_advisor(), make_advisor()


@pytest.fixture
def ana_and_bea(frozen, legal_service, two_advisors, book):
    """Two sessions at the same hour, one with each advisor."""
    first = book(legal_service, local(2026, 12, 1, 9), name="Ana Pérez", now=BOOKED_AT).appointment
    second = book(
        legal_service,
        local(2026, 12, 1, 9),
        name="Beatriz Soto",
        phone="614 765 4321",
        now=BOOKED_AT,
    ).appointment
    assert first.advisor != second.advisor
    return first, second


def client_of(appointment: Appointment) -> Client:
    return verified_client(appointment.advisor.user)


def reloaded(appointment: Appointment) -> Appointment:
    return Appointment.objects.get(pk=appointment.pk)


class TestHerDay:
    def test_it_lists_only_her_sessions(self, ana_and_bea, frozen) -> None:
        ana, bea = ana_and_bea
        frozen.move_to(local(2026, 12, 1, 8, 0), tick=False)
        response = client_of(ana).get(URL, {"dia": "2026-12-01"})
        assert response.status_code == 200
        assert ana.reference in response.text and "Ana Pérez" in response.text
        assert bea.reference not in response.text and "Beatriz Soto" not in response.text
        assert "09:00–09:45" in response.text

    def test_it_defaults_to_today_in_the_institute_time_zone(self, ana_and_bea, frozen) -> None:
        ana, _ = ana_and_bea
        # 23:30 in Chihuahua is already the next day in UTC.
        frozen.move_to(local(2026, 11, 30, 23, 30), tick=False)
        response = client_of(ana).get(URL)
        assert response.context["dates"].first_day == date(2026, 11, 30)
        assert ana.reference not in response.text

    def test_the_week_view_lists_her_sessions_of_every_day(
        self, frozen, legal_service, make_advisor, book
    ) -> None:
        make_advisor()
        tuesday = book(legal_service, local(2026, 12, 1, 9), now=BOOKED_AT).appointment
        thursday = book(legal_service, local(2026, 12, 3, 12), now=BOOKED_AT).appointment
        response = client_of(tuesday).get(URL, {"semana": "2026-12-02"})
        assert response.context["dates"].first_day == date(2026, 11, 30)
        assert tuesday.reference in response.text and thursday.reference in response.text
        days = [day.day for day in response.context["days"]]
        assert days == [
            date(2026, 11, 30),
            *(date(2026, 12, d) for d in (1, 2, 3, 4)),
        ]  # no empty weekend

    def test_a_video_session_shows_its_join_link(
        self, frozen, legal_service, make_advisor, book, django_capture_on_commit_callbacks
    ) -> None:
        advisor = make_advisor()
        with django_capture_on_commit_callbacks(execute=True):
            video = book(
                legal_service, local(2026, 12, 1, 9), modality="video", now=BOOKED_AT
            ).appointment
        assert reloaded(video).join_url == advisor.meeting_room_url
        response = client_of(video).get(URL, {"dia": "2026-12-01"})
        assert f'href="{advisor.meeting_room_url}"' in response.text
        assert "614 123 4567" not in response.text  # a working video session needs no call

    def test_a_flag_for_staff_is_shown_prominently(
        self, frozen, legal_service, make_advisor, book, django_capture_on_commit_callbacks
    ) -> None:
        advisor = make_advisor()
        advisor.meeting_room_url = ""
        advisor.save(update_fields=["meeting_room_url"])
        with django_capture_on_commit_callbacks(execute=True):
            video = book(
                legal_service, local(2026, 12, 1, 9), modality="video", now=BOOKED_AT
            ).appointment
        frozen.move_to(local(2026, 12, 1, 9, 0), tick=False)
        response = client_of(video).get(URL, {"dia": "2026-12-01"})
        assert 'class="attention"' in response.text
        assert "La asesora no tiene enlace de sala" in response.text
        # With no meeting, she is told whether she may call instead.
        assert "614 123 4567" in response.text

    def test_the_number_to_call_shows_inside_her_safe_hours(self, ana_and_bea, frozen) -> None:
        ana, _ = ana_and_bea
        frozen.move_to(local(2026, 12, 1, 9, 0), tick=False)
        response = client_of(ana).get(URL, {"dia": "2026-12-01"})
        assert 'href="tel:+526141234567"' in response.text
        assert "614 123 4567" in response.text
        assert "No dejar mensaje de voz" in response.text

    @pytest.mark.parametrize("moment", [local(2026, 12, 1, 8, 59), local(2026, 12, 1, 20, 0)])
    def test_the_number_is_hidden_outside_her_safe_hours(self, ana_and_bea, frozen, moment) -> None:
        ana, _ = ana_and_bea
        frozen.move_to(moment, tick=False)
        response = client_of(ana).get(URL, {"dia": "2026-12-01"})
        assert "No llamar ahora: fuera de su horario seguro" in response.text
        assert "6141234567" not in response.text and "614 123 4567" not in response.text

    def test_the_number_is_never_shown_when_she_did_not_allow_calls(
        self, frozen, legal_service, make_advisor, book
    ) -> None:
        make_advisor()
        appointment = book(
            legal_service, local(2026, 12, 1, 9), contact=ContactChoices(sms=True), now=BOOKED_AT
        ).appointment
        frozen.move_to(local(2026, 12, 1, 10, 0), tick=False)
        response = client_of(appointment).get(URL, {"dia": "2026-12-01"})
        assert "No autorizó llamadas" in response.text
        assert "6141234567" not in response.text and "614 123 4567" not in response.text

    def test_urls_carry_public_ids_never_names_or_keys(self, ana_and_bea, frozen) -> None:
        ana, _ = ana_and_bea
        frozen.move_to(local(2026, 12, 1, 10, 0), tick=False)
        response = client_of(ana).get(URL, {"dia": "2026-12-01"})
        assert f"/citas/{ana.public_id}/marcar/" in response.text
        assert f"/citas/{ana.pk}/" not in response.text

    def test_reading_an_agenda_with_sessions_is_logged(self, ana_and_bea, frozen) -> None:
        ana, _ = ana_and_bea
        client_of(ana).get(URL, {"dia": "2026-12-01"})
        event = AuditEvent.objects.get(object_type="scheduling.agenda")
        assert event.actor == ana.advisor.user and event.action == AuditEvent.Action.VIEW
        assert event.detail["count"] == 1
        assert "Ana" not in str(event.detail)

    def test_a_staff_member_without_an_advisor_profile_sees_a_friendly_page(self, db) -> None:
        response = verified_client(staff_user(Role.JURIDICO)).get(URL)
        assert response.status_code == 200
        assert "No tienes agenda asignada" in response.text


class TestScope:
    @pytest.mark.parametrize("action", ["marcar", "cancelar", "reprogramar"])
    def test_another_advisors_appointment_is_not_found(self, ana_and_bea, action) -> None:
        ana, bea = ana_and_bea
        client = client_of(ana)
        assert (
            client.post(action_url(bea, action), {"estado": "attended", "motivo": "x"}).status_code
            == 404
        )
        if action != "marcar":
            assert client.get(action_url(bea, action)).status_code == 404
        assert reloaded(bea).status == Appointment.Status.CONFIRMED

    def test_an_unknown_appointment_is_not_found(self, ana_and_bea) -> None:
        ana, _ = ana_and_bea
        url = "/personal/agenda/citas/00000000-0000-4000-8000-000000000000/cancelar/"
        assert client_of(ana).get(url).status_code == 404

    def test_a_staff_member_without_an_agenda_reaches_no_appointment(self, ana_and_bea) -> None:
        ana, _ = ana_and_bea
        client = verified_client(staff_user(Role.JURIDICO))
        assert client.get(action_url(ana, "cancelar")).status_code == 404


class TestMark:
    def test_marking_attended_before_the_start_is_refused(self, ana_and_bea, frozen) -> None:
        ana, _ = ana_and_bea
        frozen.move_to(local(2026, 12, 1, 8, 55), tick=False)
        response = client_of(ana).post(
            action_url(ana, "marcar"), {"estado": "attended"}, follow=True
        )
        assert "La sesión todavía no empieza." in response.text
        assert reloaded(ana).status == Appointment.Status.CONFIRMED

    def test_marking_attended_after_the_start_opens_the_form_to_record_the_session(
        self, ana_and_bea, frozen
    ) -> None:
        ana, _ = ana_and_bea
        frozen.move_to(local(2026, 12, 1, 9, 5), tick=False)
        back = "/personal/agenda/?semana=2026-12-01"
        response = client_of(ana).post(
            action_url(ana, "marcar"), {"estado": "attended", "next": back}, follow=True
        )
        assert reloaded(ana).status == Appointment.Status.ATTENDED
        assert response.redirect_chain[0][0] == reverse(
            "cases:contact_from_appointment", args=[ana.public_id]
        )
        assert f"Cita {ana.reference}: Atendida." in response.text
        assert "Registrar la sesión" in response.text

    def test_a_no_show_goes_back_to_the_agenda_page_she_was_on(self, ana_and_bea, frozen) -> None:
        ana, _ = ana_and_bea
        frozen.move_to(local(2026, 12, 1, 9, 30), tick=False)
        back = "/personal/agenda/?semana=2026-12-01"
        response = client_of(ana).post(
            action_url(ana, "marcar"), {"estado": "no_show", "next": back}
        )
        assert response.status_code == 302 and response["Location"] == back

    def test_marking_a_no_show_works(self, ana_and_bea, frozen) -> None:
        ana, _ = ana_and_bea
        frozen.move_to(local(2026, 12, 1, 9, 30), tick=False)
        client_of(ana).post(action_url(ana, "marcar"), {"estado": "no_show"})
        assert reloaded(ana).status == Appointment.Status.NO_SHOW

    def test_each_days_scrollable_table_is_named_by_its_day_heading(
        self, ana_and_bea, frozen
    ) -> None:
        ana, _ = ana_and_bea
        page = client_of(ana).get(URL, {"semana": "2026-12-01"}).text
        regions = re.findall(r'role="region" aria-labelledby="([^"]+)"', page)
        assert regions and "dia-2026-12-01" in regions
        for heading_id in regions:
            assert f'id="{heading_id}"' in page
        assert "Tabla desplazable" not in page

    def test_the_mark_buttons_appear_once_the_session_started(self, ana_and_bea, frozen) -> None:
        ana, _ = ana_and_bea
        frozen.move_to(local(2026, 12, 1, 8, 0), tick=False)
        assert 'value="attended"' not in client_of(ana).get(URL, {"dia": "2026-12-01"}).text
        frozen.move_to(local(2026, 12, 1, 9, 0), tick=False)
        assert 'value="attended"' in client_of(ana).get(URL, {"dia": "2026-12-01"}).text

    def test_it_changes_state_only_by_post(self, ana_and_bea, frozen) -> None:
        ana, _ = ana_and_bea
        frozen.move_to(local(2026, 12, 1, 9, 5), tick=False)
        assert (
            client_of(ana).get(action_url(ana, "marcar"), {"estado": "attended"}).status_code == 405
        )
        assert reloaded(ana).status == Appointment.Status.CONFIRMED

    def test_it_never_redirects_to_another_site(self, ana_and_bea, frozen) -> None:
        ana, _ = ana_and_bea
        frozen.move_to(local(2026, 12, 1, 9, 5), tick=False)
        response = client_of(ana).post(
            action_url(ana, "marcar"),
            {"estado": "no_show", "next": "https://evil.example/personal/agenda/"},
        )
        assert response["Location"] == "/personal/agenda/?dia=2026-12-01"


class TestCancel:
    def test_the_confirmation_page_shows_the_session(self, ana_and_bea) -> None:
        ana, _ = ana_and_bea
        response = client_of(ana).get(action_url(ana, "cancelar"))
        assert response.status_code == 200
        assert ana.reference in response.text and "¿Cancelar esta cita?" in response.text
        assert 'name="csrfmiddlewaretoken"' in response.text

    def test_a_reason_is_required(self, ana_and_bea) -> None:
        ana, _ = ana_and_bea
        response = client_of(ana).post(action_url(ana, "cancelar"), {"motivo": "  "})
        assert response.status_code == 200
        assert "Escribe el motivo de la cancelación." in response.text
        assert "<title>Error:" in response.text
        assert reloaded(ana).status == Appointment.Status.CONFIRMED

    def test_cancelling_with_a_reason_frees_the_slot(
        self, frozen, legal_service, make_advisor, book
    ) -> None:
        make_advisor()
        appointment = book(legal_service, local(2026, 12, 1, 9), now=BOOKED_AT).appointment
        starts = [
            s.start
            for s in bookable_slots(service=legal_service, first_day=TUESDAY, last_day=TUESDAY)
        ]
        assert local(2026, 12, 1, 9) not in starts

        response = client_of(appointment).post(
            action_url(appointment, "cancelar"), {"motivo": "La asesora está incapacitada."}
        )
        assert response.status_code == 302
        appointment = reloaded(appointment)
        assert appointment.status == Appointment.Status.CANCELLED_BY_INSTITUTE
        assert appointment.cancel_reason == "La asesora está incapacitada."
        starts = [
            s.start
            for s in bookable_slots(service=legal_service, first_day=TUESDAY, last_day=TUESDAY)
        ]
        assert local(2026, 12, 1, 9) in starts

    def test_a_cancelled_appointment_cannot_be_cancelled_again(self, ana_and_bea) -> None:
        ana, _ = ana_and_bea
        client = client_of(ana)
        client.post(action_url(ana, "cancelar"), {"motivo": "Reprogramación interna."})
        response = client.get(action_url(ana, "cancelar"), follow=True)
        assert "Esta cita ya no está confirmada" in response.text


class TestReschedule:
    def test_it_offers_the_free_slots_of_the_chosen_day(self, ana_and_bea) -> None:
        ana, _ = ana_and_bea
        response = client_of(ana).get(action_url(ana, "reprogramar"), {"dia": "2026-12-02"})
        assert response.status_code == 200
        assert 'value="10:30"' in response.text
        assert 'name="dia" value="2026-12-02"' in response.text

    def test_rescheduling_moves_the_appointment(self, ana_and_bea) -> None:
        ana, _ = ana_and_bea
        response = client_of(ana).post(
            action_url(ana, "reprogramar"), {"dia": "2026-12-02", "hora": "10:30"}
        )
        assert response.status_code == 302
        moved = reloaded(ana)
        assert moved.starts_at == local(2026, 12, 2, 10, 30)
        assert moved.reference == ana.reference and moved.status == Appointment.Status.CONFIRMED

    def test_a_taken_slot_shows_a_clear_message_and_keeps_her_values(
        self, frozen, legal_service, make_advisor, book
    ) -> None:
        make_advisor()
        appointment = book(legal_service, local(2026, 12, 1, 9), now=BOOKED_AT).appointment
        client = client_of(appointment)
        assert (
            'value="10:30"'
            in client.get(action_url(appointment, "reprogramar"), {"dia": "2026-12-02"}).text
        )
        # Someone else books that slot while the page is open.
        book(legal_service, local(2026, 12, 2, 10, 30), name="Otra", now=BOOKED_AT)

        response = client.post(
            action_url(appointment, "reprogramar"), {"dia": "2026-12-02", "hora": "10:30"}
        )
        assert response.status_code == 200
        assert "Ese horario ya no está disponible" in response.text
        assert "<title>Error:" in response.text
        assert 'name="dia" value="2026-12-02"' in response.text
        assert reloaded(appointment).starts_at == local(2026, 12, 1, 9)

    def test_a_missing_time_is_an_error_at_the_field(self, ana_and_bea) -> None:
        ana, _ = ana_and_bea
        response = client_of(ana).post(action_url(ana, "reprogramar"), {"dia": "2026-12-02"})
        assert response.status_code == 200
        assert "Elige una hora." in response.text
        assert 'href="#id_hora"' in response.text


class TestCoordination:
    @pytest.fixture
    def coordinator(self, db) -> Client:
        return verified_client(staff_user(Role.COORDINACION))

    def test_the_coordinator_sees_every_agenda(self, ana_and_bea, coordinator) -> None:
        ana, bea = ana_and_bea
        response = coordinator.get(ALL_URL, {"dia": "2026-12-01"})
        assert response.status_code == 200
        assert ana.reference in response.text and bea.reference in response.text

    def test_it_filters_by_advisor(self, ana_and_bea, coordinator) -> None:
        ana, bea = ana_and_bea
        response = coordinator.get(
            ALL_URL, {"dia": "2026-12-01", "asesora": str(bea.advisor.public_id)}
        )
        assert bea.reference in response.text and ana.reference not in response.text

    def test_it_filters_by_service(self, ana_and_bea, coordinator, make_advisor, book) -> None:
        ana, _ = ana_and_bea
        make_advisor(service="violencia", modalities=("phone",))
        violencia = Service.objects.prefetch_related("opening_hours").get(code="violencia")
        other = book(violencia, local(2026, 12, 1, 10), now=BOOKED_AT).appointment

        response = coordinator.get(ALL_URL, {"dia": "2026-12-01", "servicio": "violencia"})
        assert other.reference in response.text and ana.reference not in response.text
        response = coordinator.get(ALL_URL, {"dia": "2026-12-01", "servicio": "juridico"})
        assert ana.reference in response.text and other.reference not in response.text

    def test_it_filters_by_jornada(
        self, frozen, legal_service, make_advisor, make_jornada, book, coordinator
    ) -> None:
        advisor = make_advisor()
        general = book(legal_service, local(2026, 12, 1, 12), now=BOOKED_AT).appointment
        jornada = make_jornada(starts_on=TUESDAY, ends_on=TUESDAY)
        reserved_window_add(
            jornada=jornada, advisor=advisor, day=TUESDAY, starts=time(9), ends=time(11)
        )
        held = book(
            legal_service, local(2026, 12, 1, 9), jornada=jornada, now=BOOKED_AT
        ).appointment

        response = coordinator.get(ALL_URL, {"dia": "2026-12-01", "jornada": jornada.code})
        assert held.reference in response.text and general.reference not in response.text

    def test_an_unknown_filter_value_is_an_error_not_a_crash(
        self, ana_and_bea, coordinator
    ) -> None:
        response = coordinator.get(ALL_URL, {"asesora": "00000000-0000-4000-8000-000000000000"})
        assert response.status_code == 200
        assert 'class="error-summary"' in response.text

    def test_the_coordinator_can_act_on_any_agenda(self, ana_and_bea, coordinator) -> None:
        _, bea = ana_and_bea
        response = coordinator.post(action_url(bea, "cancelar"), {"motivo": "Cambio de agenda."})
        assert response.status_code == 302
        assert response["Location"] == "/personal/agenda/todas/?dia=2026-12-01"
        assert reloaded(bea).status == Appointment.Status.CANCELLED_BY_INSTITUTE

    def test_an_advisor_cannot_see_every_agenda(self, ana_and_bea) -> None:
        ana, _ = ana_and_bea
        assert client_of(ana).get(ALL_URL).status_code == 403


class TestAccess:
    @pytest.mark.parametrize("role", [Role.LINEA, Role.ENLACE, Role.SISTEMAS])
    def test_other_roles_are_refused_everywhere(self, ana_and_bea, role) -> None:
        ana, _ = ana_and_bea
        client = verified_client(staff_user(role))
        for url in (URL, ALL_URL, action_url(ana, "cancelar"), action_url(ana, "reprogramar")):
            assert client.get(url).status_code == 403, url
        assert client.post(action_url(ana, "marcar"), {"estado": "attended"}).status_code == 403
        assert client.post(action_url(ana, "cancelar"), {"motivo": "x"}).status_code == 403
        assert reloaded(ana).status == Appointment.Status.CONFIRMED

    def test_an_anonymous_visitor_is_sent_to_log_in(self, client: Client) -> None:
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith("/personal/entrar/")

    def test_a_password_alone_is_not_enough(self, ana_and_bea) -> None:
        ana, _ = ana_and_bea
        client = password_only_client(ana.advisor.user)
        for url in (URL, action_url(ana, "cancelar")):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"] == "/personal/verificar/"
