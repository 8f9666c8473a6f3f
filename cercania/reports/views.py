"""Reports: the coordinators' dashboard and exports, the liaison's partner report, and
the press-release draft. Filters travel in the query string as dates, codes and
public ids only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cercania.accounts.access import staff_required
from cercania.accounts.models import User
from cercania.accounts.roles import Role
from cercania.cases.forms import CaseFilterForm
from cercania.cases.selectors import CASE_ROLES
from cercania.privacy.services import audit_export
from cercania.scheduling.models import Jornada

from . import selectors
from .case_list import case_list_for_export, case_list_header, case_list_rows
from .charts import bar_chart
from .disclosure import min_cell
from .exports import to_csv, to_xlsx
from .forms import MonthForm, OpenDataForm, PeriodForm
from .monthly import monthly_report_pdf
from .open_data import dictionary, dictionary_csv, open_data_csv
from .partner import organization_of_liaison, partner_reports
from .press import press_draft


def _form(request: HttpRequest) -> PeriodForm:
    form = PeriodForm(request.GET or None)
    if not form.is_bound:
        form = PeriodForm({})
    return form


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, fmt: str, name: str) -> HttpResponse:
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def _days(value: float | None) -> str:
    return "—" if value is None else _("%(days).1f días") % {"days": value}


@require_GET
@staff_required(Role.COORDINACION)
def dashboard(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if not form.is_valid():
        return render(request, "reports/dashboard.html", {"form": form}, status=400)
    current = form.filters()
    previous = current.previous()
    query = form.query()
    sections: list[dict[str, Any]] = []
    for table, before in zip(
        selectors.dashboard(current), selectors.dashboard(previous), strict=True
    ):
        earlier = dict(before.rows)
        sections.append(
            {
                "table": table,
                "rows": [(label, value, earlier.get(label, 0)) for label, value in table.rows],
                "previous_total": before.total,
                "chart": bar_chart(table.title, list(table.rows)),
                "csv": "?" + urlencode({**query, "tabla": table.key, "formato": "csv"}),
                "xlsx": "?" + urlencode({**query, "tabla": table.key, "formato": "xlsx"}),
            }
        )
    booked, available = selectors.occupancy(current)
    booked_before, available_before = selectors.occupancy(previous)
    context = {
        "form": form,
        "month_form": MonthForm(),
        "current": current,
        "previous": previous,
        "sections": sections,
        "rates": [
            (
                _("Tasa de inasistencia"),
                _percent(selectors.no_show_rate(current)),
                _percent(selectors.no_show_rate(previous)),
            ),
            (
                _("Canalizaciones concluidas"),
                _percent(selectors.referrals_completed_share(current)),
                _percent(selectors.referrals_completed_share(previous)),
            ),
            (
                _("Ocupación del tiempo de las asesoras"),
                _percent(booked / available if available else None),
                _percent(booked_before / available_before if available_before else None),
            ),
            (
                _("Mediana de días del primer contacto a la primera sesión"),
                _days(selectors.median_days_to_first_session(current)),
                _days(selectors.median_days_to_first_session(previous)),
            ),
        ],
    }
    return render(request, "reports/dashboard.html", context)


@require_GET
@staff_required(Role.COORDINACION)
def export(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if not form.is_valid():
        raise Http404
    key = request.GET.get("tabla", "mujeres")
    fmt = request.GET.get("formato", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    f = form.filters()
    table = selectors.table(key, f)
    if table is None:
        raise Http404
    header = [table.label_header, table.value_header]
    rows: list[list[Any]] = [[label, value] for label, value in table.rows]
    rows.append([_("Total"), table.total])
    name = f"{key}_{f.start:%Y%m%d}-{f.end:%Y%m%d}"
    if fmt == "csv":
        response = HttpResponse(to_csv(header, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            to_xlsx(table.title, header, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    audit_export(
        request=request,
        export_format=fmt,
        rows=len(table.rows),
        object_type=f"reports.{key}",
        filters={**form.query(), "consent_only": f.consent_only},
    )
    return response


@require_GET
@staff_required(Role.ENLACE)
def partner(request: HttpRequest) -> HttpResponse:
    # Her organisation comes from her account, never from the request.
    organization = organization_of_liaison(request.user)
    if organization is None:
        raise Http404
    return render(
        request,
        "reports/partner.html",
        {"organization": organization, "reports": partner_reports(organization)},
    )


@require_http_methods(["GET", "POST"])
@staff_required(Role.COORDINACION)
def press(request: HttpRequest) -> HttpResponse:
    closed = Jornada.objects.filter(status=Jornada.Status.CLOSED).select_related("organization")
    chosen = request.GET.get("jornada") or request.POST.get("jornada")
    if not chosen:
        return render(request, "reports/press.html", {"jornadas": closed.order_by("-ends_on")})
    try:
        public_id = UUID(chosen)
    except ValueError as error:  # a malformed id is as absent as an unknown one
        raise Http404 from error
    jornada = get_object_or_404(closed, public_id=public_id)
    if request.method == "POST":
        # The coordinator may have edited the draft; what she downloads is what she sent.
        text = request.POST.get("texto") or press_draft(jornada)
        response = HttpResponse(
            text.replace("\r\n", "\n"), content_type="text/markdown; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="boletin-{jornada.ends_on:%Y-%m-%d}.md"'
        )
        audit_export(
            request=request,
            export_format="md",
            rows=1,
            obj=jornada,
            filters={"jornada": str(jornada.public_id)},
        )
        return response
    return render(
        request,
        "reports/press.html",
        {"jornada": jornada, "draft": press_draft(jornada), "jornadas": closed},
    )


@require_GET
@staff_required(*CASE_ROLES)
def case_list_export(request: HttpRequest) -> HttpResponse:
    """The case list she can see, with the list's filters, as CSV or XLSX."""
    fmt = request.GET.get("formato", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    # The list's own filters, bound exactly as the list binds them.
    query = request.GET.copy()
    query.pop("formato", None)
    form = CaseFilterForm(query or None, initial={"estado": "active"})
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(
            _("Los filtros no son válidos. Vuelve a la lista de expedientes y elige otros."),
            content_type="text/plain; charset=utf-8",
        )
    data = form.cleaned_data if form.is_bound else {"estado": "active"}
    user: User = request.user  # type: ignore[assignment]  # staff_required: signed in
    rows = list(case_list_rows(case_list_for_export(user=user, filters=data)))
    header = case_list_header()
    if fmt == "csv":
        content = to_csv(header, rows)
    else:
        content = to_xlsx(_("Expedientes"), header, rows)
    today = timezone.localdate()
    response = _download(content, fmt, f"expedientes_{today:%Y%m%d}")
    audit_export(
        request=request,
        export_format=fmt,
        rows=len(rows),
        object_type="cases.case_list",
        filters={k: str(v) for k, v in data.items() if v not in ("", None, False)},
    )
    return response


@require_GET
@staff_required(Role.COORDINACION)
def monthly(request: HttpRequest) -> HttpResponse:
    """The monthly PDF report of a chosen month (last month by default)."""
    form = MonthForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    month = form.month()
    public = form.cleaned_data["difusion"]
    response = HttpResponse(
        monthly_report_pdf(month=month, public=public), content_type="application/pdf"
    )
    suffix = "_difusion" if public else ""
    response["Content-Disposition"] = f'attachment; filename="informe_{month:%Y-%m}{suffix}.pdf"'
    audit_export(
        request=request,
        export_format="pdf",
        rows=len(selectors.TABLES),
        object_type="reports.monthly",
        filters={"mes": f"{month:%Y-%m}", "difusion": public},
    )
    return response


@require_GET
@staff_required(Role.COORDINACION)
def open_data(request: HttpRequest) -> HttpResponse:
    """The open-data page: a period, then the data file or its dictionary."""
    form = OpenDataForm(request.GET or {})
    wanted = request.GET.get("archivo", "")
    valid = form.is_valid() and wanted in ("", "datos", "diccionario")
    if not valid or not wanted:
        start, end = (
            (form.cleaned_data["desde"], form.cleaned_data["hasta"])
            if form.is_valid()
            else (None, None)
        )
        entries = dictionary(start=start, end=end) if start and end else []
        return render(
            request,
            "reports/open_data.html",
            {"form": form, "columns": entries, "k_minus": min_cell() - 1},
            status=200 if valid else 400,
        )
    start, end = form.cleaned_data["desde"], form.cleaned_data["hasta"]
    name = f"datos_abiertos_{start:%Y%m%d}-{end:%Y%m%d}"
    if wanted == "diccionario":
        return _download(dictionary_csv(start=start, end=end), "csv", f"{name}_diccionario")
    content, rows = open_data_csv(start=start, end=end)
    response = _download(content, "csv", name)
    audit_export(
        request=request,
        export_format="csv",
        rows=rows,
        object_type="reports.open_data",
        filters={"desde": start, "hasta": end, "consent_only": True},
    )
    return response
