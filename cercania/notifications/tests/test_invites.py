"""The calendar invite: one UID for life, SEQUENCE up on each change, CANCEL on cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import icalendar
import pytest
from django.core import mail

from cercania.conftest import local
from cercania.notifications.wording import denied_terms_in
from cercania.scheduling.services import appointment_cancel, appointment_reschedule

pytestmark = pytest.mark.django_db


def invite_of(message) -> tuple[str, icalendar.Calendar]:
    """The Content-Type of the calendar part and the parsed calendar."""
    parts = [p for p in message.message().walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    return part["Content-Type"], calendar


def event_of(calendar: icalendar.Calendar) -> Any:
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def test_the_invite_keeps_its_uid_raises_its_sequence_and_cancels(
    clock, book_her, committing, run_worker
):
    appointment = book_her(modality="video")
    run_worker()
    committing(appointment_reschedule, appointment=appointment, start=local(2026, 12, 3, 11, 15))
    run_worker()
    committing(appointment_cancel, appointment=appointment)
    run_worker()

    invites = [invite_of(m) for m in mail.outbox]
    assert len(invites) == 3
    content_types = [content_type for content_type, _ in invites]
    assert [c.split(";")[0] for c in content_types] == ["text/calendar"] * 3
    assert ['method="REQUEST"' in content_types[0], 'method="REQUEST"' in content_types[1]] == [
        True,
        True,
    ]
    assert 'method="CANCEL"' in content_types[2]

    calendars = [calendar for _, calendar in invites]
    assert [str(c["METHOD"]) for c in calendars] == ["REQUEST", "REQUEST", "CANCEL"]
    events = [event_of(c) for c in calendars]
    assert {str(e["UID"]) for e in events} == {f"{appointment.public_id}@cercania"}
    assert [e.decoded("SEQUENCE") for e in events] == [0, 1, 2]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    # Times in UTC: 10:30 and then 11:15 in Chihuahua.
    assert events[0].decoded("DTSTART") == datetime(2026, 12, 2, 16, 30, tzinfo=UTC)
    assert events[1].decoded("DTSTART") == datetime(2026, 12, 3, 17, 15, tzinfo=UTC)
    assert events[1].decoded("DTEND") == datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    raw = mail.outbox[1].message().as_string()
    assert "DTSTART:20261203T171500Z" in raw


def test_the_invite_is_neutral_and_names_a_neutral_organizer(clock, book_her, run_worker):
    appointment = book_her(modality="video")
    run_worker()
    _, calendar = invite_of(mail.outbox[0])
    event = event_of(calendar)
    assert str(event["SUMMARY"]) == "Cita (videollamada)"
    description = str(event["DESCRIPTION"])
    assert appointment.reference in description
    assert "https://citas.example.org/cita/" in description
    assert str(event["ORGANIZER"]) == "mailto:citas@example.org"
    assert str(event["ATTENDEE"]) == "mailto:ana.sentinel@example.net"
    for value in (event["SUMMARY"], description, calendar.to_ical().decode()):
        assert "Ana" not in str(value)
    assert denied_terms_in(f"{event['SUMMARY']} {description}") == []


def test_reminders_carry_no_invite(clock, book_her, run_worker):
    book_her()
    clock.move_to(local(2026, 12, 1, 10, 30))
    run_worker()
    reminder = [m for m in mail.outbox if m.subject == "Recordatorio de tu cita"]
    assert reminder and not [
        p for p in reminder[0].message().walk() if p.get_content_type() == "text/calendar"
    ]
