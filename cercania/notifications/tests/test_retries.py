"""A failing send is retried with backoff, then flagged on the appointment for staff."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django_tasks_db.models import DBTaskResult

from cercania.cases.services import ContactChoices
from cercania.notifications.channels import DeliveryError
from cercania.notifications.models import Delivery
from cercania.notifications.services import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    deliveries_requeue_orphans,
    deliveries_sweep_interrupted,
)
from cercania.notifications.tests.conftest import NOW
from cercania.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def failing(*args, **kwargs):
    raise DeliveryError("connection refused")


def test_a_failure_is_retried_with_backoff_then_flags_the_appointment(clock, book_her, run_worker):
    appointment = book_her(contact=ContactChoices(call=True, email=True))
    delivery = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="email")
    moments: list[datetime] = []
    with mock.patch("cercania.notifications.services.send_email", failing):
        run_worker()
        for _ in range(MAX_ATTEMPTS - 1):
            delivery.refresh_from_db()
            assert delivery.status == "queued"
            next_attempt = delivery.next_attempt_at
            assert next_attempt is not None
            moments.append(next_attempt)
            clock.move_to(next_attempt - timedelta(seconds=1))
            assert run_worker() == 0  # not before its time
            clock.move_to(next_attempt)
            run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason, delivery.attempts) == (
        "failed",
        "gave_up",
        MAX_ATTEMPTS,
    )
    assert delivery.last_error == "connection refused"
    # 1, 5, 15 and 60 minutes after each failure.
    waits = [b - a for a, b in zip([NOW, *moments[:-1]], moments, strict=True)]
    assert waits == list(RETRY_DELAYS)
    appointment.refresh_from_db()
    assert appointment.needs_staff_attention.startswith("Un mensaje no le llegó")
    assert "Llámale: aceptó llamadas." in appointment.needs_staff_attention
    assert AuditEvent.objects.filter(
        object_public_id=str(appointment.public_id), detail__reason="delivery_failed"
    ).exists()
    assert not DBTaskResult.objects.ready().exists()


def test_the_flag_respects_that_she_did_not_allow_calls(clock, book_her, run_worker):
    appointment = book_her(contact=ContactChoices(email=True))
    with mock.patch(
        "cercania.notifications.services.send_email",
        side_effect=DeliveryError("mailbox does not exist", transient=False),
    ):
        run_worker()
    appointment.refresh_from_db()
    assert "No aceptó llamadas" in appointment.needs_staff_attention
    assert "Llámale" not in appointment.needs_staff_attention


def test_an_unexpected_error_is_retried_too(clock, book_her, run_worker):
    appointment = book_her(contact=ContactChoices(email=True))
    with mock.patch("cercania.notifications.services.send_email", side_effect=RuntimeError("bug")):
        run_worker()
    delivery = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="email")
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.last_error == "RuntimeError: bug"


def test_a_send_interrupted_by_a_crash_is_flagged_not_resent(clock, book_her, run_worker):
    appointment = book_her(contact=ContactChoices(email=True))
    Delivery.objects.filter(appointment=appointment, kind="confirmation", channel="email").update(
        status="sending", attempts=1
    )
    assert deliveries_sweep_interrupted() == 0  # it may still be sending
    clock.move_to(NOW + timedelta(minutes=16))
    assert deliveries_sweep_interrupted() == 1
    delivery = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="email")
    assert (delivery.status, delivery.reason) == ("failed", "interrupted")
    appointment.refresh_from_db()
    assert appointment.needs_staff_attention


def test_several_failed_messages_leave_one_note(clock, book_her, run_worker):
    appointment = book_her(contact=ContactChoices(call=True, email=True, sms=True))
    refused = DeliveryError("refused", transient=False)
    with (
        mock.patch("cercania.notifications.services.send_email", side_effect=refused),
        mock.patch("cercania.notifications.services.send_text", side_effect=refused),
    ):
        run_worker()
    appointment.refresh_from_db()
    assert appointment.needs_staff_attention == (
        "Un mensaje no le llegó (ver el registro de envíos). Llámale: aceptó llamadas."
    )


def test_a_message_whose_task_crashed_gets_a_new_task(clock, book_her, run_worker):
    appointment = book_her(contact=ContactChoices(email=True))
    # The queue marked the task failed (say, the database connection dropped mid-task).
    DBTaskResult.objects.filter(status="READY", run_after__lte=NOW).update(status="FAILED")
    assert run_worker() == 0
    assert deliveries_requeue_orphans() == 0  # not overdue yet
    clock.move_to(NOW + timedelta(minutes=16))
    assert deliveries_requeue_orphans() == 2  # the email and the (refused) SMS
    assert deliveries_requeue_orphans() == 0  # they have a task now
    run_worker()
    delivery = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="email")
    assert delivery.status == "sent"


def test_a_message_whose_worker_died_after_claiming_its_task_gets_a_new_task(
    clock, book_her, run_worker
):
    appointment = book_her(contact=ContactChoices(email=True))
    # A worker claimed the tasks, then was killed (SIGKILL, out of memory) before the
    # messages left "queued": the queue keeps those tasks "running" for ever.
    DBTaskResult.objects.filter(status="READY", run_after__lte=NOW).update(
        status="RUNNING", started_at=NOW
    )
    assert run_worker() == 0
    clock.move_to(NOW + timedelta(minutes=10))
    assert deliveries_requeue_orphans() == 0  # it may still be running somewhere
    clock.move_to(NOW + timedelta(minutes=16))
    assert deliveries_requeue_orphans() == 2  # the email and the (refused) SMS
    assert deliveries_requeue_orphans() == 0
    run_worker()
    delivery = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="email")
    assert delivery.status == "sent"
