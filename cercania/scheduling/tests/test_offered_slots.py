"""The free times the public listings show, kept per process: never one already taken,
an agenda change at once in this process and within MAX_AGE_SECONDS in the others, and
a listing made stale by a session cut again from the agenda it was cut from."""

from datetime import date, time

import pytest
import time_machine

from cercania.conftest import local
from cercania.scheduling import offered
from cercania.scheduling.models import AvailabilityWindow
from cercania.scheduling.services import appointment_cancel, availability_window_add

# Committed rows, outside any test transaction: inside one nothing is kept.
pytestmark = pytest.mark.django_db(transaction=True)
NOW = local(2026, 11, 30, 8, 0)  # Monday
TUESDAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def starts(service) -> list[str]:
    slots = offered.offered_slots(service=service, first_day=TUESDAY, last_day=TUESDAY)
    return [f"{slot.start.astimezone(NOW.tzinfo):%H:%M}" for slot in slots]


def test_a_second_listing_reads_one_aggregate_and_computes_nothing(
    legal_service, make_advisor, django_assert_num_queries
):
    make_advisor()
    first = starts(legal_service)
    assert first[:2] == ["09:00", "09:45"] and len(first) == 8
    with django_assert_num_queries(1):  # how many sessions, and their latest change
        assert starts(legal_service) == first


def test_a_time_booked_by_another_process_is_not_offered_again(legal_service, make_advisor, book):
    make_advisor()
    assert "09:45" in starts(legal_service)
    booking = book(legal_service, local(2026, 12, 1, 9, 45), now=NOW)
    assert "09:45" not in starts(legal_service)
    appointment_cancel(appointment=booking.appointment)
    assert "09:45" in starts(legal_service)


def test_an_agenda_change_shows_at_once_here_and_within_the_max_age_elsewhere(
    legal_service, make_advisor, monkeypatch
):
    advisor = make_advisor(weekdays=[3])  # Wednesdays only: nothing on Tuesday
    assert starts(legal_service) == []
    availability_window_add(advisor=advisor, weekday=2, starts=time(9), ends=time(10, 30))
    assert starts(legal_service) == ["09:00", "09:45"]  # this process: dropped by the save

    # Another process's change sends no signal here (as QuerySet.update() does not).
    AvailabilityWindow.objects.filter(advisor=advisor, weekday=2).update(ends=time(12))
    assert starts(legal_service) == ["09:00", "09:45"]
    clock = offered._monotonic()
    monkeypatch.setattr(offered, "_monotonic", lambda: clock + offered.MAX_AGE_SECONDS)
    assert starts(legal_service) == ["09:00", "09:45", "10:30", "11:15"]


def test_a_listing_made_stale_by_a_booking_reads_the_busy_times_again_but_not_the_agenda(
    legal_service, make_advisor, book, django_assert_num_queries
):
    make_advisor()
    assert "09:45" in starts(legal_service)
    book(legal_service, local(2026, 12, 1, 9, 45), now=NOW)
    # How many sessions (changed: computed again), then the busy times alone: the
    # advisers and their windows are this process's copy.
    with django_assert_num_queries(2):
        assert "09:45" not in starts(legal_service)


def test_one_copy_of_the_agenda_serves_every_range_of_the_horizon(
    legal_service, make_advisor, django_assert_num_queries
):
    make_advisor()
    assert len(starts(legal_service)) == 8  # Tuesday: the agenda is read for the horizon
    with django_assert_num_queries(2):  # how many sessions, the busy times
        month = offered.offered_slots(
            service=legal_service, first_day=TUESDAY, last_day=date(2026, 12, 31)
        )
    assert {f"{slot.start.astimezone(NOW.tzinfo):%d}" for slot in month} >= {"01", "02", "29"}


def test_a_listing_is_as_old_as_the_agenda_it_was_cut_from(
    legal_service, make_advisor, book, monkeypatch
):
    advisor = make_advisor(weekdays=[2])  # Tuesdays 9–15
    clock = offered._monotonic()
    monkeypatch.setattr(offered, "_monotonic", lambda: clock)
    assert starts(legal_service)[:2] == ["09:00", "09:45"]
    # Later, a booking makes the listing stale: it is cut again from the kept agenda...
    monkeypatch.setattr(offered, "_monotonic", lambda: clock + offered.MAX_AGE_SECONDS / 2)
    book(legal_service, local(2026, 12, 1, 9, 45), now=NOW)
    assert starts(legal_service)[:2] == ["09:00", "10:30"]
    # ...while another process moves the adviser's Tuesday to the afternoon (no signal).
    AvailabilityWindow.objects.filter(advisor=advisor, weekday=2).update(starts=time(12))
    assert starts(legal_service)[:2] == ["09:00", "10:30"]
    # MAX_AGE_SECONDS after the agenda was read (not after the listing was cut again),
    # the change shows.
    monkeypatch.setattr(offered, "_monotonic", lambda: clock + offered.MAX_AGE_SECONDS)
    assert starts(legal_service)[:2] == ["12:00", "12:45"]


def test_the_minimum_notice_applies_to_a_kept_listing_as_the_clock_moves(
    legal_service, make_advisor, settings
):
    make_advisor()
    settings.BOOKING_MIN_NOTICE_MINUTES = 60
    with time_machine.travel(local(2026, 12, 1, 8, 0), tick=False):
        assert starts(legal_service)[0] == "09:00"
    with time_machine.travel(local(2026, 12, 1, 8, 30), tick=False):
        assert starts(legal_service)[0] == "09:45"  # 9:00 is now within the hour
