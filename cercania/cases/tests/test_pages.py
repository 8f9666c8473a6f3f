"""Every page of the case files renders for the people who use it (GET and a POST)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cercania.cases.models import Area, Contact, FollowUp
from cercania.cases.services import contact_record
from cercania.privacy.services import consent_give

pytestmark = pytest.mark.django_db

BASE = "/personal/expedientes"


@pytest.fixture
def case(make_case, violence_worker, make_person):
    person = make_person("Irene Salas", phone="614 765 0000", birth_year=1990)
    return make_case(person=person, area=Area.VIOLENCE, assignee=violence_worker)


def test_every_case_page_renders_for_the_coordinator(case, coordinator, client_for):
    consent_give(
        person=case.person, purpose="services", notice_version="2026.1", recorded_by=coordinator
    )
    contact = contact_record(
        staff=coordinator,
        kind=Contact.Kind.IN_PERSON,
        started_at=timezone.now(),
        result=Contact.Result.ORIENTATION,
        case=case,
    )
    client = client_for(coordinator)
    person = case.person
    for url in (
        f"{BASE}/",
        f"{BASE}/?estado=&area=violence&mios=on",
        f"{BASE}/mi-trabajo/",
        f"{BASE}/personas/nueva/",
        f"{BASE}/personas/{person.public_id}/",
        f"{BASE}/personas/{person.public_id}/editar/",
        f"{BASE}/personas/{person.public_id}/preferencias/",
        f"{BASE}/personas/{person.public_id}/fusionar/",
        f"{BASE}/personas/{person.public_id}/expediente-nuevo/",
        f"{BASE}/casos/{case.public_id}/",
        f"{BASE}/casos/{case.public_id}/editar/",
        f"{BASE}/casos/{case.public_id}/cerrar/",
        f"{BASE}/casos/{case.public_id}/contacto/",
        f"{BASE}/casos/{case.public_id}/violencia/",
        f"{BASE}/casos/{case.public_id}/riesgo/",
        f"{BASE}/casos/{case.public_id}/canalizacion/",
        f"{BASE}/casos/{case.public_id}/seguimiento/",
        f"{BASE}/contactos/{contact.public_id}/",
        f"{BASE}/contactos/{contact.public_id}/vincular/",
        f"{BASE}/linea/",
        f"{BASE}/linea/persona/{person.public_id}/",
        f"{BASE}/linea/persona/{person.public_id}/cita/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "style=" not in response.text, url  # the CSP forbids inline styles


def test_the_console_steps_render_before_their_details(coordinator, client_for, institute_config):
    client = client_for(coordinator)
    new = client.post(f"{BASE}/linea/nueva/", {"phone": "6147650000"})
    assert new.status_code == 200 and 'value="6147650000"' in new.text
    anonymous = client.post(f"{BASE}/linea/llamada/", {"phone": "6147650000"})
    assert anonymous.status_code == 200 and "Llamada sin identificar" in anonymous.text


def test_she_records_a_contact_and_a_follow_up_in_the_case(case, violence_worker, client_for):
    client = client_for(violence_worker)
    response = client.post(
        f"{BASE}/casos/{case.public_id}/contacto/",
        {
            "kind": "phone_session",
            "line": "violencia",
            "day": timezone.localdate().isoformat(),
            "start": "10:00",
            "duration_minutes": "30",
            "result": "follow_up",
            "summary": "Plan de seguridad revisado",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.case == case and contact.duration_minutes == 30
    case.refresh_from_db()
    assert case.status == "follow_up"
    response = client.post(
        f"{BASE}/casos/{case.public_id}/seguimiento/",
        {
            "task": "Llamar el lunes",
            "due_on": timezone.localdate().isoformat(),
            "assignee": violence_worker.public_id,
        },
    )
    assert response.status_code == 302 and FollowUp.objects.get().task == "Llamar el lunes"


def test_she_corrects_the_data_and_the_hashes_follow(case, violence_worker, client_for):
    from cercania.cases.selectors import persons_by_phone

    response = client_for(violence_worker).post(
        f"{BASE}/personas/{case.person.public_id}/editar/",
        {
            "name": "Irene Salas Peña",
            "phone": "614 765 1111",
            "email": "",
            "birth_year": "1990",
            "municipality": "",
        },
    )
    assert response.status_code == 302
    assert persons_by_phone("6147651111") == [case.person]
    assert persons_by_phone("6147650000") == []
