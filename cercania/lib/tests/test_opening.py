from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from cercania.lib.opening import WeeklyWindow, add_business_days, opening_state

CHIHUAHUA = ZoneInfo("America/Chihuahua")
WEEKDAYS_9_TO_15 = [WeeklyWindow(weekday=d, opens=time(9), closes=time(15)) for d in range(1, 6)]


def state_at(local: datetime, closed=frozenset(), windows=WEEKDAYS_9_TO_15):
    return opening_state(at=local, windows=windows, closed_dates=closed, zone=CHIHUAHUA)


def test_it_is_open_on_a_weekday_morning_and_says_when_it_closes():
    state = state_at(datetime(2026, 11, 27, 10, 0, tzinfo=CHIHUAHUA))
    assert state.open_now
    assert state.next_close == datetime(2026, 11, 27, 15, 0, tzinfo=CHIHUAHUA)
    assert state.next_open == datetime(2026, 11, 30, 9, 0, tzinfo=CHIHUAHUA)


def test_it_closes_exactly_at_the_closing_minute():
    assert state_at(datetime(2026, 11, 27, 14, 59, 59, tzinfo=CHIHUAHUA)).open_now
    assert not state_at(datetime(2026, 11, 27, 15, 0, tzinfo=CHIHUAHUA)).open_now


def test_it_opens_exactly_at_the_opening_minute():
    assert not state_at(datetime(2026, 11, 30, 8, 59, tzinfo=CHIHUAHUA)).open_now
    assert state_at(datetime(2026, 11, 30, 9, 0, tzinfo=CHIHUAHUA)).open_now


def test_it_skips_closed_days_when_looking_for_the_next_opening():
    # Friday evening; Monday 16 Nov 2026 is the Revolution day.
    state = state_at(datetime(2026, 11, 13, 16, 0, tzinfo=CHIHUAHUA), closed={date(2026, 11, 16)})
    assert state.next_open == datetime(2026, 11, 17, 9, 0, tzinfo=CHIHUAHUA)
    assert state.next_close == datetime(2026, 11, 17, 15, 0, tzinfo=CHIHUAHUA)


def test_it_reads_an_instant_in_utc_on_the_local_day():
    # 05:30 UTC on Saturday is still Friday 23:30 in Chihuahua (UTC−6).
    state = state_at(datetime(2026, 11, 28, 5, 30, tzinfo=UTC))
    assert not state.open_now
    assert state.next_open == datetime(2026, 11, 30, 9, 0, tzinfo=CHIHUAHUA)
    # 15:30 UTC on Friday is 09:30 local: open.
    assert state_at(datetime(2026, 11, 27, 15, 30, tzinfo=UTC)).open_now


def test_it_merges_windows_that_touch():
    windows = [WeeklyWindow(1, time(9), time(12)), WeeklyWindow(1, time(12), time(15))]
    state = state_at(datetime(2026, 11, 30, 11, 0, tzinfo=CHIHUAHUA), windows=windows)
    assert state.next_close == datetime(2026, 11, 30, 15, 0, tzinfo=CHIHUAHUA)


def test_it_reports_nothing_when_there_are_no_hours():
    state = state_at(datetime(2026, 11, 30, 11, 0, tzinfo=CHIHUAHUA), windows=[])
    assert (state.open_now, state.next_open, state.next_close) == (False, None, None)


def test_it_refuses_a_naive_instant():
    with pytest.raises(ValueError, match="aware"):
        opening_state(
            at=datetime(2026, 11, 30, 11),  # noqa: DTZ001
            windows=WEEKDAYS_9_TO_15,
            closed_dates=set(),
            zone=CHIHUAHUA,
        )


def test_a_zone_with_daylight_saving_time_keeps_local_wall_clock_hours():
    # Ciudad Juárez follows US DST; 9:00 local is 15:00 UTC in summer, 16:00 in winter.
    juarez = ZoneInfo("America/Ciudad_Juarez")
    summer = opening_state(
        at=datetime(2026, 7, 6, 12, tzinfo=UTC),
        windows=WEEKDAYS_9_TO_15,
        closed_dates=set(),
        zone=juarez,
    )
    winter = opening_state(
        at=datetime(2026, 12, 7, 12, tzinfo=UTC),
        windows=WEEKDAYS_9_TO_15,
        closed_dates=set(),
        zone=juarez,
    )
    assert summer.next_open is not None and winter.next_open is not None
    assert summer.next_open.astimezone(UTC).hour == 15
    assert winter.next_open.astimezone(UTC).hour == 16


def test_business_days_skip_weekends_and_closed_days():
    # Friday 13 Nov 2026 + 1 business day: Mon 16 is closed, so Tuesday 17.
    assert add_business_days(
        start=date(2026, 11, 13), days=1, closed_dates={date(2026, 11, 16)}
    ) == date(2026, 11, 17)
    assert add_business_days(start=date(2026, 11, 13), days=0, closed_dates=set()) == date(
        2026, 11, 13
    )
