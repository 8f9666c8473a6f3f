"""Slot rules, computed through the selector over real rows, with a fixed 'now'."""

from datetime import date, time, timedelta

import pytest

from cercania.conftest import local
from cercania.scheduling.models import Advisor, Jornada
from cercania.scheduling.selectors import bookable_slots
from cercania.scheduling.services import (
    appointment_cancel,
    reserved_window_add,
    time_off_add,
)

pytestmark = pytest.mark.django_db
# Sunday evening before the week of Monday 30 Nov 2026.
NOW = local(2026, 11, 29, 18, 0)


def starts(slots):
    return [s.start for s in slots]


def test_a_45_minute_service_in_a_9_to_15_window_yields_the_expected_starts(
    legal_service, make_advisor
):
    make_advisor()
    slots = bookable_slots(
        service=legal_service, first_day=date(2026, 11, 30), last_day=date(2026, 11, 30), now=NOW
    )
    expected = [local(2026, 11, 30, 9) + timedelta(minutes=45 * i) for i in range(8)]
    assert starts(slots) == expected
    assert slots[-1].end == local(2026, 11, 30, 15)


def test_no_slot_starts_before_9_or_ends_after_15_local(legal_service, make_advisor):
    make_advisor()
    slots = bookable_slots(
        service=legal_service, first_day=date(2026, 11, 30), last_day=date(2026, 12, 4), now=NOW
    )
    assert slots
    for slot in slots:
        assert slot.start.astimezone(local(2026, 1, 1).tzinfo).time() >= time(9)
        assert slot.end.astimezone(local(2026, 1, 1).tzinfo).time() <= time(15)


def test_there_are_no_slots_on_weekends(legal_service, make_advisor):
    make_advisor()
    slots = bookable_slots(
        service=legal_service, first_day=date(2026, 12, 5), last_day=date(2026, 12, 6), now=NOW
    )
    assert slots == []


def test_there_are_no_slots_on_closed_days(legal_service, make_advisor):
    make_advisor()
    # Friday 25 Dec 2026 is a federal rest day.
    slots = bookable_slots(
        service=legal_service,
        first_day=date(2026, 12, 25),
        last_day=date(2026, 12, 25),
        now=local(2026, 12, 20, 10),
    )
    assert slots == []


def test_there_are_no_slots_inside_time_off(legal_service, make_advisor):
    advisor = make_advisor()
    time_off_add(
        advisor=advisor,
        starts_at=local(2026, 12, 1, 10),
        ends_at=local(2026, 12, 1, 12),
        reason="curso",
    )
    slots = bookable_slots(
        service=legal_service, first_day=date(2026, 12, 1), last_day=date(2026, 12, 1), now=NOW
    )
    assert slots
    for slot in slots:
        assert slot.end <= local(2026, 12, 1, 10) or slot.start >= local(2026, 12, 1, 12)
    # 9:45–10:30 overlaps the course, so it is gone; 12:00 is the next grid start after it.
    assert local(2026, 12, 1, 9, 45) not in starts(slots)
    assert local(2026, 12, 1, 12, 0) in starts(slots)


def test_there_are_no_slots_inside_the_minimum_notice(legal_service, make_advisor):
    make_advisor()
    now = local(2026, 11, 30, 9, 30)
    slots = bookable_slots(
        service=legal_service, first_day=date(2026, 11, 30), last_day=date(2026, 11, 30), now=now
    )
    assert slots
    assert min(starts(slots)) >= now + timedelta(hours=2)
    assert starts(slots)[0] == local(2026, 11, 30, 12, 0)


def test_there_are_no_slots_beyond_the_horizon(legal_service, make_advisor, settings):
    make_advisor()
    settings.BOOKING_HORIZON_DAYS = 7
    slots = bookable_slots(
        service=legal_service, first_day=date(2026, 11, 30), last_day=date(2027, 1, 31), now=NOW
    )
    assert slots
    assert max(starts(slots)) <= NOW + timedelta(days=7)


def test_there_are_no_slots_in_the_past(legal_service, make_advisor):
    make_advisor()
    slots = bookable_slots(
        service=legal_service, first_day=date(2026, 11, 1), last_day=date(2026, 11, 27), now=NOW
    )
    assert slots == []


def test_a_slot_is_offered_once_even_when_several_advisors_are_free(legal_service, make_advisor):
    first, second = make_advisor(), make_advisor()
    slots = bookable_slots(
        service=legal_service, first_day=date(2026, 11, 30), last_day=date(2026, 11, 30), now=NOW
    )
    assert len(slots) == 8
    assert all(sorted(s.advisor_ids) == sorted([first.pk, second.pk]) for s in slots)


def test_a_taken_slot_disappears_and_cancelling_frees_it(legal_service, make_advisor, book):
    make_advisor()
    slot_start = local(2026, 11, 30, 10, 30)
    booking = book(legal_service, slot_start, now=NOW)
    day = {
        "service": legal_service,
        "first_day": date(2026, 11, 30),
        "last_day": date(2026, 11, 30),
        "now": NOW,
    }
    assert slot_start not in starts(bookable_slots(**day))
    appointment_cancel(appointment=booking.appointment)
    assert slot_start in starts(bookable_slots(**day))


def test_modality_filters_by_what_the_advisor_attends(legal_service, make_advisor):
    make_advisor(modalities=["phone"])
    day = {
        "service": legal_service,
        "first_day": date(2026, 11, 30),
        "last_day": date(2026, 11, 30),
        "now": NOW,
    }
    assert bookable_slots(**day, modality="video") == []
    assert len(bookable_slots(**day, modality="phone")) == 8
    assert all(s.modalities == {"phone"} for s in bookable_slots(**day))


def test_only_active_advisers_of_the_service_are_offered(legal_service, make_advisor):
    day = {
        "service": legal_service,
        "first_day": date(2026, 11, 30),
        "last_day": date(2026, 11, 30),
        "now": NOW,
    }
    make_advisor(service="violencia")  # all day, of another service
    away = make_advisor(starts=time(13), ends=time(15))
    staying = make_advisor(starts=time(9), ends=time(10, 30))
    assert [s.advisor_ids for s in bookable_slots(**day)] == [[staying.pk]] * 2 + [[away.pk]] * 2
    Advisor.objects.filter(pk=away.pk).update(active=False)  # the admin's "active" box
    assert [f"{s.start:%H:%M}" for s in bookable_slots(**day)] == ["09:00", "09:45"]


def test_reserved_jornada_windows_appear_only_on_the_jornadas_page(
    legal_service, make_advisor, make_jornada
):
    advisor = make_advisor()
    jornada = make_jornada(starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 3))
    reserved_window_add(
        jornada=jornada, advisor=advisor, day=date(2026, 12, 2), starts=time(9), ends=time(12)
    )
    day = {
        "service": legal_service,
        "first_day": date(2026, 12, 2),
        "last_day": date(2026, 12, 2),
        "now": NOW,
    }

    general = starts(bookable_slots(**day))
    for_jornada = starts(bookable_slots(**day, jornada=jornada))

    assert for_jornada == [local(2026, 12, 2, 9) + timedelta(minutes=45 * i) for i in range(4)]
    assert not set(general) & set(for_jornada)
    assert general[0] == local(2026, 12, 2, 12)  # the rest of her day stays public


def test_a_jornadas_daily_capacity_closes_the_day_when_full(
    legal_service, make_advisor, make_jornada, book
):
    advisor = make_advisor()
    jornada = make_jornada(starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2), daily_capacity=1)
    reserved_window_add(
        jornada=jornada, advisor=advisor, day=date(2026, 12, 2), starts=time(9), ends=time(12)
    )
    day = {
        "service": legal_service,
        "first_day": date(2026, 12, 2),
        "last_day": date(2026, 12, 2),
        "now": NOW,
    }
    book(legal_service, local(2026, 12, 2, 9), jornada=jornada, now=NOW)
    assert bookable_slots(**day, jornada=jornada) == []


def test_a_closed_jornada_frees_its_windows_for_the_general_agenda(
    legal_service, make_advisor, make_jornada
):
    advisor = make_advisor()
    jornada = make_jornada(
        starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2), status=Jornada.Status.CLOSED
    )
    reserved_window_add(
        jornada=jornada, advisor=advisor, day=date(2026, 12, 2), starts=time(9), ends=time(12)
    )
    day = {
        "service": legal_service,
        "first_day": date(2026, 12, 2),
        "last_day": date(2026, 12, 2),
        "now": NOW,
    }
    assert starts(bookable_slots(**day))[0] == local(2026, 12, 2, 9)


def test_busy_time_is_read_to_the_microsecond(legal_service, make_advisor):
    # The database hands busy time over as UTC seconds: no fraction may be lost.
    advisor = make_advisor()
    time_off_add(
        advisor=advisor,
        starts_at=local(2026, 12, 1, 9, 0),
        ends_at=local(2026, 12, 1, 9, 45) + timedelta(microseconds=500_000),
        reason="trámite",
    )
    time_off_add(
        advisor=advisor,
        starts_at=local(2026, 12, 1, 12) - timedelta(microseconds=1),
        ends_at=local(2026, 12, 1, 12, 30),
        reason="llamada",
    )
    day = {
        "service": legal_service,
        "first_day": date(2026, 12, 1),
        "last_day": date(2026, 12, 1),
        "now": NOW,
    }
    offered = starts(bookable_slots(**day))
    # Half a second into 9:45–10:30 takes it; so does a microsecond of 11:15–12:00.
    assert local(2026, 12, 1, 9, 45) not in offered
    assert local(2026, 12, 1, 11, 15) not in offered
    assert local(2026, 12, 1, 10, 30) in offered


def test_a_session_touching_time_off_is_still_offered(legal_service, make_advisor):
    advisor = make_advisor()
    time_off_add(
        advisor=advisor,
        starts_at=local(2026, 12, 1, 9, 45),
        ends_at=local(2026, 12, 1, 10, 30),
        reason="trámite",
    )
    day = {
        "service": legal_service,
        "first_day": date(2026, 12, 1),
        "last_day": date(2026, 12, 1),
        "now": NOW,
    }
    offered = starts(bookable_slots(**day))
    assert local(2026, 12, 1, 9, 0) in offered
    assert local(2026, 12, 1, 9, 45) not in offered
    assert local(2026, 12, 1, 10, 30) in offered
