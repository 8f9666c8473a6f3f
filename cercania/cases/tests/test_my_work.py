"""Her "my work" page: today's sessions, overdue follow-ups, pending risk screenings
and referrals without an answer after N days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cercania.cases.models import Area, Contact
from cercania.cases.services import (
    case_handover_to_violence,
    contact_record,
    follow_up_create,
    follow_up_done,
    referral_create,
)
from cercania.conftest import local
from cercania.institute.models import ReferralInstitution

pytestmark = pytest.mark.django_db

URL = "/personal/expedientes/mi-trabajo/"


def test_it_shows_her_sessions_of_today(
    make_advisor, legal_service, book, client_for, time_machine
):
    time_machine.move_to(local(2026, 11, 29, 18), tick=False)
    advisor = make_advisor()
    booking = book(legal_service, local(2026, 12, 1, 9, 45), name="Paula Gómez")
    time_machine.move_to(local(2026, 12, 1, 8), tick=False)
    page = client_for(advisor.user).get(URL)
    assert "Paula Gómez" in page.text and "09:45–10:30" in page.text
    assert booking.appointment.person.folio in page.text


def test_it_shows_overdue_follow_ups_and_not_done_ones(make_case, lawyer, client_for):
    case = make_case(assignee=lawyer)
    today = timezone.localdate()
    late = follow_up_create(
        case=case,
        task="Revisar acta",
        due_on=today - timedelta(days=2),
        assignee=lawyer,
        actor=lawyer,
    )
    follow_up_create(case=case, task="Llamar hoy", due_on=today, assignee=lawyer, actor=lawyer)
    follow_up_create(
        case=case,
        task="La semana próxima",
        due_on=today + timedelta(days=7),
        assignee=lawyer,
        actor=lawyer,
    )
    done = follow_up_create(
        case=case, task="Ya hecho", due_on=today - timedelta(days=1), assignee=lawyer, actor=lawyer
    )
    follow_up_done(follow_up=done, actor=lawyer)
    client = client_for(lawyer)
    page = client.get(URL).text
    assert "Revisar acta" in page and "Vencido" in page and "Llamar hoy" in page
    assert "La semana próxima" not in page and "Ya hecho" not in page
    client.post(f"/personal/expedientes/seguimientos/{late.public_id}/hecho/", {"next": "work"})
    assert "Revisar acta" not in client.get(URL).text


def test_the_violence_team_sees_pending_screenings(
    make_person, operator, violence_worker, lawyer, client_for
):
    case = case_handover_to_violence(person=make_person(), actor=operator)
    assert case.folio in client_for(violence_worker).get(URL).text
    assert case.folio not in client_for(lawyer).get(URL).text


def test_it_lists_referrals_without_answer_after_n_days(make_case, lawyer, client_for, settings):
    settings.REFERRAL_ANSWER_DAYS = 5
    case = make_case(assignee=lawyer)
    institution = ReferralInstitution.objects.all()[0]
    today = timezone.localdate()
    old = referral_create(
        case=case,
        institution=institution,
        reason="x",
        shares_data=False,
        actor=lawyer,
        sent_on=today - timedelta(days=6),
    )
    referral_create(
        case=case,
        institution=institution,
        reason="y",
        shares_data=False,
        actor=lawyer,
        sent_on=today - timedelta(days=2),
    )
    page = client_for(lawyer).get(URL).text
    assert f"/personal/expedientes/canalizaciones/{old.public_id}/" in page
    assert page.count("/personal/expedientes/canalizaciones/") == 1


def test_the_operator_sees_her_calls_of_today_without_summaries(operator, client_for, make_person):
    contact_record(
        staff=operator,
        kind=Contact.Kind.INCOMING_CALL,
        started_at=timezone.now(),
        result=Contact.Result.ORIENTATION,
        summary="Texto reservado",
        person=make_person(),
    )
    page = client_for(operator).get(URL)
    assert page.status_code == 200 and "Llamada recibida" in page.text
    assert "Texto reservado" not in page.text


def test_unlinked_calls_on_her_teams_line_wait_to_be_linked(
    operator, violence_worker, lawyer, client_for, institute_config
):
    from cercania.institute.models import Service

    contact = contact_record(
        staff=operator,
        kind=Contact.Kind.INCOMING_CALL,
        started_at=timezone.now(),
        result=Contact.Result.DROPPED,
        line=Service.objects.get(code="violencia"),
        phone="614 000 1111",
    )
    assert f"/contactos/{contact.public_id}/" in client_for(violence_worker).get(URL).text
    assert f"/contactos/{contact.public_id}/" not in client_for(lawyer).get(URL).text
    assert Area.VIOLENCE == "violence"
