"""The safe-contact gate: her channels, her hours, and no way around it."""

from __future__ import annotations

from datetime import time
from unittest import mock

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from cercania.cases.services import ContactChoices
from cercania.conftest import local
from cercania.notifications import gate
from cercania.notifications.channels import text
from cercania.notifications.channels.email import send_email
from cercania.notifications.channels.text import send_text
from cercania.notifications.gate import GateBypass, GateDecision, Permit, contact_gate
from cercania.notifications.models import Channel, Delivery, MessageKind
from cercania.notifications.rendering import Rendered
from cercania.notifications.services import delivery_run
from cercania.scheduling.models import Appointment

pytestmark = pytest.mark.django_db


def test_sms_is_refused_when_she_did_not_allow_sms(clock, book_her, run_worker):
    appointment = book_her(contact=ContactChoices(call=True, email=True))
    decision = contact_gate(recipient=appointment.person, channel=Channel.SMS)
    assert not decision.allowed and decision.reason == "channel_not_allowed"
    assert decision.permit is None
    run_worker()
    assert text.outbox == []
    sms = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="sms")
    assert (sms.status, sms.reason) == ("skipped", "channel_not_allowed")
    assert len(mail.outbox) == 1  # email she allowed


def test_whatsapp_is_used_only_when_she_allowed_it(clock, book_her, run_worker):
    appointment = book_her(contact=ContactChoices(whatsapp=True))
    run_worker()
    assert [(m.channel, m.body[:15]) for m in text.outbox] == [("whatsapp", "Cita confirmada")]
    email = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="email")
    assert (email.status, email.reason) == ("skipped", "channel_not_allowed")


def test_an_email_she_allowed_but_did_not_give_is_not_planned(clock, book_her):
    appointment = book_her(email="", contact=ContactChoices(sms=True))
    assert set(
        Delivery.objects.filter(appointment=appointment).values_list("channel", flat=True)
    ) == {"sms"}


def test_no_message_goes_out_at_22_00_local(clock, book_her):
    appointment = book_her()
    person = appointment.person
    at_ten_pm = local(2026, 11, 30, 22, 0)
    for channel in Channel.values:
        decision = contact_gate(recipient=person, channel=channel, at=at_ten_pm)
        assert not decision.allowed and decision.permit is None
    email = contact_gate(recipient=person, channel=Channel.EMAIL, at=at_ten_pm)
    assert email.reason == "outside_safe_hours"
    assert email.next_safe_at == local(2026, 12, 1, 9, 0)


def test_her_own_safe_hours_are_used(clock, book_her):
    appointment = book_her()
    person = appointment.person
    person.safe_from, person.safe_until = time(12, 0), time(14, 0)
    person.save()
    assert not contact_gate(
        recipient=person, channel="email", at=local(2026, 12, 1, 11, 59)
    ).allowed
    assert contact_gate(recipient=person, channel="email", at=local(2026, 12, 1, 12, 0)).allowed
    assert not contact_gate(recipient=person, channel="email", at=local(2026, 12, 1, 14, 0)).allowed


def test_a_reminder_due_outside_her_safe_hours_is_skipped_and_recorded(
    clock, book_her, run_worker, settings
):
    settings.REMINDER_HOURS_BEFORE = [12]  # 10:30 session → 22:30 the evening before
    appointment = book_her()
    run_worker()
    clock.move_to(local(2026, 12, 1, 22, 30))
    sent_before = len(mail.outbox) + len(text.outbox)
    run_worker()
    assert len(mail.outbox) + len(text.outbox) == sent_before
    reminders = Delivery.objects.filter(appointment=appointment, kind=MessageKind.REMINDER)
    assert {(d.status, d.reason) for d in reminders} == {("skipped", "outside_safe_hours")}
    assert {d.attempts for d in reminders} == {0}


def test_a_confirmation_for_a_booking_made_at_night_waits_for_her_morning(
    clock, book_her, run_worker
):
    clock.move_to(local(2026, 11, 30, 22, 0))
    appointment = book_her()
    confirmations = Delivery.objects.filter(appointment=appointment, kind="confirmation")
    assert {d.due_at for d in confirmations} == {local(2026, 12, 1, 9, 0)}
    run_worker()
    assert mail.outbox == [] and text.outbox == []
    clock.move_to(local(2026, 12, 1, 9, 0))
    run_worker()
    assert [m.subject for m in mail.outbox] == ["Tu cita está confirmada"]


def test_a_notice_the_worker_reaches_late_at_night_is_deferred_again(clock, book_her, run_worker):
    appointment = book_her()
    # The worker was down: it comes back at 21:00 with the confirmation still queued.
    clock.move_to(local(2026, 11, 30, 21, 0))
    run_worker()
    assert mail.outbox == []
    confirmation = Delivery.objects.get(
        appointment=appointment, kind="confirmation", channel="email"
    )
    assert confirmation.status == "queued"
    assert confirmation.next_attempt_at == local(2026, 12, 1, 9, 0)
    clock.move_to(local(2026, 12, 1, 9, 0))
    run_worker()
    assert [m.subject for m in mail.outbox] == ["Tu cita está confirmada"]


def test_skipped_messages_are_recorded_with_the_reason(clock, book_her, run_worker):
    appointment = book_her(contact=ContactChoices(call=True))  # calls only
    run_worker()
    skipped = Delivery.objects.filter(appointment=appointment, status="skipped")
    assert {(d.kind, d.channel, d.reason) for d in skipped} == {
        ("confirmation", "email", "channel_not_allowed"),
        ("confirmation", "sms", "channel_not_allowed"),
    }
    assert {d.recipient_masked for d in skipped} == {"a•••@•••.net", "•••• 4567"}
    assert mail.outbox == [] and text.outbox == []


# ---------------------------------------------------------------- no way around the gate


RENDERED = Rendered(subject="Tu cita", text="Hola")


def test_the_senders_refuse_to_send_without_a_permit(clock):
    with pytest.raises(GateBypass):
        send_email(permit=None, rendered=RENDERED)  # type: ignore[arg-type]
    with pytest.raises(GateBypass):
        send_text(permit="+526141234567", body="Hola")  # type: ignore[arg-type]
    assert mail.outbox == [] and text.outbox == []


def test_the_senders_refuse_a_permit_the_gate_did_not_issue(clock):
    forged = Permit(
        token="x" * 22, channel="email", address="a@example.net", issued_at=local(2026, 11, 30, 10)
    )
    with pytest.raises(GateBypass):
        send_email(permit=forged, rendered=RENDERED)
    assert mail.outbox == []


def test_a_permit_works_once_and_for_its_own_channel(clock, book_her):
    person = book_her().person
    permit = contact_gate(recipient=person, channel=Channel.EMAIL).permit
    assert permit is not None
    with pytest.raises(GateBypass):
        send_text(permit=permit, body="Hola")  # an email permit cannot send an SMS
    permit = contact_gate(recipient=person, channel=Channel.EMAIL).permit
    assert permit is not None
    send_email(permit=permit, rendered=RENDERED)
    with pytest.raises(GateBypass):
        send_email(permit=permit, rendered=RENDERED)
    assert len(mail.outbox) == 1


def test_a_gate_that_denies_stops_every_kind_of_message_on_every_channel(clock, book_her):
    """Patch the gate to say no, then run every message kind on every channel."""
    everything = ContactChoices(call=True, sms=True, whatsapp=True, email=True)
    appointment = book_her(contact=everything)
    advisor = appointment.advisor
    Delivery.objects.all().delete()
    DBTaskResult.objects.all().delete()
    # The appointment state under which each kind still holds when its task runs.
    status_for: dict[str, str] = {
        MessageKind.CONFIRMATION: Appointment.Status.CONFIRMED,
        MessageKind.REMINDER: Appointment.Status.CONFIRMED,
        MessageKind.RESCHEDULED: Appointment.Status.CONFIRMED,
        MessageKind.CANCELLED: Appointment.Status.CANCELLED_BY_INSTITUTE,
        MessageKind.NO_SHOW: Appointment.Status.NO_SHOW,
    }
    asked = []

    def deny(*, recipient, channel, at=None):
        asked.append(channel)
        return GateDecision(allowed=False, reason="channel_not_allowed")

    results = {}
    with mock.patch("cercania.notifications.services.contact_gate", deny):
        for kind in MessageKind.values:
            if kind in status_for:
                Appointment.objects.filter(pk=appointment.pk).update(status=status_for[kind])
            for channel in Channel.values:
                staff = kind == MessageKind.STAFF_AGENDA
                delivery = Delivery.objects.create(
                    key=f"test:{kind}:{channel}",
                    appointment=None if staff else appointment,
                    advisor=advisor if staff else None,
                    agenda_day=appointment.starts_at.date() if staff else None,
                    kind=kind,
                    channel=channel,
                    for_starts_at=appointment.starts_at,
                    due_at=local(2026, 11, 30, 10, 0),
                )
                results[kind, channel] = delivery_run(delivery_id=delivery.pk)
    assert set(results.values()) == {"skipped"}
    assert len(results) == len(MessageKind.values) * len(Channel.values)
    assert len(asked) == len(results)
    assert mail.outbox == [] and text.outbox == []


def test_staff_get_their_agenda_by_email_only(clock, make_advisor):
    user = make_advisor().user
    assert contact_gate(recipient=user, channel=Channel.EMAIL).allowed
    assert not contact_gate(recipient=user, channel=Channel.SMS).allowed
    user.is_active = False
    assert contact_gate(recipient=user, channel=Channel.EMAIL).reason == "inactive_recipient"


def test_unredeemed_permits_are_forgotten(clock, book_her):
    person = book_her().person
    contact_gate(recipient=person, channel=Channel.EMAIL)
    clock.move_to(local(2026, 11, 30, 11, 0))
    contact_gate(recipient=person, channel=Channel.EMAIL)
    assert len(gate._issued) == 1


def test_withdrawing_her_sms_consent_stops_the_sms_already_queued(clock, book_her, run_worker):
    # Consent first (as the booking flow records it), then she withdraws it by phone
    # before the worker gets to her confirmation: the queued SMS must not go, the
    # email she still allows must.
    from cercania.privacy.services import consent_withdraw, consents_record_booking

    appointment = book_her(contact=ContactChoices(sms=True, email=True))
    person = appointment.person
    consents = consents_record_booking(
        person=person, notice_version="2026.1", channels={"sms", "email"}
    )
    assert Delivery.objects.filter(appointment=appointment, channel="sms").exists()
    (sms_consent,) = [c for c in consents if c.purpose == "contact_sms"]
    consent_withdraw(consent=sms_consent, by=None)
    run_worker()
    assert text.outbox == []
    sms = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="sms")
    assert (sms.status, sms.reason) == ("skipped", "channel_not_allowed")
    assert len(mail.outbox) == 1
