"""The monthly report as a PDF: the institute's name, the month, every indicator of
the dashboard with its chart and its table, in Spanish.

Rendered by WeasyPrint from templates/reports/monthly_pdf.html with the same SVG
charts as the dashboard. The internal version carries the dashboard's figures; the
version for distribution counts only consenting women and suppresses small cells
(disclosure.py), like everything that leaves the institute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from cercania.institute.selectors import institute_profile

from . import selectors
from .charts import Chart, bar_chart
from .disclosure import safe_table
from .press import MONTHS
from .selectors import Filters, period_filters


@dataclass
class Section:
    title: str
    label_header: str
    value_header: str
    rows: list[tuple[str, int | None]]
    total: int | None
    chart: Chart


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def month_name(month: date) -> str:
    return f"{MONTHS[month.month - 1]} de {month.year}"


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # The report embeds everything it shows: no page may make WeasyPrint fetch a URL.
    raise ValueError("the monthly report loads no external resource")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def monthly_context(*, month: date, public: bool = False) -> dict[str, Any]:
    start, end = month_bounds(month)
    f: Filters = period_filters(start=start, end=end, external=public)
    sections = []
    for table in selectors.dashboard(f):
        shown = safe_table(table) if public else table
        rows: list[tuple[str, int | None]] = list(shown.rows)
        sections.append(
            Section(
                title=shown.title,
                label_header=shown.label_header,
                value_header=shown.value_header,
                rows=rows,
                total=shown.total,
                chart=bar_chart(shown.title, rows),
            )
        )
    rates: list[tuple[str, str]] = []
    if not public:
        # A rate of a few cases can point at a woman: only the internal version has them.
        booked, available = selectors.occupancy(f)
        median = selectors.median_days_to_first_session(f)
        rates = [
            (_("Tasa de inasistencia"), _percent(selectors.no_show_rate(f))),
            (
                _("Canalizaciones concluidas"),
                _percent(selectors.referrals_completed_share(f)),
            ),
            (
                _("Ocupación del tiempo de las asesoras"),
                _percent(booked / available if available else None),
            ),
            (
                _("Mediana de días del primer contacto a la primera sesión"),
                "—" if median is None else _("%(days).1f días") % {"days": median},
            ),
        ]
    return {
        "institute": institute_profile(),
        "filters": f,
        "month_name": month_name(start),
        "public": public,
        "sections": sections,
        "rates": rates,
        "generated_at": timezone.localtime(),
    }


def monthly_report_pdf(*, month: date, public: bool = False) -> bytes:
    from weasyprint import HTML  # imported here: loading pango is slow, only this needs it

    html = render_to_string("reports/monthly_pdf.html", monthly_context(month=month, public=public))
    return HTML(string=html, url_fetcher=_refuse).write_pdf()  # type: ignore[no-any-return]
