"""GET /api/v1/services: the institute's services and their lines."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_lists_every_active_service_with_its_line_in_e164_and_as_displayed(
    api, institute_config
):
    response = api.get("/services")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    by_code = {s["code"]: s for s in response.json()}
    assert by_code["juridico"] == {
        "code": "juridico",
        "name": "Asesoría jurídica gratuita",
        "phone": "+526144900789",
        "phone_display": "614-4-90-07-89",
        "modalities": ["video", "phone"],
        "session_minutes": 45,
        "bookable_online": True,
    }
    assert by_code["violencia"]["bookable_online"] is False
    assert by_code["violencia"]["modalities"] == ["phone"]


def test_it_writes_accents_as_utf8_not_as_escapes(api, institute_config):
    assert "Asesoría".encode() in api.get("/services").content


def test_an_inactive_service_is_not_listed(api, institute_config):
    from cercania.institute.models import Service

    Service.objects.filter(code="violencia").update(active=False)
    assert [s["code"] for s in api.get("/services").json()] == ["juridico"]


def test_it_names_no_advisor(api, make_advisor):
    make_advisor()
    assert b"asesora" not in api.get("/services").content.lower()
