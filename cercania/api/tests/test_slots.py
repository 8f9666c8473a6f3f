"""GET /api/v1/slots: free times of a service or of a jornada, never an advisor's name."""

from datetime import date, time

import pytest

from cercania.scheduling.models import Jornada
from cercania.scheduling.services import reserved_window_add

from .helpers import FIRST_FREE, error_codes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def slots(api, query: str = "service=juridico&from=2026-11-30&to=2026-11-30"):  # type: ignore[no-untyped-def]
    return api.get(f"/slots?{query}")


def test_it_lists_the_free_times_sorted_with_the_institutes_offset(api, advisor):
    response = slots(api)

    assert response.status_code == 200
    body = response.json()
    assert body["service"] == "juridico" and body["timezone"] == "America/Chihuahua"
    starts = [s["start"] for s in body["slots"]]
    assert starts[0] == "2026-11-30T10:30:00-06:00"  # two hours of notice from 8:00
    assert starts == sorted(starts)
    assert body["slots"][0] == {
        "start": "2026-11-30T10:30:00-06:00",
        "end": "2026-11-30T11:15:00-06:00",
        "modalities": ["video", "phone"],
    }


def test_a_booked_time_is_no_longer_listed(api, advisor, legal_service, book):
    book(legal_service, FIRST_FREE)
    assert "2026-11-30T10:30:00-06:00" not in [s["start"] for s in slots(api).json()["slots"]]


def test_it_never_names_an_advisor(api, advisor):
    content = slots(api, "service=juridico&from=2026-11-30&to=2026-12-04").content.decode()
    assert "advisor" not in content and "asesora" not in content.lower()
    assert advisor.user.email not in content


def test_the_modality_filter_keeps_times_offered_in_that_modality(api, make_advisor):
    make_advisor(modalities=("video",))
    assert (
        slots(api, "service=juridico&from=2026-11-30&to=2026-11-30&modality=phone").json()["slots"]
        == []
    )
    video = slots(api, "service=juridico&from=2026-11-30&to=2026-11-30&modality=video").json()
    assert video["slots"] and all(s["modalities"] == ["video"] for s in video["slots"])


def test_a_range_of_62_days_is_accepted_and_63_is_refused(api, advisor):
    assert slots(api, "service=juridico&from=2026-12-01&to=2027-02-01").status_code == 200
    response = slots(api, "service=juridico&from=2026-12-01&to=2027-02-02")
    assert response.status_code == 422
    assert error_codes(response) == {"to": "range_too_long"}


def test_a_range_that_ends_before_it_starts_is_refused(api, advisor):
    response = slots(api, "service=juridico&from=2026-12-02&to=2026-12-01")
    assert error_codes(response) == {"to": "range_reversed"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("service=juridico&to=2026-12-01", {"from": "required"}),
        ("service=juridico&from=1%2F12%2F2026&to=2026-12-01", {"from": "invalid_date"}),
        ("service=juridico&from=2026-02-30&to=2026-12-01", {"from": "invalid_date"}),
        ("service=juridico&from=1764547200&to=2026-12-01", {"from": "invalid_date"}),
        (
            "service=juridico&from=2026-12-01&to=2026-12-01&modality=fax",
            {"modality": "invalid_choice"},
        ),
        ("from=2026-12-01&to=2026-12-01", {"service": "required"}),
    ],
)
def test_malformed_parameters_are_refused_field_by_field(api, advisor, query, expected):
    response = slots(api, query)
    assert response.status_code == 422
    assert error_codes(response) == expected
    assert all(e["message"] for e in response.json()["errors"])


def test_an_unknown_service_or_one_not_bookable_online_is_not_found(api, advisor):
    assert slots(api, "service=astrologia&from=2026-11-30&to=2026-11-30").status_code == 404
    assert slots(api, "service=violencia&from=2026-11-30&to=2026-11-30").status_code == 404


def test_a_nul_byte_in_a_code_is_refused_before_any_query(api, advisor):
    response = slots(api, "service=%00&from=2026-11-30&to=2026-11-30&jornada=A%00")
    assert error_codes(response) == {
        "service": "invalid_characters",
        "jornada": "invalid_characters",
    }


def test_with_a_jornada_it_lists_only_that_jornadas_reserved_times(api, advisor, make_jornada):
    jornada = make_jornada(starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2))
    reserved_window_add(
        jornada=jornada, advisor=advisor, day=date(2026, 12, 2), starts=time(9), ends=time(11)
    )

    general = slots(api, "service=juridico&from=2026-12-02&to=2026-12-02").json()["slots"]
    reserved = slots(
        api, f"service=juridico&from=2026-11-30&to=2026-12-10&jornada={jornada.code.lower()}"
    ).json()["slots"]

    assert [s["start"] for s in reserved] == [
        "2026-12-02T09:00:00-06:00",
        "2026-12-02T09:45:00-06:00",
    ]
    assert not {s["start"] for s in reserved} & {s["start"] for s in general}


def test_an_unknown_draft_or_closed_jornada_is_not_found(api, advisor, make_jornada):
    draft = make_jornada(
        starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2), status=Jornada.Status.DRAFT
    )
    closed = make_jornada(
        starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2), status=Jornada.Status.CLOSED
    )
    for code in ("NOPE234567", draft.code, closed.code, "ABC-DEF"):
        response = slots(api, f"service=juridico&from=2026-11-30&to=2026-12-10&jornada={code}")
        assert response.status_code == 404, code
