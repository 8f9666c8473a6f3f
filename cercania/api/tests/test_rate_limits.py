"""Per-IP limits on the shared cache: 429 with Retry-After, counted per client and scope."""

import json

import pytest

from .helpers import booking_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
RATE_LIMITED = {
    "detail": "rate_limited",
    "message": "Hiciste demasiadas solicitudes. Espera un momento e intenta de nuevo.",
}


def test_booking_creation_allows_ten_an_hour_per_ip_then_answers_429_with_retry_after(
    api, institute_config, settings
):
    assert settings.API_RATE_BOOKINGS_PER_HOUR == 10
    answers = [api.book(service="astrologia").status_code for _ in range(11)]

    assert answers == [422] * 10 + [429]
    response = api.book()
    assert response.status_code == 429
    assert response.json() == RATE_LIMITED
    # 8:00 sharp: the hour's window ends at 9:00 (+1 s of margin).
    assert response["Retry-After"] == "3601"


def test_another_ip_still_books(api, advisor, settings):
    settings.API_RATE_BOOKINGS_PER_HOUR = 1
    assert api.book(service="astrologia").status_code == 422
    assert api.book().status_code == 429
    other = api.client.post(
        "/api/v1/bookings",
        data=json.dumps(booking_body()),
        content_type="application/json",
        REMOTE_ADDR="203.0.113.7",
    )
    assert other.status_code == 201


def test_token_lookups_share_one_limit_of_sixty_an_hour(api, institute_config, settings):
    assert settings.API_RATE_TOKEN_LOOKUPS_PER_HOUR == 60
    settings.API_RATE_TOKEN_LOOKUPS_PER_HOUR = 3
    token = "A" * 43
    assert api.get(f"/bookings/{token}").status_code == 404
    assert api.post(f"/bookings/{token}/cancel").status_code == 404
    assert api.post(f"/bookings/{token}/reschedule", {"start": "x"}).status_code == 422
    response = api.get(f"/bookings/{token}")
    assert response.status_code == 429 and response["Retry-After"] == "3601"


def test_slot_reads_allow_120_a_minute(api, advisor, settings, frozen):
    assert settings.API_RATE_SLOTS_PER_MINUTE == 120
    settings.API_RATE_SLOTS_PER_MINUTE = 2
    url = "/slots?service=juridico&from=2026-11-30&to=2026-11-30"
    assert [api.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert api.get(url)["Retry-After"] == "61"
    frozen.shift(61)
    assert api.get(url).status_code == 200


def test_jornada_lookups_count_as_slot_reads(api, institute_config, settings):
    settings.API_RATE_SLOTS_PER_MINUTE = 1
    assert api.get("/jornadas/NOPE234567").status_code == 404
    assert api.get("/jornadas/NOPE234567").status_code == 429


def test_the_information_endpoints_are_not_limited(api, institute_config, settings):
    settings.API_RATE_SLOTS_PER_MINUTE = 0
    settings.API_RATE_BOOKINGS_PER_HOUR = 0
    settings.API_RATE_TOKEN_LOOKUPS_PER_HOUR = 0
    assert api.get("/services").status_code == 200
    assert api.get("/hours").status_code == 200
    assert api.get("/openapi.json").status_code == 200


def test_the_counters_live_in_the_configured_shared_cache(api, institute_config, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cercania_cache",
        }
    }
    settings.API_RATE_TOKEN_LOOKUPS_PER_HOUR = 1
    assert api.get(f"/bookings/{'A' * 43}").status_code == 404
    assert api.get(f"/bookings/{'A' * 43}").status_code == 429
