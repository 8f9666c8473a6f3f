"""GET /bookings/{token}, POST …/cancel and …/reschedule: her manage link, as an API."""

import pytest

from cercania.scheduling.models import Appointment
from cercania.scheduling.services import appointment_cancel, appointment_mark

from .helpers import FIRST_FREE, SECOND_FREE, error_codes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
NOT_FOUND = {"detail": "not_found", "message": "No encontramos lo que buscas."}


@pytest.fixture
def booked(api, advisor):
    response = api.book()
    assert response.status_code == 201
    return response.json()


def free_starts(api):  # type: ignore[no-untyped-def]
    body = api.get("/slots?service=juridico&from=2026-11-30&to=2026-11-30").json()
    return [s["start"] for s in body["slots"]]


# ---------------------------------------------------------------- read


def test_a_booking_is_read_by_its_token_in_the_same_shape_as_created(api, booked):
    response = api.get(f"/bookings/{booked['token']}")
    assert response.status_code == 200
    assert response.json() == booked


@pytest.mark.parametrize("token", ["A" * 43, "short", "%00", "x" * 5000, "ñ" * 43, "..%2F..%2Fetc"])
def test_an_unknown_or_malformed_token_is_a_404_with_one_body(api, institute_config, token):
    response = api.get(f"/bookings/{token}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_the_status_follows_the_appointment(api, booked, frozen):
    appointment = Appointment.objects.get()
    frozen.move_to(FIRST_FREE)
    appointment_mark(appointment=appointment, status=Appointment.Status.NO_SHOW)
    assert api.get(f"/bookings/{booked['token']}").json()["status"] == "no_show"
    appointment_mark(appointment=appointment, status=Appointment.Status.ATTENDED)
    assert api.get(f"/bookings/{booked['token']}").json()["status"] == "attended"


def test_a_cancellation_by_the_institute_reads_as_cancelled(api, booked):
    appointment_cancel(appointment=Appointment.objects.get(), by_institute=True)
    assert api.get(f"/bookings/{booked['token']}").json()["status"] == "cancelled"


# ---------------------------------------------------------------- cancel


def test_cancelling_answers_the_booking_cancelled_and_frees_the_slot(api, booked):
    assert FIRST_FREE.isoformat() not in free_starts(api)

    response = api.post(f"/bookings/{booked['token']}/cancel")

    assert response.status_code == 200
    assert response.json() == {**booked, "status": "cancelled"}
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED_BY_HER
    assert FIRST_FREE.isoformat() in free_starts(api)


def test_cancelling_twice_answers_the_same(api, booked):
    first = api.post(f"/bookings/{booked['token']}/cancel")
    second = api.post(f"/bookings/{booked['token']}/cancel")
    assert second.status_code == 200 and second.json() == first.json()


def test_cancelling_an_unknown_token_is_a_404(api, institute_config):
    response = api.post(f"/bookings/{'B' * 43}/cancel")
    assert response.status_code == 404 and response.json() == NOT_FOUND


# ---------------------------------------------------------------- reschedule


def test_rescheduling_moves_it_keeps_reference_and_token_and_frees_the_old_slot(api, booked):
    response = api.post(
        f"/bookings/{booked['token']}/reschedule", {"start": SECOND_FREE.isoformat()}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reference"] == booked["reference"] and body["token"] == booked["token"]
    assert (body["start"], body["end"]) == (
        "2026-11-30T11:15:00-06:00",
        "2026-11-30T12:00:00-06:00",
    )
    starts = free_starts(api)
    assert FIRST_FREE.isoformat() in starts and SECOND_FREE.isoformat() not in starts


def test_rescheduling_normalises_any_offset(api, booked):
    response = api.post(
        f"/bookings/{booked['token']}/reschedule", {"start": "2026-11-30T17:15:00Z"}
    )
    assert response.json()["start"] == "2026-11-30T11:15:00-06:00"


def test_rescheduling_to_an_overlapping_time_of_her_own_session_works(api, booked):
    # 10:30–11:15 is hers; a move to 11:15 or later never collides with herself.
    response = api.post(
        f"/bookings/{booked['token']}/reschedule", {"start": "2026-11-30T11:15:00-06:00"}
    )
    assert response.status_code == 200


def test_rescheduling_to_a_taken_time_is_a_409(api, booked, legal_service, book):
    book(legal_service, SECOND_FREE, name="Otra")
    response = api.post(
        f"/bookings/{booked['token']}/reschedule", {"start": SECOND_FREE.isoformat()}
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "slot_unavailable"


def test_rescheduling_to_a_time_that_is_not_offered_is_a_409(api, booked):
    response = api.post(
        f"/bookings/{booked['token']}/reschedule", {"start": "2026-12-05T10:30:00-06:00"}
    )
    assert response.status_code == 409


def test_rescheduling_a_cancelled_booking_is_a_409(api, booked):
    api.post(f"/bookings/{booked['token']}/cancel")
    response = api.post(
        f"/bookings/{booked['token']}/reschedule", {"start": SECOND_FREE.isoformat()}
    )
    assert response.status_code == 409


def test_rescheduling_with_a_naive_or_missing_start_is_a_422(api, booked):
    naive = api.post(f"/bookings/{booked['token']}/reschedule", {"start": "2026-11-30T11:15:00"})
    assert error_codes(naive) == {"start": "naive_datetime"}
    missing = api.post(f"/bookings/{booked['token']}/reschedule", {})
    assert error_codes(missing) == {"start": "required"}


def test_rescheduling_an_unknown_token_is_a_404(api, institute_config):
    response = api.post(f"/bookings/{'C' * 43}/reschedule", {"start": SECOND_FREE.isoformat()})
    assert response.status_code == 404
