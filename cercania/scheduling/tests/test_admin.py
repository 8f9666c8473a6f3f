"""The coordinator's setup screens enforce the same rules as the services."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY

from cercania.accounts.models import StaffTOTPDevice
from cercania.partners.models import Agreement, Organization
from cercania.scheduling.models import Jornada

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user_client(client, institute_config):
    user = get_user_model().objects.create_superuser(email="root@example.org", password="x" * 16)
    device = StaffTOTPDevice.objects.create(user=user, name="t", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def inline_management(prefix, total=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_an_availability_window_outside_opening_hours_is_refused_in_the_admin(
    admin_user_client, make_advisor
):
    advisor = make_advisor(weekdays=[])
    data = {
        "user": advisor.user_id,
        "services": [s.pk for s in advisor.services.all()],
        "modalities": ["video"],
        "meeting_room_url": "https://salas.example.org/a",
        "active": "on",
        **inline_management("availability", 1),
        **inline_management("time_off"),
        "availability-0-weekday": "1",
        "availability-0-starts": "07:00",
        "availability-0-ends": "12:00",
    }
    response = admin_user_client.post(f"/admin/scheduling/advisor/{advisor.pk}/change/", data)
    assert response.status_code == 200
    assert "fuera del horario de atención" in response.content.decode()
    assert not advisor.availability.exists()
    data["availability-0-starts"] = "09:00"
    response = admin_user_client.post(f"/admin/scheduling/advisor/{advisor.pk}/change/", data)
    assert response.status_code == 302
    assert advisor.availability.count() == 1


def test_a_jornada_added_in_the_admin_gets_a_code_and_needs_a_valid_agreement(admin_user_client):
    agreement = Agreement.objects.get(title="IMM en tu empresa")
    base = {
        "title": "Jornada diciembre",
        "organization": Organization.objects.get(name="Emerson Termotec").pk,
        "agreement": agreement.pk,
        "starts_on": "2026-12-07",
        "ends_on": "2026-12-09",
        "services": [s.pk for s in agreement.services.all()],
        "modalities": ["video", "phone"],
        "status": "open",
        **inline_management("reserved_windows"),
    }
    assert admin_user_client.post("/admin/scheduling/jornada/add/", base).status_code == 302
    jornada = Jornada.objects.get()
    assert len(jornada.code) == 10

    agreement.ends_on = date(2026, 12, 8)
    agreement.save()
    response = admin_user_client.post("/admin/scheduling/jornada/add/", base | {"title": "Otra"})
    assert "no está vigente" in response.content.decode()
    assert Jornada.objects.count() == 1


def test_appointments_are_read_only_in_the_admin_and_never_show_her_name(
    admin_user_client, make_advisor, legal_service, book
):
    from cercania.conftest import local

    make_advisor()
    booking = book(
        legal_service, local(2026, 12, 1, 9), name="Centinela Zafiro", now=local(2026, 11, 29, 9)
    )
    assert admin_user_client.get("/admin/scheduling/appointment/add/").status_code == 403
    listing = admin_user_client.get("/admin/scheduling/appointment/").content.decode()
    detail = admin_user_client.get(
        f"/admin/scheduling/appointment/{booking.appointment.pk}/change/"
    ).content.decode()
    assert booking.appointment.reference in listing
    assert "Centinela" not in listing and "Centinela" not in detail
