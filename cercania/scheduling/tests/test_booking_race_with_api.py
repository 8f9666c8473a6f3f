"""A slot taken through the API while she is on the "check your answers" page.

The same race as test_public_booking's (there the competing booking comes from the
phone line): here another client books the slot through the public JSON API, so the
two entry points really share one booking rule.
"""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from cercania.cases.models import Person
from cercania.conftest import local
from cercania.privacy.models import Consent
from cercania.scheduling.models import Appointment

pytestmark = [pytest.mark.django_db, pytest.mark.faults]
NOW = local(2026, 11, 30, 8, 0)  # Monday morning
TAKEN = local(2026, 11, 30, 10, 30)  # the first slot with 2 h notice


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def step(name: str) -> str:
    return reverse("booking:step", kwargs={"step": name})


def test_a_slot_booked_through_the_api_sends_her_back_to_choose_another_time(client, make_advisor):
    make_advisor()  # one advisor: the slot has a single place
    client.get(reverse("booking:start"))
    for name, data in [
        ("modalidad", {"modality": "phone"}),
        ("dia", {"day": "2026-11-30"}),
        ("hora", {"time": TAKEN.isoformat()}),
        ("nombre", {"name": "Ana"}),
        ("contacto", {"phone": "6141234567", "call": "on"}),
        ("aviso", {"accept": "on"}),
    ]:
        assert client.post(step(name), data).status_code == 302
    assert "10:30" in client.get(step("revisar")).content.decode()

    competing = Client().post(
        "/api/v1/bookings",
        {
            "service": "juridico",
            "start": TAKEN.isoformat(),
            "modality": "phone",
            "name": "Bea",
            "phone": "614 765 4321",
            "contact": {"call": True},
            "privacy_notice_accepted": True,
        },
        content_type="application/json",
    )
    assert competing.status_code == 201, competing.content

    response = client.post(step("revisar"))

    assert response.status_code == 302 and response["Location"] == step("hora")
    page = client.get(step("hora")).content.decode()
    assert "La hora que elegiste ya no está disponible. Elige otra, por favor." in page
    assert f'value="{TAKEN.isoformat()}"' not in page  # the taken time is no longer offered
    assert 'value="2026-11-30T11:15:00-06:00"' in page  # but the next one is
    # Only the API's booking exists; nothing was half-written for her.
    appointment = Appointment.objects.get()
    assert appointment.created_via == "api" and appointment.starts_at == TAKEN
    assert list(Person.objects.values_list("name", flat=True)) == ["Bea"]
    assert not Consent.objects.exclude(person=appointment.person).exists()
    # Her other answers are kept: choosing another time leads straight back to the check.
    assert client.post(step("hora"), {"time": "2026-11-30T11:15:00-06:00"})["Location"] == (
        step("revisar")
    )
    assert client.post(step("revisar"))["Location"] == reverse("booking:confirmed")
    assert Appointment.objects.filter(created_via="web").get().person.name == "Ana"
