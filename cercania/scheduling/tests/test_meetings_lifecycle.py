"""Bookings and their video meetings: a provider failure never undoes a booking."""

import pytest

from cercania.conftest import local
from cercania.scheduling.models import Appointment

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 29, 18, 0)


@pytest.fixture
def zoom_settings(settings, fake_zoom):
    settings.MEETING_PROVIDER = "zoom"
    settings.ZOOM_ACCOUNT_ID = fake_zoom.account_id
    settings.ZOOM_CLIENT_ID = fake_zoom.client_id
    settings.ZOOM_CLIENT_SECRET = fake_zoom.client_secret
    settings.ZOOM_API_BASE = fake_zoom.api_base
    settings.ZOOM_OAUTH_URL = fake_zoom.oauth_url
    return fake_zoom


def book_video(book, legal_service, capture):
    with capture(execute=True):
        booking = book(legal_service, local(2026, 12, 1, 9), modality="video", now=NOW)
    return Appointment.objects.get(pk=booking.appointment.pk)


def test_a_video_booking_gets_a_zoom_meeting_after_commit(
    zoom_settings, make_advisor, legal_service, book, django_capture_on_commit_callbacks
):
    make_advisor()
    appointment = book_video(book, legal_service, django_capture_on_commit_callbacks)
    assert appointment.meeting_provider == "zoom"
    assert appointment.join_url.startswith("http") and appointment.meeting_external_id.isdigit()
    assert int(appointment.meeting_external_id) > 2**53  # an int64 id survives intact
    assert appointment.needs_staff_attention == ""


def test_a_zoom_failure_leaves_the_booking_confirmed_and_flags_it_for_staff(
    zoom_settings, make_advisor, legal_service, book, django_capture_on_commit_callbacks
):
    make_advisor()
    zoom_settings.fail_next(400, times=5)  # refused, not retried
    appointment = book_video(book, legal_service, django_capture_on_commit_callbacks)
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.join_url == ""
    assert "videollamada" in appointment.needs_staff_attention


def test_a_misconfigured_provider_also_only_flags_the_booking(
    settings, make_advisor, legal_service, book, django_capture_on_commit_callbacks
):
    settings.MEETING_PROVIDER = "zoom"
    settings.ZOOM_ACCOUNT_ID = ""  # credentials missing
    make_advisor()
    appointment = book_video(book, legal_service, django_capture_on_commit_callbacks)
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.needs_staff_attention
