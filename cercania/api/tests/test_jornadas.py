"""GET /api/v1/jornadas/{code}: a company outreach day by its poster code."""

from datetime import date

import pytest

from cercania.scheduling.models import Jornada

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_an_open_jornada_is_described_by_its_code(api, make_jornada):
    jornada = make_jornada(starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 3))

    response = api.get(f"/jornadas/{jornada.code}")

    assert response.status_code == 200
    assert response.json() == {
        "code": jornada.code,
        "title": "Jornada de asesorías",
        "organization": "Emerson Termotec",
        "starts_on": "2026-12-02",
        "ends_on": "2026-12-03",
        "services": ["juridico"],
        "modalities": ["video", "phone"],
        "status": "open",
    }


def test_the_code_is_read_in_any_case(api, make_jornada):
    jornada = make_jornada(starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 3))
    assert api.get(f"/jornadas/{jornada.code.lower()}").status_code == 200


def test_a_closed_jornada_is_still_described(api, make_jornada):
    jornada = make_jornada(
        starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 3), status=Jornada.Status.CLOSED
    )
    assert api.get(f"/jornadas/{jornada.code}").json()["status"] == "closed"


@pytest.mark.parametrize("code", ["NOPE234567", "%00", "x" * 500, "%C3%B1"])
def test_an_unknown_or_malformed_code_is_not_found(api, institute_config, code):
    response = api.get(f"/jornadas/{code}")
    assert response.status_code == 404
    assert response.json()["detail"] == "not_found"


def test_a_draft_jornada_is_not_found(api, make_jornada):
    jornada = make_jornada(
        starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 3), status=Jornada.Status.DRAFT
    )
    assert api.get(f"/jornadas/{jornada.code}").status_code == 404
