"""New or returning: the first attention each woman's record keeps, through every service
that can move it (a call linked later, a session corrected, a merge)."""

from __future__ import annotations

from datetime import date, time

import pytest

from cercania.cases.models import Contact, CreatedVia, Person
from cercania.cases.services import contact_link, contact_record, person_merge
from cercania.conftest import local
from cercania.reports import selectors
from cercania.reports.selectors import Filters
from cercania.scheduling.models import Appointment
from cercania.scheduling.services import appointment_book, appointment_mark

from .conftest import AFTER, record_contact

pytestmark = pytest.mark.django_db
WEEK = Filters(start=date(2026, 12, 1), end=date(2026, 12, 7))


def new_and_returning() -> dict[str, int]:
    return dict(selectors.women_attended(WEEK).rows)


def test_her_first_attention_is_her_earliest_contact_or_attended_session(world):
    ana, bea = world.women[0], world.women[1]
    ana.refresh_from_db()
    bea.refresh_from_db()
    assert ana.first_attended_at == local(2026, 11, 25, 10)  # the November call
    assert bea.first_attended_at == local(2026, 12, 3, 9)  # her jornada session
    assert Person.objects.get(pk=world.women[2].pk).first_attended_at is None  # no-show


def test_a_call_linked_to_her_record_later_makes_her_a_returning_woman(world, lawyer):
    bea = world.women[1]
    # A November call logged before anybody knew it was her.
    call = contact_record(
        staff=lawyer,
        kind=Contact.Kind.INCOMING_CALL,
        started_at=local(2026, 11, 20, 10),
        result=Contact.Result.ORIENTATION,
    )
    assert new_and_returning() == {"Primera vez": 1, "Ya atendidas antes": 1}
    contact_link(contact=call, person=bea, actor=lawyer)
    assert new_and_returning() == {"Primera vez": 0, "Ya atendidas antes": 2}


def test_a_later_contact_does_not_move_her_first_attention(world, lawyer):
    ana = world.women[0]
    record_contact(ana, lawyer, local(2026, 12, 4, 11))
    ana.refresh_from_db()
    assert ana.first_attended_at == local(2026, 11, 25, 10)


def test_a_session_marked_attended_by_mistake_stops_counting_once_corrected(world, legal_service):
    # Dora's November session was marked attended, then corrected to a no-show: her
    # December session is her first attention, so she is new in the week.
    dora = world.women[3]

    def session_for_dora(start, booked_at):  # booked by staff on her record
        return appointment_book(
            service=legal_service,
            start=start,
            modality="phone",
            person=dora,
            created_via=CreatedVia.PHONE_LINE,
            now=booked_at,
        ).appointment

    november = session_for_dora(local(2026, 11, 24, 9), local(2026, 11, 20, 9))
    december = session_for_dora(local(2026, 12, 4, 10, 30), local(2026, 11, 30, 8))
    appointment_mark(appointment=december, status=Appointment.Status.ATTENDED, now=AFTER)
    appointment_mark(appointment=november, status=Appointment.Status.ATTENDED, now=AFTER)
    assert new_and_returning() == {"Primera vez": 1, "Ya atendidas antes": 2}

    appointment_mark(appointment=november, status=Appointment.Status.NO_SHOW, now=AFTER)
    assert new_and_returning() == {"Primera vez": 2, "Ya atendidas antes": 1}
    dora.refresh_from_db()
    assert dora.first_attended_at == local(2026, 12, 4, 10, 30)


def test_a_merged_record_brings_her_earlier_history(world, make_person, lawyer, coordinator):
    bea = world.women[1]
    duplicate = make_person("Beatriz")
    record_contact(duplicate, lawyer, local(2026, 10, 2, 12))
    assert new_and_returning() == {"Primera vez": 1, "Ya atendidas antes": 1}
    person_merge(source=duplicate, target=bea, actor=coordinator)
    assert new_and_returning() == {"Primera vez": 0, "Ya atendidas antes": 2}
    bea.refresh_from_db()
    assert bea.first_attended_at == local(2026, 10, 2, 12)


def test_editing_her_record_from_an_older_copy_keeps_her_first_attention(
    world, lawyer, coordinator
):
    from cercania.cases.services import ContactChoices, person_confirm_preferences, person_update

    bea = Person.objects.get(pk=world.women[1].pk)  # read before the call below
    record_contact(world.women[1], lawyer, local(2026, 11, 2, 10))
    person_update(
        person=bea,
        name="Bea",
        phone="",
        email="",
        birth_year=1990,
        municipality="Chihuahua",
        employer=None,
        actor=coordinator,
    )
    person_confirm_preferences(
        person=bea,
        contact=ContactChoices(sms=True),
        safe_from=time(9),
        safe_until=time(18),
        what_may_be_said="",
        code_name="",
        actor=coordinator,
    )
    bea.refresh_from_db()
    assert (bea.birth_year, bea.may_sms) == (1990, True)
    assert bea.first_attended_at == local(2026, 11, 2, 10)
