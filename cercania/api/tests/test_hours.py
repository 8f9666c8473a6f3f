"""GET /api/v1/hours: open now, next opening and closing, weekly hours, closed days."""

import pytest
import time_machine

from cercania.conftest import local

from .helpers import error_codes

pytestmark = pytest.mark.django_db


def test_on_a_weekday_morning_it_is_open_until_three(api, institute_config):
    with time_machine.travel(local(2026, 11, 30, 10, 0), tick=False):
        body = api.get("/hours?service=juridico").json()

    assert body["timezone"] == "America/Chihuahua"
    assert body["open_now"] is True
    assert body["next_close"] == "2026-11-30T15:00:00-06:00"
    assert body["next_open"] == "2026-12-01T09:00:00-06:00"
    assert body["weekly"] == [
        {"weekday": d, "opens": "09:00", "closes": "15:00"} for d in range(1, 6)
    ]


def test_on_christmas_eve_after_hours_the_next_opening_skips_christmas(api, institute_config):
    with time_machine.travel(local(2026, 12, 24, 18, 0), tick=False):
        body = api.get("/hours").json()

    assert body["open_now"] is False
    assert body["next_open"] == "2026-12-28T09:00:00-06:00"  # 25th closed, then the weekend
    assert body["next_close"] == "2026-12-28T15:00:00-06:00"
    assert {"date": "2026-12-25", "reason": "Navidad"} in body["closed_days"]


def test_closed_days_cover_the_next_366_days_only(api, institute_config):
    with time_machine.travel(local(2026, 11, 30, 10, 0), tick=False):
        days = [d["date"] for d in api.get("/hours").json()["closed_days"]]

    assert days == sorted(days)
    assert days[0] >= "2026-11-30" and days[-1] <= "2027-11-30"
    assert "2027-01-01" in days


def test_without_a_service_it_merges_the_hours_of_every_service(api, institute_config):
    from cercania.institute.models import OpeningHours, Service

    OpeningHours.objects.create(
        service=Service.objects.get(code="violencia"), weekday=6, opens="10:00", closes="14:00"
    )
    weekly = api.get("/hours").json()["weekly"]
    assert {"weekday": 6, "opens": "10:00", "closes": "14:00"} in weekly
    assert len([w for w in weekly if w["weekday"] == 1]) == 1  # both 9–15: shown once


def test_an_unknown_service_is_not_found(api, institute_config):
    response = api.get("/hours?service=astrologia")
    assert response.status_code == 404
    assert response.json() == {"detail": "not_found", "message": "No encontramos lo que buscas."}


def test_a_service_code_of_a_thousand_characters_is_refused_by_field(api, institute_config):
    response = api.get("/hours?service=" + "x" * 1000)
    assert response.status_code == 422
    assert error_codes(response) == {"service": "too_long"}
