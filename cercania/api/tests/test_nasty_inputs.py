"""Hypothesis: nasty strings in every field, parameter, path and header never cause a 5xx.

Accents, emoji, right-to-left text, 10 kB strings, NUL bytes, lone surrogates, numbers
where text goes and text where booleans go: every answer is a 2xx or 4xx JSON body.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import FIRST_FREE, booking_body

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

NASTY = [
    "",
    " ",
    "\x00",
    "Ana\x00López",
    "José María Núñez Ibáñez",
    "👩🏽‍⚖️🏳️‍🌈",
    "مريم",
    "שָׁלוֹם",
    "\u202eanA\u202c",  # right-to-left override
    "\ufeffAna",
    "Ana\u200b",
    "𝕬𝖓𝖆",
    "Zalgo A̸̢̛n̷a̶",
    "\ud800",  # lone surrogate
    "'; DROP TABLE scheduling_appointment; --",
    "<script>alert(1)</script>",
    "%00%ff",
    "../../etc/passwd",
    "\\",
    "null",
    "NaN",
    "2026-11-30T10:30:00",
    "2026-11-30T10:30:00-06:00",
    "2026-11-30T16:30:00Z",
    "+52 614 123 4567",
    "614-123-4567",
    "٦١٤١٢٣٤٥٦٧",  # Arabic-Indic digits
    "ana@example.org",
    "ana@ex\x00ample.org",
    "video",
    "phone",
    "juridico",
    "JURIDICO",
    "a" * 10_000,
    "ñ" * 10_000,
    "👩" * 10_000,
]
nasty_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.text(min_size=1, max_size=4).map(lambda s: s * 2_500),  # about 10 kB
)
nasty_json = st.one_of(
    nasty_text,
    st.booleans(),
    st.none(),
    st.integers(),
    st.floats(),
    st.lists(nasty_text, max_size=3),
    st.dictionaries(nasty_text, nasty_text, max_size=3),
)
FIELDS = [*booking_body(), "jornada", "email"]
CONTACT = ["call", "voicemail", "sms", "whatsapp", "email"]
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def no_limits(settings):  # type: ignore[no-untyped-def]
    settings.API_RATE_BOOKINGS_PER_HOUR = 10**9
    settings.API_RATE_TOKEN_LOOKUPS_PER_HOUR = 10**9
    settings.API_RATE_SLOTS_PER_MINUTE = 10**9


def assert_answered(response: Any) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code != 405:
        assert response["Content-Type"].startswith("application/json")
        response.json()


def encoded(query: dict[str, str]) -> str:
    return urlencode(query, encoding="utf-8", errors="surrogatepass")


def dumps(body: Any) -> str:
    # A lone surrogate is written as the \\ud800 escape, as a careless client would.
    return json.dumps(body, allow_nan=True)


@FUZZ
@given(field=st.sampled_from(FIELDS), value=nasty_json)
def test_a_nasty_value_in_any_booking_field_is_answered_without_a_5xx(api, advisor, field, value):
    response = api.post("/bookings", dumps({**booking_body(), field: value}))
    assert_answered(response)


@FUZZ
@given(field=st.sampled_from(CONTACT), value=nasty_json)
def test_a_nasty_value_in_any_contact_choice_is_answered_without_a_5xx(api, advisor, field, value):
    body = booking_body(contact={"call": True, field: value})
    assert_answered(api.post("/bookings", dumps(body)))


@FUZZ
@given(name=nasty_text, phone=nasty_text, email=nasty_text)
def test_nasty_names_phones_and_emails_together_never_break_a_booking(
    api, advisor, name, phone, email
):
    body = booking_body(name=name, phone=phone, email=email, contact={"call": True, "email": True})
    response = api.post("/bookings", dumps(body))
    assert_answered(response)
    if response.status_code == 201:
        # Whatever she typed went in encrypted and comes back out of the manage lookup.
        token = response.json()["token"]
        assert api.get(f"/bookings/{token}").status_code == 200
        api.post(f"/bookings/{token}/cancel")


@FUZZ
@given(body=st.one_of(nasty_json, st.binary(max_size=200)))
def test_any_body_at_all_is_answered_without_a_5xx(api, advisor, body):
    data = body if isinstance(body, bytes) else dumps(body)
    assert_answered(api.post("/bookings", data))
    assert_answered(api.post(f"/bookings/{'A' * 43}/reschedule", data))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["service", "from", "to", "jornada", "modality"]), nasty_text
    )
)
def test_nasty_query_parameters_are_answered_without_a_5xx(api, advisor, params):
    query = {"service": "juridico", "from": "2026-11-30", "to": "2026-12-01", **params}
    assert_answered(api.get(f"/slots?{encoded(query)}"))
    assert_answered(api.get(f"/hours?{encoded({'service': params.get('service', '')})}"))


@FUZZ
@given(value=nasty_text)
def test_nasty_path_segments_are_answered_without_a_5xx(api, advisor, value):
    # Lone surrogates go out as the invalid UTF-8 bytes a broken client would send.
    segment = quote(value.encode("utf-8", "surrogatepass"), safe="") or "x"
    assert_answered(api.get(f"/bookings/{segment}"))
    assert_answered(api.post(f"/bookings/{segment}/cancel"))
    assert_answered(api.post(f"/bookings/{segment}/reschedule", {"start": FIRST_FREE.isoformat()}))
    assert_answered(api.get(f"/jornadas/{segment}"))


def on_the_wire(value: str) -> str:
    """A header as a WSGI server hands it over: the bytes read as latin-1, one line."""
    raw = value.encode("utf-8", "surrogatepass").decode("latin-1")
    return raw.replace("\r", "").replace("\n", "")


@FUZZ
@given(key=nasty_text, origin=nasty_text)
def test_nasty_headers_are_answered_without_a_5xx(api, advisor, key, origin):
    response = api.client.post(
        "/api/v1/bookings",
        data=dumps(booking_body()),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=on_the_wire(key),
        HTTP_ORIGIN=on_the_wire(origin),
    )
    assert_answered(response)
