"""The case list as a spreadsheet: the rows the user's case list shows, in her scope
(cases.selectors decides it, as for every other read), without a name or a narrative.

A row is what a coordinator needs to plan the caseload: folio, area, status, matters,
assignee, dates and outcome. The woman's name, contact data, notes and violence record
never leave the case pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cercania.accounts.models import User
from cercania.cases.models import Case
from cercania.cases.selectors import cases_list

from .exports import Cell


def case_list_header() -> list[str]:
    return [
        _("Folio"),
        _("Área"),
        _("Estado"),
        _("Materias"),
        _("Asignada a"),
        _("Abierto el"),
        _("Cerrado el"),
        _("Resultado"),
    ]


def case_list_for_export(*, user: User, filters: dict[str, Any]) -> QuerySet[Case]:
    """Every case of her list with these filters (the page shows the first 200)."""
    return (
        cases_list(
            user=user,
            status=filters.get("estado", ""),
            area=filters.get("area", ""),
            mine=bool(filters.get("mios")),
        )
        # Only what a row shows: the person's encrypted fields are never read.
        .select_related(None)
        .select_related("assignee", "outcome")
        .only(
            "folio",
            "area",
            "status",
            "opened_on",
            "closed_on",
            "assignee__display_name",
            "assignee__email",
            "outcome__name",
        )
    )


def case_list_rows(cases: QuerySet[Case]) -> Iterator[list[Cell]]:
    for case in cases:
        yield [
            case.folio,
            case.get_area_display(),
            case.get_status_display(),
            "; ".join(matter.name for matter in case.matters.all()),
            str(case.assignee) if case.assignee else _("Sin asignar"),
            case.opened_on.isoformat(),
            case.closed_on.isoformat() if case.closed_on else "",
            case.outcome.name if case.outcome else "",
        ]
