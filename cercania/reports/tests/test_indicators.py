"""Each indicator on the hand-built week of conftest.world, with known answers."""

from __future__ import annotations

from datetime import date

import pytest

from cercania.reports import selectors
from cercania.reports.selectors import Filters, period_filters

pytestmark = pytest.mark.django_db
WEEK = Filters(start=date(2026, 12, 1), end=date(2026, 12, 7))


def rows(table):
    return dict(table.rows)


def test_a_woman_with_two_cases_two_sessions_and_calls_counts_once(world):
    table = selectors.women_attended(WEEK)
    # Ana (sessions, calls, two cases) and Bea; Carla did not come, Dora cancelled.
    assert table.total == 2
    assert rows(table) == {"Primera vez": 1, "Ya atendidas antes": 1}


def test_sessions_count_booked_attended_cancelled_and_the_no_show_rate(world):
    table = selectors.sessions(WEEK)
    assert table.total == 6
    assert rows(table) == {
        "Atendidas": 3,
        "No se presentó": 1,
        "Canceladas": 1,
        "Confirmadas, aún sin registrar": 1,
    }
    assert selectors.no_show_rate(WEEK) == pytest.approx(1 / 4)


def test_a_cancelled_session_is_not_attended(world):
    cancelled = world.women[3]
    assert cancelled not in set(selectors.women_attended_qs(WEEK))


def test_contacts_are_counted_by_kind_and_line(world):
    assert rows(selectors.contacts_by_kind(WEEK))["Llamada recibida"] == 2
    assert selectors.contacts_by_line(WEEK).total == 2


def test_a_call_at_15_00_exactly_is_out_of_hours(world):
    assert rows(selectors.calls_out_of_hours(WEEK)) == {
        "Dentro del horario": 1,
        "Fuera del horario": 1,
    }


def test_matters_count_cases_per_matter(world):
    table = selectors.top_matters(WEEK)
    assert sorted(n for _label, n in table.rows) == [1, 2]
    assert table.total == 2


def test_women_reached_per_organisation_and_jornada(world):
    assert rows(selectors.women_by_organization(WEEK)) == {"Emerson Termotec": 1}
    assert selectors.women_by_jornada(WEEK).total == 1


def test_age_groups_put_women_without_a_birth_year_apart(world):
    table = selectors.age_groups(WEEK)
    assert rows(table)["Sin dato"] == 2


def test_occupancy_is_booked_minutes_over_available_minutes(world, legal_service):
    booked, available = selectors.occupancy(WEEK)
    # Tue 1–Fri 4 and Mon 7 Dec (the weekend between) × 6 h of one advisor.
    assert available == 5 * 6 * 60
    minutes = legal_service.session_minutes
    assert booked == 5 * minutes  # everything but the cancelled session


def test_the_previous_period_has_equal_length_and_its_own_figures(world):
    previous = WEEK.previous()
    assert (previous.start, previous.end) == (date(2026, 11, 24), date(2026, 11, 30))
    assert selectors.women_attended(previous).total == 1  # Ana's November call
    assert selectors.sessions(previous).total == 0


def test_filters_narrow_to_one_jornada(world):
    f = Filters(start=WEEK.start, end=WEEK.end, jornada=world.jornada.pk)
    assert selectors.sessions(f).total == 2
    assert selectors.women_attended(f).total == 1


def test_statistics_leaving_the_institute_count_only_consenting_women(world, settings):
    outside = period_filters(start=WEEK.start, end=WEEK.end, external=True)
    assert selectors.sessions(outside).total == 3  # Ana's two and Bea's
    settings.REPORTS_INTERNAL_REQUIRE_CONSENT = False
    assert selectors.sessions(period_filters(start=WEEK.start, end=WEEK.end)).total == 6
    settings.REPORTS_INTERNAL_REQUIRE_CONSENT = True
    assert selectors.sessions(period_filters(start=WEEK.start, end=WEEK.end)).total == 3


def test_follow_ups_overdue_and_referrals_are_empty_when_there_are_none(world):
    assert selectors.follow_ups_overdue(WEEK, today=date(2026, 12, 10)).total == 0
    assert selectors.referrals_by_status(WEEK).total == 0
    assert selectors.referrals_completed_share(WEEK) is None
