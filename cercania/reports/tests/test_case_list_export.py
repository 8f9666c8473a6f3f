"""The case-list export through HTTP, per role: her scope only, no names, safe cells."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cercania.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db
HEADER = [
    "Folio",
    "Área",
    "Estado",
    "Materias",
    "Asignada a",
    "Abierto el",
    "Cerrado el",
    "Resultado",
]


@pytest.fixture
def caseload(make_person, coordinator, lawyer, other_lawyer, violence_worker) -> dict[str, Any]:
    from cercania.cases.models import CaseOutcome, LegalMatter
    from cercania.cases.services import case_close, case_open

    # A catalogue entry an administrator typed with a formula in it (admin-edited data).
    trap = LegalMatter.objects.create(
        code="trampa", name='=HYPERLINK("http://example.org","x")', group="Civil", position=99
    )
    divorce = LegalMatter.objects.exclude(pk=trap.pk).order_by("pk").first()
    person = make_person("Ana Sentinela", phone="614 555 0199")

    def open_(area: str, assignee: Any = None, **kw: Any) -> Any:
        return case_open(
            person=person,
            area=area,
            assignee=assignee,
            actor=coordinator,
            opened_on=kw.pop("opened_on", date(2026, 12, 1)),
            **kw,
        )

    cases = {
        "hers": open_("legal", lawyer, matters=[divorce, trap]),
        "team": open_("legal", matters=[trap]),
        "other_restricted": open_("legal", other_lawyer, restricted=True),
        "unassigned_restricted": open_("legal", restricted=True),
        "violence": open_("violence", violence_worker),
        "closed": open_("legal", lawyer, opened_on=date(2026, 11, 2)),
    }
    case_close(
        case=cases["closed"],
        outcome=CaseOutcome.objects.order_by("pk").first(),
        actor=lawyer,
        closed_on=date(2026, 11, 20),
    )
    return cases


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _folios(rows: list[list[str]]) -> set[str]:
    return {row[0] for row in rows[1:]}


def _get(client_for, user, **query):
    return client_for(user).get(reverse("reports:case_list_export"), {"formato": "csv", **query})


def test_coordination_exports_every_case_with_spanish_headers(caseload, coordinator, client_for):
    rows = _csv(_get(client_for, coordinator, estado=""))
    assert rows[0] == HEADER
    assert _folios(rows) == {case.folio for case in caseload.values()}


def test_the_list_filters_apply_active_by_default(caseload, coordinator, client_for):
    rows = _csv(_get(client_for, coordinator))
    assert caseload["closed"].folio not in _folios(rows)
    assert len(rows) == 1 + 5
    violence = _csv(_get(client_for, coordinator, area="violence"))
    assert _folios(violence) == {caseload["violence"].folio}


def test_a_legal_adviser_exports_only_her_scope(caseload, lawyer, client_for):
    rows = _csv(_get(client_for, lawyer, estado=""))
    # Hers (open and closed) and the team's unassigned one; never another adviser's
    # restricted case, an unassigned restricted one, nor the violence area.
    assert _folios(rows) == {caseload[k].folio for k in ("hers", "team", "closed")}
    mine = _csv(_get(client_for, lawyer, estado="", mios="on"))
    assert _folios(mine) == {caseload[k].folio for k in ("hers", "closed")}


def test_a_restricted_case_goes_only_to_its_assignee(caseload, other_lawyer, client_for):
    rows = _csv(_get(client_for, other_lawyer, estado=""))
    assert caseload["other_restricted"].folio in _folios(rows)
    assert caseload["hers"].folio not in _folios(rows)


def test_the_violence_team_exports_its_own_cases(caseload, violence_worker, client_for):
    rows = _csv(_get(client_for, violence_worker, estado=""))
    assert _folios(rows) == {caseload["violence"].folio}


@pytest.mark.parametrize("persona", ["operator", "liaison", "sysadmin"])
def test_roles_without_cases_get_nothing(request, persona, caseload, client_for):
    response = _get(client_for, request.getfixturevalue(persona))
    assert response.status_code == 403
    assert b"IMM-" not in response.content


def test_a_row_has_no_name_and_no_formula(caseload, lawyer, client_for):
    response = _get(client_for, lawyer, estado="")
    text = response.content.decode("utf-8-sig")
    assert "Sentinela" not in text and "0199" not in text
    rows = {row[0]: row for row in _csv(response)}
    hers = rows[caseload["hers"].folio]
    assert hers[1] == "Jurídica" and hers[2] == "Abierto"
    assert hers[4] == "Abogada Ana" and hers[5] == "2026-12-01" and hers[6] == ""
    assert hers[3].split("; ") == [divorce_name(), '=HYPERLINK("http://example.org","x")']
    # A cell that starts like a formula is plain text in the spreadsheet.
    assert rows[caseload["team"].folio][3] == '\'=HYPERLINK("http://example.org","x")'
    closed = rows[caseload["closed"].folio]
    assert closed[2] == "Cerrado" and closed[6] == "2026-11-20" and closed[7]
    assert rows[caseload["team"].folio][4] == "Sin asignar"


def divorce_name() -> str:
    from cercania.cases.models import LegalMatter

    return LegalMatter.objects.exclude(code="trampa").order_by("pk")[0].name


def test_the_xlsx_opens_with_openpyxl_and_is_audited(caseload, lawyer, client_for):
    response = _get(client_for, lawyer, formato="xlsx", estado="")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert list(values[0]) == HEADER
    assert {row[0] for row in values[1:]} == {caseload[k].folio for k in ("hers", "team", "closed")}
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, actor=lawyer)
    assert event.object_type == "cases.case_list"
    assert event.detail["format"] == "xlsx" and event.detail["rows"] == 3


def test_bad_filters_or_formats_are_refused_in_spanish(caseload, lawyer, client_for):
    response = _get(client_for, lawyer, estado="nada")
    assert response.status_code == 400
    assert "filtros no son válidos" in response.content.decode()
    assert _get(client_for, lawyer, formato="pdf").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_case_list_page_links_to_the_export_with_its_filters(caseload, lawyer, client_for):
    html = client_for(lawyer).get(reverse("cases:list"), {"area": "legal"}).content.decode()
    assert reverse("reports:case_list_export") + "?formato=csv&amp;area=legal" in html
