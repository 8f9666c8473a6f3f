"""What a partner liaison may see: her organisation's jornadas, counts only.

Everything here leaves the institute: only women who consented to anonymous
statistics are counted, and every table goes through small-cell suppression. No row
carries a name, a topic or a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from cercania.institute.selectors import institute_zone
from cercania.lib.analytic import analytic
from cercania.partners.models import Liaison, Organization
from cercania.scheduling.models import Appointment, Jornada

from .disclosure import SafeTable, safe_table
from .selectors import Table, period_filters, sessions, women_attended


def organization_of_liaison(user: Any) -> Organization | None:
    liaison = Liaison.objects.select_related("organization").filter(user=user).first()
    return liaison.organization if liaison else None


def jornadas_of(organization: Organization) -> QuerySet[Jornada]:
    return Jornada.objects.filter(organization=organization).exclude(status=Jornada.Status.DRAFT)


@dataclass
class JornadaReport:
    jornada: Jornada
    booked_per_day: SafeTable
    sessions: SafeTable
    women: SafeTable


def booked_per_day(jornada: Jornada) -> Table:
    """Booked slots (active appointments of consenting women) per local day."""
    f = period_filters(
        start=jornada.starts_on, end=jornada.ends_on, external=True, jornada=jornada.pk
    )
    from .selectors import appointments

    rows = (
        appointments(f)
        .filter(status__in=Appointment.ACTIVE_STATUSES)
        .annotate(day=TruncDate("starts_at", tzinfo=institute_zone()))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    counts: dict[date, int] = dict(rows)
    days = []
    day = jornada.starts_on
    while day <= jornada.ends_on:
        days.append((day.strftime("%d/%m/%Y"), counts.get(day, 0)))
        day = date.fromordinal(day.toordinal() + 1)
    return Table(
        key="citas_por_dia",
        title=_("Citas agendadas por día"),
        rows=days,
        label_header=_("Día"),
        value_header=_("Citas"),
    )


def jornada_report(jornada: Jornada) -> JornadaReport:
    f = period_filters(
        start=jornada.starts_on, end=jornada.ends_on, external=True, jornada=jornada.pk
    )
    return JornadaReport(
        jornada=jornada,
        booked_per_day=safe_table(booked_per_day(jornada)),
        sessions=safe_table(sessions(f)),
        women=safe_table(women_attended(f)),
    )


@analytic
def partner_reports(organization: Organization) -> list[JornadaReport]:
    return [jornada_report(j) for j in jornadas_of(organization).order_by("-starts_on")[:12]]


def has_jornadas(organization: Organization) -> bool:
    return jornadas_of(organization).filter(~Q(status=Jornada.Status.DRAFT)).exists()
