"""Occupancy = booked ÷ available advisor time, where available time leaves out closed
days and each advisor's time off. A hand-built week with its answer worked out."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.urls import reverse

from cercania.conftest import local
from cercania.reports import selectors
from cercania.reports.selectors import Filters

pytestmark = pytest.mark.django_db
# Mon 21 – Fri 25 Dec 2026; the 25th is a federal rest day (LFT art. 74).
CHRISTMAS_WEEK = Filters(start=date(2026, 12, 21), end=date(2026, 12, 25))


@pytest.fixture
def week(make_advisor, legal_service, book):
    """Two advisors, Mon–Fri 9–15 (360 minutes a day). Lucía is away:

    - Tue 22 at 12:00 → Wed 23 at 10:00 (180 + 60 minutes of her windows);
    - Tue 22 13:00–14:00, inside the first absence (counted once);
    - Thu 24 at 14:00 → Sat 26 (60 minutes; Friday is closed anyway);
    - Sat 19 → Sun 20, before the week and on a weekend (nothing).
    One 45-minute session of Lucía's on Monday.
    """
    from cercania.scheduling.services import time_off_add

    lucia = make_advisor()
    other = make_advisor()
    for starts, ends in [
        (local(2026, 12, 22, 12), local(2026, 12, 23, 10)),
        (local(2026, 12, 22, 13), local(2026, 12, 22, 14)),
        (local(2026, 12, 24, 14), local(2026, 12, 26, 0)),
        (local(2026, 12, 19, 9), local(2026, 12, 20, 18)),
    ]:
        time_off_add(advisor=lucia, starts_at=starts, ends_at=ends, reason="Vacaciones")
    start = local(2026, 12, 21, 9)
    booking = book(legal_service, start, now=start - timedelta(days=1), name="Irma")
    return {"lucia": lucia, "other": other, "booking": booking.appointment}


def test_time_off_and_closed_days_are_not_available_time(week):
    mine = Filters(start=CHRISTMAS_WEEK.start, end=CHRISTMAS_WEEK.end, advisor=week["lucia"].pk)
    # 4 open days × 360 − (180 + 60) − 60.
    assert selectors.advisor_minutes_available(mine) == 4 * 360 - 240 - 60
    theirs = Filters(start=CHRISTMAS_WEEK.start, end=CHRISTMAS_WEEK.end, advisor=week["other"].pk)
    assert selectors.advisor_minutes_available(theirs) == 4 * 360
    assert selectors.advisor_minutes_available(CHRISTMAS_WEEK) == 8 * 360 - 300


def test_occupancy_divides_booked_minutes_by_the_time_left(week, legal_service):
    booked, available = selectors.occupancy(CHRISTMAS_WEEK)
    assert booked == legal_service.session_minutes
    assert available == 8 * 360 - 300


def test_an_advisor_away_all_week_has_no_available_time(make_advisor):
    from cercania.scheduling.services import time_off_add

    away = make_advisor()
    time_off_add(advisor=away, starts_at=local(2026, 12, 20), ends_at=local(2026, 12, 27))
    mine = Filters(start=CHRISTMAS_WEEK.start, end=CHRISTMAS_WEEK.end, advisor=away.pk)
    assert selectors.advisor_minutes_available(mine) == 0
    assert selectors.occupancy(mine) == (0, 0)


def test_overlapping_weekly_windows_count_once(make_advisor):
    from cercania.scheduling.services import availability_window_add

    advisor = make_advisor(weekdays=[1])  # Mondays 9–15
    availability_window_add(advisor=advisor, weekday=1, starts=time(10), ends=time(12))
    monday = Filters(start=date(2026, 12, 21), end=date(2026, 12, 21), advisor=advisor.pk)
    assert selectors.advisor_minutes_available(monday) == 360


def test_the_dashboard_rate_uses_the_time_left(week, coordinator, client_for, legal_service):
    response = client_for(coordinator).get(
        reverse("reports:dashboard"),
        {"desde": "2026-12-21", "hasta": "2026-12-25", "asesora": str(week["lucia"].public_id)},
    )
    rates = {str(label): now for label, now, _before in response.context["rates"]}
    expected = round(100 * legal_service.session_minutes / (4 * 360 - 300))
    assert rates["Ocupación del tiempo de las asesoras"] == f"{expected} %"
