"""POST /api/v1/bookings: the same booking service as the web flow, behind a fixed contract."""

from datetime import date, time

import pytest

from cercania.cases.models import Person
from cercania.scheduling.models import Appointment
from cercania.scheduling.services import reserved_window_add

from .helpers import FIRST_FREE, SECOND_FREE, booking_body, error_codes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_a_phone_booking_is_created_and_described(api, advisor, settings):
    response = api.book(name="  Ana   López ")

    assert response.status_code == 201, response.content
    body = response.json()
    appointment = Appointment.objects.get()
    assert body == {
        "reference": appointment.reference,
        "token": body["token"],
        "service": "juridico",
        "start": "2026-11-30T10:30:00-06:00",
        "end": "2026-11-30T11:15:00-06:00",
        "modality": "phone",
        "status": "confirmed",
        "manage_url": f"{settings.PUBLIC_BASE_URL}/cita/{body['token']}/",
        "join_url": None,
    }
    assert len(body["token"]) == 43
    assert appointment.created_via == "api" and appointment.starts_at == FIRST_FREE
    person = Person.objects.get()
    assert person.name == "Ana López" and person.phone == "+526141234567"
    assert (person.may_call, person.may_sms, person.may_email) == (True, False, False)


def test_the_manage_url_opens_her_manage_page(api, client, advisor):
    manage_url = api.book().json()["manage_url"]
    assert client.get(manage_url.split("127.0.0.1:8000", 1)[1]).status_code == 200


def test_a_video_booking_gets_its_join_link_once_committed(
    api, advisor, django_capture_on_commit_callbacks
):
    # The link is attached after commit (test_booking_concurrency.py shows it in the
    # 201 itself, with real commits); here the test transaction never commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = api.book(
            modality="video", phone=..., contact={"email": True}, email="Ana@Example.org"
        )
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    assert api.get(f"/bookings/{token}").json()["join_url"] == advisor.meeting_room_url
    assert Person.objects.get().email == "ana@example.org"


@pytest.mark.parametrize(
    "start",
    [
        "2026-11-30T16:30:00Z",  # UTC
        "2026-11-30T18:30:00+02:00",  # another offset
        "2026-11-30T10:30:00-06:00",  # the institute's
        "2026-11-30t16:30:00z",  # RFC 3339 allows lower case
    ],
)
def test_any_offset_is_accepted_and_answered_in_the_institutes_offset(api, advisor, start):
    response = api.book(start=start)
    assert response.status_code == 201, response.content
    assert response.json()["start"] == "2026-11-30T10:30:00-06:00"


@pytest.mark.parametrize("start", ["2026-11-30T10:30:00", "2026-11-30 10:30"])
def test_a_naive_start_is_refused_not_guessed(api, advisor, start):
    response = api.book(start=start)
    assert response.status_code == 422
    assert error_codes(response) == {"start": "naive_datetime"}
    assert "zona horaria" in response.json()["errors"][0]["message"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "start",
    ["mañana", "2026-11-30", 1764520200, "2026-13-30T10:30:00Z", "0001-01-01T00:00:00+05:00"],
)
def test_a_start_that_is_no_datetime_is_refused(api, advisor, start):
    response = api.book(start=start)
    assert response.status_code == 422
    assert error_codes(response)["start"] in {"invalid_datetime", "out_of_range"}


def test_a_start_that_is_not_an_offered_slot_is_refused_with_422(api, advisor):
    for start in (
        "2026-11-30T10:31:00-06:00",
        "2026-12-05T10:30:00-06:00",
        "2027-06-01T10:30:00-06:00",
    ):
        response = api.book(start=start)
        assert response.status_code == 422, start
        assert error_codes(response) == {"start": "start_not_offered"}


def test_a_taken_slot_is_a_409(api, advisor, legal_service, book):
    book(legal_service, FIRST_FREE)
    response = api.book()
    assert response.status_code == 409
    assert response.json() == {
        "detail": "slot_unavailable",
        "message": "Esa hora ya no está disponible. Consulta los horarios otra vez y elige otra.",
    }


def test_a_slot_taken_by_an_overlapping_session_is_a_409(api, advisor, legal_service, book):
    book(legal_service, FIRST_FREE)
    response = api.book(start="2026-11-30T10:45:00-06:00")  # inside the booked 10:30–11:15
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"privacy_notice_accepted": False},
            {"privacy_notice_accepted": "privacy_notice_not_accepted"},
        ),
        ({"privacy_notice_accepted": "yes"}, {"privacy_notice_accepted": "not_a_boolean"}),
        ({"privacy_notice_accepted": ...}, {"privacy_notice_accepted": "required"}),
        ({"service": "astrologia"}, {"service": "unknown_service"}),
        ({"service": "violencia"}, {"service": "unknown_service"}),  # not bookable online
        ({"modality": "fax"}, {"modality": "invalid_choice"}),
        ({"phone": ...}, {"phone": "phone_required"}),
        ({"contact": {"call": False, "sms": False}}, {"contact.call": "call_required"}),
        ({"phone": "12"}, {"phone": "invalid_phone"}),
        ({"phone": "614 123 4567 ext. ½"}, {"phone": "invalid_phone"}),
        ({"email": "no-es-correo"}, {"email": "invalid_email"}),
        ({"contact": {"call": True, "email": True}}, {"email": "email_required"}),
        ({"contact": {"call": True, "voicemail": True}}, {}),
        (
            {"contact": {"voicemail": True}},
            {"contact.call": "call_required", "contact.voicemail": "voicemail_requires_call"},
        ),
        ({"contact": {"call": "true"}}, {"contact.call": "not_a_boolean"}),
        ({"contact": ...}, {"contact": "required"}),
        ({"name": ""}, {"name": "too_short"}),
        ({"name": "   "}, {"name": "required"}),
        ({"name": "x" * 101}, {"name": "too_long"}),
        ({"name": "Ana\x00"}, {"name": "invalid_characters"}),
        ({"name": 7}, {"name": "not_a_string"}),
        ({"jornada": "NOPE234567"}, {"jornada": "unknown_jornada"}),
    ],
)
def test_invalid_input_is_refused_field_by_field_with_codes_and_spanish_messages(
    api, advisor, changes, expected
):
    response = api.book(**changes)
    if not expected:
        assert response.status_code == 201, response.content
        return
    assert response.status_code == 422, response.content
    assert error_codes(response) == expected
    body = response.json()
    assert body["message"] == "Revisa los datos marcados."
    assert all(e["message"] for e in body["errors"])
    assert not Appointment.objects.exists()


def test_every_problem_is_listed_at_once(api, advisor):
    response = api.book(name="", phone="12", privacy_notice_accepted=False, start="ayer")
    # Typing errors first (the body did not parse into a booking): name and start.
    assert set(error_codes(response)) == {"name", "start"}


def test_a_modality_the_service_does_not_offer_is_refused(api, institute_config, make_advisor):
    from cercania.institute.models import Service

    Service.objects.filter(code="juridico").update(modalities=["video"])
    make_advisor(modalities=("video",))
    response = api.book(modality="phone")
    assert error_codes(response) == {"modality": "modality_not_offered"}


def test_a_jornada_booking_takes_a_reserved_time(api, advisor, make_jornada):
    jornada = make_jornada(starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2))
    reserved_window_add(
        jornada=jornada, advisor=advisor, day=date(2026, 12, 2), starts=time(9), ends=time(11)
    )
    response = api.book(jornada=jornada.code, start="2026-12-02T09:00:00-06:00")
    assert response.status_code == 201, response.content
    assert Appointment.objects.get().jornada == jornada
    # The general agenda cannot book a time held for the jornada.
    assert api.book(start="2026-12-02T09:45:00-06:00").status_code == 422


def test_a_full_jornada_day_is_a_409(api, advisor, make_jornada):
    jornada = make_jornada(starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2), daily_capacity=1)
    reserved_window_add(
        jornada=jornada, advisor=advisor, day=date(2026, 12, 2), starts=time(9), ends=time(11)
    )
    assert api.book(jornada=jornada.code, start="2026-12-02T09:00:00-06:00").status_code == 201
    response = api.book(jornada=jornada.code, start="2026-12-02T09:45:00-06:00", name="Bea")
    assert response.status_code == 409


# ---------------------------------------------------------------- idempotency


def test_the_same_key_and_body_return_the_same_201_body_and_book_once(api, advisor):
    headers = {"Idempotency-Key": "c1a7e0d2-retry"}
    first = api.book(headers=headers)
    second = api.book(headers=headers)

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Appointment.objects.count() == 1


def test_the_same_key_with_the_same_booking_in_another_offset_is_still_the_same(api, advisor):
    headers = {"Idempotency-Key": "k-1"}
    first = api.book(headers=headers)
    second = api.book(headers=headers, start="2026-11-30T16:30:00Z")
    assert second.status_code == 201 and second.json() == first.json()


def test_the_same_key_with_another_body_is_refused(api, advisor):
    headers = {"Idempotency-Key": "k-2"}
    assert api.book(headers=headers).status_code == 201
    response = api.book(headers=headers, start=SECOND_FREE.isoformat())
    assert response.status_code == 422
    assert error_codes(response) == {"Idempotency-Key": "idempotency_key_reused"}
    assert Appointment.objects.count() == 1


def test_without_a_key_a_repeat_is_a_second_attempt(api, make_advisor):
    make_advisor()
    make_advisor()
    assert api.book().status_code == 201
    assert api.book().status_code == 201
    assert api.book().status_code == 409
    assert Appointment.objects.count() == 2


def test_a_long_or_odd_key_is_hashed_and_works(api, advisor):
    headers = {"Idempotency-Key": "ñ" * 200}
    assert api.book(headers=headers).json() == api.book(headers=headers).json()
    assert (Appointment.objects.get().idempotency_key or "").startswith("api-")
    assert api.book(headers={"Idempotency-Key": "x" * 256}).status_code == 422


def test_bodies_are_refused_unless_they_say_they_are_json(api, advisor):
    response = api.client.post("/api/v1/bookings", data=json_text(), content_type="text/plain")
    assert response.status_code == 422
    assert error_codes(response) == {"body": "not_json"}
    form = api.client.post("/api/v1/bookings", data=booking_body(contact="x"))
    assert form.status_code == 422
    assert not Appointment.objects.exists()


def json_text() -> str:
    import json

    return json.dumps(booking_body())
