"""Personas (from the case tests) and a small hand-built world with known answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from cercania.cases.tests.conftest import (  # noqa: F401  (fixtures re-used here)
    client_for,
    coordinator,
    lawyer,
    liaison,
    make_case,
    make_person,
    operator,
    other_lawyer,
    sysadmin,
    violence_worker,
)
from cercania.conftest import local

NOW = local(2026, 11, 30, 8)
AFTER = local(2026, 12, 10, 12)


@dataclass
class World:
    ana: Any
    women: list[Any]
    appointments: list[Any]
    jornada: Any


def record_contact(
    person: Any, staff: Any, at: Any, *, kind: str = "incoming_call", line: Any = None
) -> None:
    """A contact of hers (or of nobody yet, with person None), through the service."""
    from cercania.cases.models import Contact
    from cercania.cases.services import contact_record

    contact_record(
        staff=staff,
        kind=kind,
        started_at=at,
        result=Contact.Result.ORIENTATION,
        line=line,
        person=person,
    )


def consent_to_statistics(person: Any) -> None:
    from cercania.privacy.services import consent_give

    consent_give(person=person, purpose="anonymous_statistics", notice_version="2026.1")


@pytest.fixture
def world(make_advisor, legal_service, book, make_jornada, coordinator) -> World:  # noqa: F811
    """Week of 1–4 Dec 2026, legal service, one advisor (Mon–Fri 9–15):

    - 6 sessions: 3 attended (Ana twice: 1 and 2 Dec; Bea), 1 no-show, 1 cancelled,
      1 still confirmed; 2 of them (Bea attended, Carla no-show) in the Emerson jornada.
    - Ana also called on 1 Dec at 15:00 exactly (out of hours) and had a call in
      November (she is returning); she has two legal cases.
    - Only Ana and Bea consented to anonymous statistics.
    """
    from cercania.cases.models import Contact
    from cercania.cases.services import case_open, contact_record
    from cercania.scheduling.models import Appointment
    from cercania.scheduling.services import (
        appointment_cancel,
        appointment_mark,
        reserved_window_add,
    )

    ana = make_advisor()
    jornada = make_jornada(starts_on=date(2026, 12, 3), ends_on=date(2026, 12, 3))
    reserved_window_add(
        jornada=jornada,
        advisor=ana,
        day=date(2026, 12, 3),
        starts=local(2026, 1, 1, 9).time(),
        ends=local(2026, 1, 1, 12).time(),
    )
    phones = iter(f"614 555 00{n:02d}" for n in range(1, 50))

    def booking(start: Any, name: str, **kw: Any) -> Any:
        return book(legal_service, start, now=NOW, name=name, phone=next(phones), **kw).appointment

    a1 = booking(local(2026, 12, 1, 9), "Ana Sentinela")
    a2 = booking(local(2026, 12, 3, 9), "Bea", jornada=jornada)
    a3 = booking(local(2026, 12, 3, 9, 45), "Carla", jornada=jornada)
    a4 = booking(local(2026, 12, 2, 9), "Dora")
    a5 = booking(local(2026, 12, 4, 9), "Eva")
    ana_person = a1.person
    # Her second session, booked for her by staff on the same person record.
    a6 = booking(local(2026, 12, 2, 10, 30), "Ana Sentinela")
    Appointment.objects.filter(pk=a6.pk).update(person=ana_person)
    a6.refresh_from_db()

    for appointment in (a1, a2, a6):
        appointment_mark(appointment=appointment, status=Appointment.Status.ATTENDED, now=AFTER)
    appointment_mark(appointment=a3, status=Appointment.Status.NO_SHOW, now=AFTER)
    appointment_cancel(appointment=a4)

    staff = ana.user
    contact_record(
        staff=staff,
        kind=Contact.Kind.INCOMING_CALL,
        started_at=local(2026, 12, 1, 15),
        result=Contact.Result.ORIENTATION,
        line=legal_service,
        person=ana_person,
    )
    contact_record(
        staff=staff,
        kind=Contact.Kind.INCOMING_CALL,
        started_at=local(2026, 12, 1, 10),
        result=Contact.Result.ORIENTATION,
        line=legal_service,
        person=ana_person,
    )
    contact_record(
        staff=staff,
        kind=Contact.Kind.INCOMING_CALL,
        started_at=local(2026, 11, 25, 10),
        result=Contact.Result.ORIENTATION,
        line=legal_service,
        person=ana_person,
    )
    from cercania.cases.models import LegalMatter

    matters = list(LegalMatter.objects.order_by("pk")[:2])
    case_open(
        person=ana_person,
        area="legal",
        matters=matters,
        actor=coordinator,
        opened_on=date(2026, 12, 1),
    )
    case_open(
        person=ana_person,
        area="legal",
        matters=matters[:1],
        actor=coordinator,
        opened_on=date(2026, 12, 2),
    )
    consent_to_statistics(ana_person)
    consent_to_statistics(a2.person)
    return World(
        ana=ana,
        women=[ana_person, a2.person, a3.person, a4.person, a5.person],
        appointments=[a1, a2, a3, a4, a5, a6],
        jornada=jornada,
    )
