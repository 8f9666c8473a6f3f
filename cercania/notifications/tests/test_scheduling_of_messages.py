"""Messages are planned when they are due, replaced on change, and sent once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from cercania.conftest import local
from cercania.notifications.channels import text
from cercania.notifications.models import Delivery, InviteSequence, MessageKind
from cercania.notifications.services import (
    Event,
    appointment_notify,
    delivery_run,
    notifications_hook,
)
from cercania.notifications.tasks import deliver, plan
from cercania.notifications.tests.conftest import NOW
from cercania.scheduling.models import Appointment
from cercania.scheduling.services import (
    appointment_cancel,
    appointment_mark,
    appointment_reschedule,
)

pytestmark = pytest.mark.django_db


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def planned(appointment: Appointment, *, status=Delivery.Status.QUEUED) -> set[tuple]:
    return set(
        Delivery.objects.filter(appointment=appointment, status=status).values_list(
            "kind", "channel", "due_at"
        )
    )


def run_afters(appointment: Appointment) -> dict[int, datetime]:
    ids = {d.pk for d in Delivery.objects.filter(appointment=appointment)}
    return {
        task.args_kwargs["kwargs"]["delivery_id"]: task.run_after
        for task in DBTaskResult.objects.filter(task_path=deliver.module_path)
        if task.args_kwargs["kwargs"]["delivery_id"] in ids
    }


def test_booking_schedules_the_confirmation_now_and_reminders_at_the_right_utc_instants(
    clock, book_her
):
    appointment = book_her()
    # 10:30 in Chihuahua is 16:30 UTC (UTC−6 all year since 2022).
    assert appointment.starts_at == utc(2026, 12, 2, 16, 30)
    assert planned(appointment) == {
        ("confirmation", "email", NOW),
        ("confirmation", "sms", NOW),
        ("reminder", "email", utc(2026, 12, 1, 16, 30)),  # 24 h before
        ("reminder", "sms", utc(2026, 12, 1, 16, 30)),
        ("reminder", "email", utc(2026, 12, 2, 15, 30)),  # 1 h before
        ("reminder", "sms", utc(2026, 12, 2, 15, 30)),
    }
    # Each is a task that the worker will not run before it is due.
    tasks = run_afters(appointment)
    for delivery in Delivery.objects.filter(appointment=appointment):
        assert tasks[delivery.pk] == delivery.due_at


def test_the_task_queue_holds_no_personal_data(clock, book_her):
    book_her()
    stored = str(list(DBTaskResult.objects.values_list("args_kwargs", flat=True)))
    assert "sentinel" not in stored and "4567" not in stored and "Ana" not in stored


def test_a_reminder_already_past_at_booking_is_not_planned(clock, book_her, settings):
    settings.REMINDER_HOURS_BEFORE = [72, 1]
    appointment = book_her()
    kinds = {(k, due) for k, _, due in planned(appointment)}
    assert (MessageKind.REMINDER, utc(2026, 12, 2, 15, 30)) in kinds
    assert not any(due < NOW for _, due in kinds)
    assert len([k for k, _ in kinds if k == MessageKind.REMINDER]) == 1


def test_the_worker_sends_the_confirmation_now_and_each_reminder_when_due(
    clock, book_her, run_worker
):
    appointment = book_her()
    run_worker()
    assert [m.subject for m in mail.outbox] == ["Tu cita está confirmada"]
    assert len(text.outbox) == 1 and text.outbox[0].body.startswith("Cita confirmada")

    clock.move_to(local(2026, 12, 1, 10, 29))
    run_worker()
    assert len(mail.outbox) == 1  # not yet
    clock.move_to(local(2026, 12, 1, 10, 30))
    run_worker()
    assert [m.subject for m in mail.outbox][1:] == ["Recordatorio de tu cita"]
    clock.move_to(local(2026, 12, 2, 9, 30))
    run_worker()
    assert len(mail.outbox) == 3 and len(text.outbox) == 3
    assert planned(appointment) == set()
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 6


def test_reschedule_replaces_the_pending_messages(clock, book_her, committing, run_worker):
    appointment = book_her()
    run_worker()  # the confirmation went out
    new_start = local(2026, 12, 3, 11, 15)  # Thursday 11:15 local = 17:15 UTC
    committing(appointment_reschedule, appointment=appointment, start=new_start)
    assert planned(appointment) == {
        ("rescheduled", "email", NOW),
        ("rescheduled", "sms", NOW),
        ("reminder", "email", utc(2026, 12, 2, 17, 15)),
        ("reminder", "sms", utc(2026, 12, 2, 17, 15)),
        ("reminder", "email", utc(2026, 12, 3, 16, 15)),
        ("reminder", "sms", utc(2026, 12, 3, 16, 15)),
    }
    old = Delivery.objects.filter(appointment=appointment, due_at=utc(2026, 12, 1, 16, 30))
    assert {(d.status, d.reason) for d in old} == {("skipped", "superseded")}
    assert InviteSequence.objects.get(appointment=appointment).sequence == 1

    run_worker()
    assert [m.subject for m in mail.outbox] == [
        "Tu cita está confirmada",
        "Tu cita cambió de horario",
    ]
    # The old reminder's task still runs at its time, and sends nothing.
    clock.move_to(local(2026, 12, 1, 10, 30))
    assert run_worker() == 2
    assert len(mail.outbox) == 2


def test_cancel_sends_the_cancellation_and_drops_the_reminders(
    clock, book_her, committing, run_worker
):
    appointment = book_her()
    run_worker()
    committing(appointment_cancel, appointment=appointment)
    assert {k for k, _, _ in planned(appointment)} == {"cancelled"}
    run_worker()
    assert mail.outbox[-1].subject == "Cita cancelada"
    assert text.outbox[-1].body.startswith("Tu cita del miércoles 2 de diciembre, 10:30")
    for moment in (local(2026, 12, 1, 10, 30), local(2026, 12, 2, 9, 30)):
        clock.move_to(moment)
        run_worker()
    assert len(mail.outbox) == 2 and len(text.outbox) == 2
    reminders = Delivery.objects.filter(appointment=appointment, kind=MessageKind.REMINDER)
    assert {(d.status, d.reason) for d in reminders} == {("skipped", "superseded")}


def test_a_cancellation_by_the_institute_is_sent_too(clock, book_her, committing, run_worker):
    appointment = book_her()
    committing(appointment_cancel, appointment=appointment, by_institute=True)
    run_worker()
    assert [m.subject for m in mail.outbox] == ["Cita cancelada"]  # the confirmation is moot


def test_a_no_show_gets_one_note_offering_another_appointment(
    clock, book_her, committing, run_worker
):
    appointment = book_her()
    clock.move_to(local(2026, 12, 2, 11, 30))
    committing(appointment_mark, appointment=appointment, status=Appointment.Status.NO_SHOW)
    committing(appointment_mark, appointment=appointment, status=Appointment.Status.ATTENDED)
    committing(appointment_mark, appointment=appointment, status=Appointment.Status.NO_SHOW)
    run_worker()
    notes = [m for m in mail.outbox if m.subject == "¿Agendamos otra cita?"]
    assert len(notes) == 1
    assert "https://citas.example.org/agendar/" in notes[0].body


def test_a_no_show_note_is_not_sent_if_staff_correct_it_to_attended(
    clock, book_her, committing, run_worker
):
    appointment = book_her()
    clock.move_to(local(2026, 12, 2, 11, 30))
    committing(appointment_mark, appointment=appointment, status=Appointment.Status.NO_SHOW)
    committing(appointment_mark, appointment=appointment, status=Appointment.Status.ATTENDED)
    run_worker()
    note = Delivery.objects.get(appointment=appointment, kind=MessageKind.NO_SHOW, channel="email")
    assert (note.status, note.reason) == ("skipped", "superseded")


def test_running_the_worker_twice_sends_once(clock, book_her, run_worker):
    appointment = book_her()
    confirmation = Delivery.objects.get(
        appointment=appointment, kind=MessageKind.CONFIRMATION, channel="email"
    )
    # The same task enqueued twice (a retried enqueue, a second worker): one email.

    deliver.enqueue(delivery_id=confirmation.pk)
    run_worker()
    run_worker()
    assert delivery_run(delivery_id=confirmation.pk) == "already sent"
    assert len(mail.outbox) == 1
    confirmation.refresh_from_db()
    assert confirmation.attempts == 1


def test_the_hook_run_twice_plans_once(clock, book_her, run_worker):
    appointment = book_her()
    count = Delivery.objects.count()
    sends = DBTaskResult.objects.filter(task_path=deliver.module_path).count()
    notifications_hook(appointment_id=appointment.pk, event="booked")
    assert run_worker(only=plan) == 1  # the second planning ran ...
    assert appointment_notify(appointment_id=appointment.pk, event=Event.BOOKED) == []
    # ... and neither it nor a third one added a message or a send.
    assert Delivery.objects.count() == count
    assert DBTaskResult.objects.filter(task_path=deliver.module_path).count() == sends


def test_the_hook_only_hands_the_planning_to_the_worker(clock, book, legal_service, make_advisor):
    make_advisor()
    booking = book(legal_service, local(2026, 12, 2, 10, 30), email="x@example.net")
    notifications_hook(appointment_id=booking.appointment.pk, event="booked")
    assert not Delivery.objects.exists()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == plan.module_path
    assert queued.args_kwargs["kwargs"] == {
        "appointment_id": booking.appointment.pk,
        "event": "booked",
        "at": NOW.astimezone(UTC).isoformat(),
    }


def test_a_worker_back_late_plans_as_at_the_booking(
    clock, book, legal_service, make_advisor, run_worker
):
    make_advisor()
    booking = book(legal_service, local(2026, 12, 2, 10, 30), email="x@example.net")
    notifications_hook(appointment_id=booking.appointment.pk, event="booked")
    # The worker was down for a day: the 24-hour reminder fell due meanwhile.
    clock.move_to(local(2026, 12, 1, 11, 0))
    assert run_worker(only=plan) == 1
    assert (MessageKind.REMINDER, "email", utc(2026, 12, 1, 16, 30)) in planned(booking.appointment)


def test_the_worker_plans_a_new_booking_before_the_sends_already_waiting(
    clock, book_her, book, legal_service, run_worker
):
    waiting = book_her()  # her confirmations are due now and not sent yet
    later = book(legal_service, local(2026, 12, 3, 10, 30), email="y@example.net")
    notifications_hook(appointment_id=later.appointment.pk, event="booked")
    assert run_worker(limit=1) == 1
    assert Delivery.objects.filter(appointment=later.appointment).exists()
    assert not Delivery.objects.filter(appointment=waiting, status="sent").exists()


def test_the_hook_never_breaks_the_caller(clock, book_her, caplog, monkeypatch):
    class Unreachable:
        def enqueue(self, **kwargs):
            raise RuntimeError("the queue table is gone")

    monkeypatch.setattr("cercania.notifications.tasks.plan", Unreachable())
    notifications_hook(appointment_id=999_999, event="booked")
    assert "could not hand over the planning of messages" in caplog.text


def test_a_planning_that_fails_in_the_worker_does_not_stop_the_others(clock, book_her):
    notifications_hook(appointment_id=999_999, event="booked")  # no such appointment
    appointment = book_her()  # its planning runs after the failed one
    assert DBTaskResult.objects.filter(task_path=plan.module_path, status="FAILED").count() == 1
    assert planned(appointment)


def test_a_booking_in_a_test_without_hooks_only_enqueues(clock, book, legal_service, make_advisor):
    # Scheduling's own tests run no worker: booking writes rows and sends nothing.
    make_advisor()
    book(legal_service, local(2026, 12, 2, 10, 30), email="x@example.net")
    assert mail.outbox == [] and text.outbox == []
