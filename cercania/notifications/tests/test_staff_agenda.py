"""Each advisor gets her next day's agenda by email at the configured hour."""

from __future__ import annotations

import pytest
from django.core import mail

from cercania.cases.services import ContactChoices
from cercania.conftest import local
from cercania.notifications.models import Delivery
from cercania.notifications.services import staff_agenda_schedule
from cercania.notifications.worker import scheduler_tick
from cercania.scheduling.services import appointment_cancel

pytestmark = pytest.mark.django_db


def agenda_mail():
    return [m for m in mail.outbox if m.subject.startswith("Tu agenda")]


def test_the_agenda_is_planned_at_the_configured_hour_for_the_next_day(
    clock, book_her, run_worker, settings
):
    settings.STAFF_AGENDA_EMAIL_HOUR = 18
    appointment = book_her(contact=ContactChoices(call=True))
    noon = book_her(local(2026, 12, 2, 12, 0), contact=ContactChoices(call=True), modality="video")
    clock.move_to(local(2026, 12, 1, 17, 59))
    scheduler_tick()
    run_worker()
    assert agenda_mail() == []
    clock.move_to(local(2026, 12, 1, 18, 0))
    scheduler_tick()
    scheduler_tick()  # every minute: still one email
    run_worker()
    (agenda,) = agenda_mail()
    assert agenda.to == [appointment.advisor.user.email]
    assert agenda.subject == "Tu agenda del miércoles 2 de diciembre"
    lines = [line for line in agenda.body.splitlines() if "·" in line]
    assert lines == [
        f"10:30 · {appointment.reference} · llamada",
        f"12:00 · {noon.reference} · videollamada",
    ]
    assert "Ana" not in agenda.body and "+52" not in agenda.body


def test_no_agenda_email_for_a_day_without_sessions(clock, book_her, run_worker):
    book_her(contact=ContactChoices(call=True))  # Wednesday's session only
    clock.move_to(local(2026, 12, 2, 19, 0))  # tomorrow is Thursday: nothing booked
    assert staff_agenda_schedule() == []


def test_a_session_cancelled_before_the_email_goes_is_left_out(
    clock, book_her, committing, run_worker
):
    appointment = book_her(contact=ContactChoices(call=True))
    clock.move_to(local(2026, 12, 1, 18, 0))
    staff_agenda_schedule()
    committing(appointment_cancel, appointment=appointment)
    run_worker()
    assert agenda_mail() == []
    agenda = Delivery.objects.get(kind="staff_agenda")
    assert (agenda.status, agenda.reason) == ("skipped", "nothing_to_send")
