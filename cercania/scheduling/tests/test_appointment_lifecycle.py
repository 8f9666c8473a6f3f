from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from cercania.conftest import local
from cercania.lib import codes
from cercania.scheduling.models import Appointment
from cercania.scheduling.services import (
    IdempotencyConflict,
    SlotUnavailable,
    appointment_cancel,
    appointment_mark,
    appointment_reschedule,
    availability_window_add,
    jornada_create,
)

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 29, 18, 0)


def test_the_same_idempotency_key_twice_makes_one_appointment(legal_service, make_advisor, book):
    make_advisor()
    first = book(
        legal_service, local(2026, 12, 1, 9), now=NOW, idempotency_key="abc-123", fingerprint="f1"
    )
    again = book(
        legal_service, local(2026, 12, 1, 9), now=NOW, idempotency_key="abc-123", fingerprint="f1"
    )
    assert Appointment.objects.count() == 1
    assert again.replayed and again.appointment.pk == first.appointment.pk
    assert again.token == first.token


def test_an_idempotency_key_reused_for_another_request_is_refused(
    legal_service, make_advisor, book
):
    make_advisor()
    book(legal_service, local(2026, 12, 1, 9), now=NOW, idempotency_key="abc-123", fingerprint="f1")
    with pytest.raises(IdempotencyConflict):
        book(
            legal_service,
            local(2026, 12, 1, 9, 45),
            now=NOW,
            idempotency_key="abc-123",
            fingerprint="f2",
        )
    assert Appointment.objects.count() == 1


def test_only_the_hash_of_the_manage_token_is_stored(legal_service, make_advisor, book):
    make_advisor()
    booking = book(legal_service, local(2026, 12, 1, 9), now=NOW)
    assert len(booking.token) == 43  # 256 bits
    assert booking.appointment.manage_token_hash == codes.token_hash(booking.token)
    stored = Appointment.objects.filter(pk=booking.appointment.pk).values().get()
    assert booking.token not in {str(v) for v in stored.values()}


def test_a_slot_not_offered_is_refused(legal_service, make_advisor, book):
    make_advisor()
    with pytest.raises(SlotUnavailable):
        book(legal_service, local(2026, 12, 1, 9, 10), now=NOW)  # off the 45-minute grid
    with pytest.raises(SlotUnavailable):
        book(legal_service, local(2026, 12, 5, 10), now=NOW)  # a Saturday


def test_the_least_booked_advisor_that_week_gets_the_next_booking(
    legal_service, make_advisor, book
):
    first, second = make_advisor(), make_advisor()
    a = book(legal_service, local(2026, 12, 1, 9), now=NOW).appointment
    b = book(legal_service, local(2026, 12, 1, 9, 45), now=NOW).appointment
    c = book(legal_service, local(2026, 12, 1, 10, 30), now=NOW).appointment
    assert a.advisor_id != b.advisor_id  # the second goes to the one with none yet
    assert {a.advisor_id, b.advisor_id} == {first.pk, second.pk}
    assert c.advisor_id == a.advisor_id  # tie on load: the one assigned longest ago


def test_rescheduling_keeps_the_reference_and_frees_the_old_slot(legal_service, make_advisor, book):
    make_advisor()
    booking = book(legal_service, local(2026, 12, 1, 9), now=NOW)
    moved = appointment_reschedule(
        appointment=booking.appointment, start=local(2026, 12, 2, 10, 30), now=NOW
    )
    assert moved.reference == booking.appointment.reference
    assert moved.starts_at == local(2026, 12, 2, 10, 30)
    assert moved.ends_at == local(2026, 12, 2, 11, 15)
    # Someone else can now take the old slot.
    book(legal_service, local(2026, 12, 1, 9), now=NOW)


def test_rescheduling_to_a_slot_that_overlaps_her_own_is_allowed(legal_service, make_advisor, book):
    make_advisor(weekdays=[2])
    booking = book(legal_service, local(2026, 12, 1, 9), now=NOW)
    moved = appointment_reschedule(
        appointment=booking.appointment, start=local(2026, 12, 1, 9, 45), now=NOW
    )
    assert moved.starts_at == local(2026, 12, 1, 9, 45)


def test_rescheduling_to_a_taken_slot_changes_nothing(legal_service, make_advisor, book):
    make_advisor()
    mine = book(legal_service, local(2026, 12, 1, 9), now=NOW).appointment
    book(legal_service, local(2026, 12, 2, 9), now=NOW)
    with pytest.raises(SlotUnavailable):
        appointment_reschedule(appointment=mine, start=local(2026, 12, 2, 9), now=NOW)
    mine.refresh_from_db()
    assert mine.starts_at == local(2026, 12, 1, 9)
    assert mine.status == Appointment.Status.CONFIRMED


def test_cancelling_twice_changes_nothing_the_second_time(legal_service, make_advisor, book):
    make_advisor()
    appointment = book(legal_service, local(2026, 12, 1, 9), now=NOW).appointment
    appointment_cancel(appointment=appointment, reason="no puedo")
    again = appointment_cancel(appointment=appointment, by_institute=True, reason="otra")
    assert again.status == Appointment.Status.CANCELLED_BY_HER
    assert again.cancel_reason == "no puedo"


def test_a_session_is_marked_attended_only_once_it_has_started(legal_service, make_advisor, book):
    make_advisor()
    appointment = book(legal_service, local(2026, 12, 1, 9), now=NOW).appointment
    with pytest.raises(ValidationError):
        appointment_mark(appointment=appointment, status=Appointment.Status.ATTENDED, now=NOW)
    marked = appointment_mark(
        appointment=appointment, status=Appointment.Status.NO_SHOW, now=local(2026, 12, 1, 9, 5)
    )
    assert marked.status == Appointment.Status.NO_SHOW


def test_a_weekly_window_outside_the_services_hours_is_refused_with_a_clear_error(make_advisor):
    advisor = make_advisor(weekdays=[])
    with pytest.raises(ValidationError, match="fuera del horario de atención"):
        availability_window_add(advisor=advisor, weekday=1, starts=time(8), ends=time(12))
    with pytest.raises(ValidationError, match="fuera del horario de atención"):
        availability_window_add(advisor=advisor, weekday=6, starts=time(9), ends=time(12))
    availability_window_add(advisor=advisor, weekday=1, starts=time(9), ends=time(12))


def test_a_jornada_needs_an_agreement_valid_on_its_days(institute_config):
    from cercania.institute.models import Service
    from cercania.partners.models import Agreement, Organization

    agreement = Agreement.objects.get(title="IMM en tu empresa")
    agreement.ends_on = date(2026, 12, 15)
    agreement.save()
    with pytest.raises(ValidationError, match="no está vigente"):
        jornada_create(
            title="Jornada",
            organization=Organization.objects.get(name="Emerson Termotec"),
            agreement=agreement,
            starts_on=date(2026, 12, 14),
            ends_on=date(2026, 12, 16),
            services=[Service.objects.get(code="juridico")],
            modalities=["video"],
        )


def test_a_jornada_code_is_long_and_unambiguous(make_jornada):
    jornada = make_jornada(starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 3))
    assert len(jornada.code) >= 8
    assert set(jornada.code) <= set(codes.UNAMBIGUOUS)


def test_a_video_booking_gets_the_advisors_room_link_after_commit(
    legal_service, make_advisor, book, django_capture_on_commit_callbacks
):
    advisor = make_advisor()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(
            legal_service, local(2026, 12, 1, 9), modality="video", now=NOW
        ).appointment
    appointment.refresh_from_db()
    assert appointment.join_url == advisor.meeting_room_url
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=45)
