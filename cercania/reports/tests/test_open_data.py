"""Open data: monthly counts by service, channel and matter area, only of consenting
women, small cells suppressed with their complements, and a dictionary that
describes exactly the file's columns. Through the page and the command."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cercania.conftest import local
from cercania.privacy.models import AuditEvent
from cercania.reports.open_data import open_data_rows
from cercania.reports.tests.conftest import consent_to_statistics, record_contact

pytestmark = pytest.mark.django_db
DECEMBER = {"start": date(2026, 12, 1), "end": date(2026, 12, 31)}
LEGAL = "Asesoría jurídica gratuita"
VIOLENCE = "Atención en situaciones de violencia"


@pytest.fixture
def month(make_person, make_advisor, legal_service, coordinator) -> dict[str, Any]:
    """December 2026:

    - six consenting women, one legal-line call each, two of them also a video session
      (8 contacts on the legal line: 6 by phone, 2 by video);
    - one of them called on 30 Nov at 23:30 local (already December in UTC): November;
    - Rosa did not consent: three calls on the violence line, one case;
    - cases opened: five Familiar, one of them also Penal; one without matters.
    """
    from cercania.cases.models import LegalMatter
    from cercania.cases.services import case_open
    from cercania.institute.models import Service

    violence = Service.objects.get(code="violencia")
    staff = make_advisor().user
    women = [make_person(f"Mujer {n}", phone=f"614 555 02{n:02d}") for n in range(6)]
    for n, woman in enumerate(women):
        consent_to_statistics(woman)
        record_contact(
            woman, staff, local(2026, 12, 2 + n, 10), kind="incoming_call", line=legal_service
        )
    for woman in women[:2]:
        record_contact(
            woman, staff, local(2026, 12, 10, 10), kind="video_session", line=legal_service
        )
    record_contact(
        women[0], staff, local(2026, 11, 30, 23, 30), kind="incoming_call", line=legal_service
    )
    rosa = make_person("Rosa", phone="614 555 0299")
    for day in (3, 4, 5):
        record_contact(rosa, staff, local(2026, 12, day, 10), kind="incoming_call", line=violence)
    family = LegalMatter.objects.filter(group="Familiar").order_by("pk")[0]
    criminal = LegalMatter.objects.filter(group="Penal").order_by("pk")[0]
    for n, woman in enumerate(women[:5]):
        matters = [family, criminal] if n == 0 else [family]
        case_open(
            person=woman,
            area="legal",
            matters=matters,
            actor=coordinator,
            opened_on=date(2026, 12, 1),
        )
    case_open(person=women[5], area="legal", actor=coordinator, opened_on=date(2026, 12, 9))
    case_open(
        person=rosa,
        area="violence",
        matters=[family],
        actor=coordinator,
        opened_on=date(2026, 12, 9),
    )
    return {"women": women, "rosa": rosa}


def table(rows: list[list[Any]], month: str, dimension: str) -> dict[str, Any]:
    return {row[2]: row[4] for row in rows if row[0] == month and row[1] == dimension}


def test_counts_are_exact_without_suppression(month):
    rows = open_data_rows(**DECEMBER, k=1)
    assert table(rows, "2026-12", "servicio") == {
        LEGAL: 8,
        VIOLENCE: 0,  # Rosa's calls: she did not consent
        "Sin línea": 0,
        "Total": 8,
    }
    assert table(rows, "2026-12", "canal") == {
        "Videollamada": 2,
        "Teléfono": 6,
        "Presencial": 0,
        "Total": 8,
    }
    areas = table(rows, "2026-12", "area_materia")
    assert areas["Familiar"] == 5 and areas["Penal"] == 1
    assert areas["Sin materia registrada"] == 1
    assert areas["Total"] == 7  # each case once per matter area it touches
    assert areas["Laboral"] == 0


def test_cells_below_k_are_hidden_with_their_complements(month):
    rows = open_data_rows(**DECEMBER, k=5)
    assert table(rows, "2026-12", "servicio")[LEGAL] == 8
    # 2 video sessions are below 5; alone the total would give them back, so the
    # phone count is hidden too. A zero is shown.
    assert table(rows, "2026-12", "canal") == {
        "Videollamada": None,
        "Teléfono": None,
        "Presencial": 0,
        "Total": 8,
    }
    flags = {row[2]: row[5] for row in rows if row[:2] == ["2026-12", "canal"]}
    assert flags == {"Videollamada": "sí", "Teléfono": "sí", "Presencial": "no", "Total": "no"}
    # November: one call, a total below k hides the whole table.
    november = table(
        open_data_rows(start=date(2026, 11, 1), end=date(2026, 11, 30)), "2026-11", "servicio"
    )
    assert set(november.values()) == {None}


def test_only_women_who_consent_are_counted(month):
    before = table(open_data_rows(**DECEMBER, k=1), "2026-12", "servicio")
    consent_to_statistics(month["rosa"])
    after = table(open_data_rows(**DECEMBER, k=1), "2026-12", "servicio")
    assert (before[VIOLENCE], after[VIOLENCE]) == (0, 3)
    assert after["Total"] == before["Total"] + 3


def test_a_withdrawn_consent_stops_counting(month):
    from cercania.privacy.models import Consent
    from cercania.privacy.services import consent_withdraw

    consent = Consent.objects.get(person=month["women"][0], purpose="anonymous_statistics")
    consent_withdraw(consent=consent, by=None)
    assert table(open_data_rows(**DECEMBER, k=1), "2026-12", "servicio")[LEGAL] == 6


def test_a_call_late_at_night_counts_in_its_local_month(month):
    rows = open_data_rows(start=date(2026, 11, 1), end=date(2026, 12, 31), k=1)
    assert table(rows, "2026-11", "servicio")[LEGAL] == 1
    assert table(rows, "2026-12", "servicio")[LEGAL] == 8


# ---------------------------------------------------------------- page and command


def _csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_dictionary_describes_exactly_the_columns_of_the_file(month, coordinator, client_for):
    client = client_for(coordinator)
    period = {"desde": "2026-12-01", "hasta": "2026-12-31"}
    data = client.get(reverse("reports:open_data"), {**period, "archivo": "datos"})
    dictionary = client.get(reverse("reports:open_data"), {**period, "archivo": "diccionario"})
    assert data.status_code == dictionary.status_code == 200
    rows, entries = _csv(data.content), _csv(dictionary.content)
    assert entries[0] == ["columna", "tipo", "descripcion", "valores"]
    assert [entry[0] for entry in entries[1:]] == rows[0]
    assert all(len(row) == len(rows[0]) for row in rows)
    assert {row[1] for row in rows[1:]} == {"servicio", "canal", "area_materia"}
    assert "Mujer" not in data.content.decode("utf-8-sig")
    assert "%(" not in dictionary.content.decode("utf-8-sig")  # every blank filled in
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, actor=coordinator)
    assert event.object_type == "reports.open_data" and event.detail["rows"] == len(rows) - 1


def test_the_page_shows_the_dictionary_and_refuses_bad_periods(coordinator, client_for):
    client = client_for(coordinator)
    page = client.get(reverse("reports:open_data"))
    assert page.status_code == 200
    assert "<code>suprimido</code>" in page.content.decode()
    backwards = client.get(
        reverse("reports:open_data"),
        {"desde": "2026-12-31", "hasta": "2026-12-01", "archivo": "datos"},
    )
    assert backwards.status_code == 400
    assert "La fecha final es anterior a la inicial." in backwards.content.decode()
    unknown = client.get(reverse("reports:open_data"), {"archivo": "nombres"})
    assert unknown.status_code == 400
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


@pytest.mark.parametrize(
    "persona", ["lawyer", "violence_worker", "operator", "liaison", "sysadmin"]
)
def test_only_coordination_opens_the_open_data_page(request, persona, client_for):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("reports:open_data"), {"archivo": "datos"}).status_code == 403


def test_the_command_writes_the_file_and_its_dictionary(month, tmp_path):
    output = tmp_path / "datos.csv"
    out = io.StringIO()
    call_command(
        "open_data",
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-31",
        "--output",
        str(output),
        stdout=out,
    )
    rows = _csv(output.read_bytes())
    entries = _csv((tmp_path / "datos_diccionario.csv").read_bytes())
    assert [entry[0] for entry in entries[1:]] == rows[0]
    assert {row[0] for row in rows[1:]} == {"2026-11", "2026-12"}
    legal = [row for row in rows if row[:3] == ["2026-12", "servicio", LEGAL]]
    assert legal[0][4] == "8"
    assert "filas en" in out.getvalue()
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, object_type="reports.open_data")
    assert event.actor is None and event.detail["filters"]["desde"] == "2026-11-01"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-13-01", "2026-12-31", "Fecha no válida"),
        ("2026-12-31", "2026-12-01", "anterior a la inicial"),
        ("2020-01-01", "2026-12-31", "hasta tres años"),
    ],
)
def test_the_command_refuses_bad_dates_in_spanish(start, end, message, tmp_path, institute_config):
    with pytest.raises(CommandError, match=message):
        call_command("open_data", "--from", start, "--to", end, "--output", str(tmp_path / "x.csv"))
    assert not (tmp_path / "x.csv").exists()
