"""Opening state of the configured services, with frozen time, through the home page."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cercania.institute.models import ClosedDay, Service
from cercania.institute.selectors import service_opening_state

CHIHUAHUA = ZoneInfo("America/Chihuahua")
pytestmark = pytest.mark.usefixtures("institute_config")


def juridico_at(local: datetime):
    with time_machine.travel(local, tick=False):
        service = Service.objects.prefetch_related("opening_hours").get(code="juridico")
        return service_opening_state(service=service)


def home_text(client, local: datetime) -> str:
    with time_machine.travel(local, tick=False):
        return client.get("/").content.decode()


def test_friday_at_14_59_is_open_and_closes_at_15(client):
    state = juridico_at(datetime(2026, 11, 27, 14, 59, tzinfo=CHIHUAHUA))
    assert state.open_now
    assert "Abierto ahora · cierra a las 15:00" in home_text(
        client, datetime(2026, 11, 27, 14, 59, tzinfo=CHIHUAHUA)
    )


def test_friday_at_15_00_is_closed_until_monday(client):
    assert not juridico_at(datetime(2026, 11, 27, 15, 0, tzinfo=CHIHUAHUA)).open_now
    text = home_text(client, datetime(2026, 11, 27, 15, 0, tzinfo=CHIHUAHUA))
    assert "Cerrado · abre el lunes 30 de noviembre a las 9:00" in text


def test_saturday_is_closed_with_next_opening_monday_at_9(client):
    state = juridico_at(datetime(2026, 11, 28, 11, 0, tzinfo=CHIHUAHUA))
    assert not state.open_now
    assert state.next_open == datetime(2026, 11, 30, 9, 0, tzinfo=CHIHUAHUA)
    text = home_text(client, datetime(2026, 11, 28, 11, 0, tzinfo=CHIHUAHUA))
    assert "Cerrado · abre el lunes 30 de noviembre a las 9:00" in text


def test_the_third_monday_of_november_is_closed():
    state = juridico_at(datetime(2026, 11, 16, 10, 0, tzinfo=CHIHUAHUA))
    assert not state.open_now
    assert state.next_open == datetime(2026, 11, 17, 9, 0, tzinfo=CHIHUAHUA)


def test_christmas_is_closed():
    state = juridico_at(datetime(2026, 12, 25, 10, 0, tzinfo=CHIHUAHUA))
    assert not state.open_now
    assert state.next_open == datetime(2026, 12, 28, 9, 0, tzinfo=CHIHUAHUA)


def test_the_next_opening_skips_a_holiday_weekend(client):
    # Friday 13 Nov after hours → weekend → Monday 16 (Revolution day) → Tuesday 17.
    state = juridico_at(datetime(2026, 11, 13, 15, 30, tzinfo=CHIHUAHUA))
    assert state.next_open == datetime(2026, 11, 17, 9, 0, tzinfo=CHIHUAHUA)
    assert "abre el martes 17 de noviembre a las 9:00" in home_text(
        client, datetime(2026, 11, 13, 15, 30, tzinfo=CHIHUAHUA)
    )


def test_it_says_tomorrow_when_it_opens_the_next_day(client):
    text = home_text(client, datetime(2026, 11, 30, 18, 0, tzinfo=CHIHUAHUA))
    assert "Cerrado · abre mañana a las 9:00" in text


def test_a_local_closed_day_added_in_the_admin_closes_it(admin_client):
    response = admin_client.post(
        "/admin/institute/closedday/add/",
        {"date": "2026-12-11", "reason": "Día inhábil municipal", "origin": "local"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ClosedDay.objects.filter(date=date(2026, 12, 11), origin="local").exists()
    assert not juridico_at(datetime(2026, 12, 11, 10, 0, tzinfo=CHIHUAHUA)).open_now
    assert juridico_at(datetime(2026, 12, 10, 10, 0, tzinfo=CHIHUAHUA)).open_now


def test_utc_instants_near_midnight_land_on_the_local_day():
    # 2026-12-01 04:30 UTC is Monday 30 Nov 22:30 in Chihuahua: closed, opens Tuesday.
    from datetime import UTC

    state = juridico_at(datetime(2026, 12, 1, 4, 30, tzinfo=UTC))
    assert not state.open_now
    assert state.next_open == datetime(2026, 12, 1, 9, 0, tzinfo=CHIHUAHUA)
    # 2026-11-30 15:01 UTC is Monday 9:01 local: open.
    assert juridico_at(datetime(2026, 11, 30, 15, 1, tzinfo=UTC)).open_now
