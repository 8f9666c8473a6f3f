"""Indicators: each a function of a period (local dates) and optional filters.

Every figure is an SQL aggregate over the period's rows; a table is a list of
(label, count) rows plus its total, ready for disclosure control (disclosure.py),
the dashboard and the exports.

Counting only women who consented to anonymous statistics is decided once, in
`period_filters`: always for what leaves the institute, and for internal dashboards
when settings.REPORTS_INTERNAL_REQUIRE_CONSENT is on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercania.cases.models import (
    Area,
    Case,
    Contact,
    FollowUp,
    Person,
    Referral,
    RiskAssessment,
    RiskLevel,
    ViolenceRecord,
)
from cercania.privacy.models import Consent, ConsentPurpose
from cercania.scheduling.models import Appointment, AvailabilityWindow

CANCELLED = (Appointment.Status.CANCELLED_BY_HER, Appointment.Status.CANCELLED_BY_INSTITUTE)
CALLS = (Contact.Kind.INCOMING_CALL, Contact.Kind.OUTGOING_CALL)
# A service's code names the case area it serves (the two areas of DESIGN.md).
SERVICE_AREA = {"juridico": Area.LEGAL, "violencia": Area.VIOLENCE}
AGE_GROUPS = ((0, 17), (18, 29), (30, 44), (45, 59), (60, 200))


@dataclass(frozen=True)
class Filters:
    """A period of local dates (both inclusive) and optional narrowing, by primary key
    or service code; views translate the public ids of the query string into these."""

    start: date
    end: date
    service: str | None = None
    organization: int | None = None
    jornada: int | None = None
    advisor: int | None = None
    consent_only: bool = False

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of equal length just before this one, same filters."""
        return replace(
            self,
            start=self.start - timedelta(days=self.days),
            end=self.start - timedelta(days=1),
        )


def period_filters(*, start: date, end: date, external: bool = False, **narrow: object) -> Filters:
    consent_only = external or bool(getattr(settings, "REPORTS_INTERNAL_REQUIRE_CONSENT", False))
    return Filters(start=start, end=end, consent_only=consent_only, **narrow)  # type: ignore[arg-type]


@dataclass
class Table:
    """One indicator table: labelled counts and their total (the sum, unless a row
    may count one woman twice, in which case the total is given apart)."""

    key: str
    title: str
    rows: list[tuple[str, int]] = field(default_factory=list)
    total: int | None = None
    value_header: str = ""
    label_header: str = ""

    def __post_init__(self) -> None:
        self.value_header = self.value_header or str(_("Número"))
        self.label_header = self.label_header or str(_("Concepto"))
        if self.total is None:
            self.total = sum(value for _label, value in self.rows)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _bounds(f: Filters) -> tuple[datetime, datetime]:
    zone = _zone()
    return (
        datetime.combine(f.start, time.min, tzinfo=zone),
        datetime.combine(f.end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _consented(person_path: str) -> Exists:
    return Exists(
        Consent.objects.filter(
            person=OuterRef(person_path),
            purpose=ConsentPurpose.ANONYMOUS_STATISTICS,
            withdrawn_at__isnull=True,
        )
    )


def appointments(f: Filters) -> QuerySet[Appointment]:
    since, until = _bounds(f)
    qs = Appointment.objects.filter(starts_at__gte=since, starts_at__lt=until)
    if f.service:
        qs = qs.filter(service__code=f.service)
    if f.organization:
        qs = qs.filter(jornada__organization_id=f.organization)
    if f.jornada:
        qs = qs.filter(jornada_id=f.jornada)
    if f.advisor:
        qs = qs.filter(advisor_id=f.advisor)
    if f.consent_only:
        qs = qs.filter(_consented("person"))
    return qs


def contacts(f: Filters) -> QuerySet[Contact]:
    since, until = _bounds(f)
    qs = Contact.objects.filter(started_at__gte=since, started_at__lt=until)
    if f.service:
        qs = qs.filter(line__code=f.service)
    if f.organization:
        # Her employer, or a session booked in the organisation's jornada.
        qs = qs.filter(
            Q(person__employer_id=f.organization)
            | Q(appointment__jornada__organization_id=f.organization)
        )
    if f.jornada:
        qs = qs.filter(appointment__jornada_id=f.jornada)
    if f.advisor:
        qs = qs.filter(staff__advisor__id=f.advisor)
    if f.consent_only:
        # A contact nobody is linked to yet cannot carry a consent: it is not counted.
        qs = qs.filter(_consented("person"))
    return qs


def cases(f: Filters) -> QuerySet[Case]:
    """Cases opened in the period."""
    qs = Case.objects.filter(opened_on__gte=f.start, opened_on__lte=f.end)
    if f.service and f.service in SERVICE_AREA:
        qs = qs.filter(area=SERVICE_AREA[f.service])
    if f.organization:
        qs = qs.filter(person__employer_id=f.organization)
    if f.jornada:
        qs = qs.filter(person__appointments__jornada_id=f.jornada).distinct()
    if f.advisor:
        qs = qs.filter(assignee__advisor__id=f.advisor)
    if f.consent_only:
        qs = qs.filter(_consented("person"))
    return qs


def women_attended_qs(f: Filters) -> QuerySet[Person]:
    """Women with an attended session or a contact in the period: each counts once,
    however many cases, sessions or calls she had."""
    attended = appointments(f).filter(status=Appointment.Status.ATTENDED)
    return Person.objects.filter(
        Q(pk__in=attended.values("person_id"))
        | Q(pk__in=contacts(f).filter(person__isnull=False).values("person_id"))
    )


def women_attended(f: Filters) -> Table:
    """Unique women attended, new (first attention ever in the period) or returning."""
    since, _until = _bounds(f)
    women = women_attended_qs(f)
    before = Q(Exists(Contact.objects.filter(person=OuterRef("pk"), started_at__lt=since))) | Q(
        Exists(
            Appointment.objects.filter(
                person=OuterRef("pk"),
                status=Appointment.Status.ATTENDED,
                starts_at__lt=since,
            )
        )
    )
    counts = women.aggregate(total=Count("pk"), returning=Count("pk", filter=before))
    return Table(
        key="mujeres",
        title=str(_("Mujeres atendidas")),
        rows=[
            (str(_("Primera vez")), counts["total"] - counts["returning"]),
            (str(_("Ya atendidas antes")), counts["returning"]),
        ],
        total=counts["total"],
    )


def _ranked(rows: Any) -> list[tuple[str, int]]:
    """Largest first, then by name: a catalogue's few grouped rows, sorted here because
    the ORM cannot order a many-to-many through table by an annotation."""
    return sorted(((str(label), int(n)) for label, n in rows), key=lambda r: (-r[1], r[0]))


def _choice_rows(
    queryset: QuerySet[Any], field_name: str, choices: Sequence[tuple[str, Any]]
) -> list[tuple[str, int]]:
    counts = dict(queryset.values_list(field_name).annotate(n=Count("pk")).order_by())
    return [(str(label), counts.get(value, 0)) for value, label in choices]


def contacts_by_kind(f: Filters) -> Table:
    return Table(
        key="contactos_tipo",
        title=str(_("Contactos por tipo")),
        rows=_choice_rows(contacts(f), "kind", Contact.Kind.choices),
    )


def contacts_by_line(f: Filters) -> Table:
    rows = (
        contacts(f).values_list("line__name").annotate(n=Count("pk")).order_by("-n", "line__name")
    )
    return Table(
        key="contactos_linea",
        title=str(_("Contactos por línea o servicio")),
        rows=[(name or str(_("Sin línea")), n) for name, n in rows],
    )


def sessions(f: Filters) -> Table:
    """Sessions in the period by what became of them. Booked = every appointment."""
    counts = appointments(f).aggregate(
        booked=Count("pk"),
        attended=Count("pk", filter=Q(status=Appointment.Status.ATTENDED)),
        no_show=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
        cancelled=Count("pk", filter=Q(status__in=CANCELLED)),
        pending=Count("pk", filter=Q(status=Appointment.Status.CONFIRMED)),
    )
    return Table(
        key="sesiones",
        title=str(_("Sesiones")),
        rows=[
            (str(_("Atendidas")), counts["attended"]),
            (str(_("No se presentó")), counts["no_show"]),
            (str(_("Canceladas")), counts["cancelled"]),
            (str(_("Confirmadas, aún sin registrar")), counts["pending"]),
        ],
        total=counts["booked"],
    )


def no_show_rate(f: Filters) -> float | None:
    """No-shows among the sessions whose outcome is known (attended or no-show)."""
    counts = appointments(f).aggregate(
        attended=Count("pk", filter=Q(status=Appointment.Status.ATTENDED)),
        no_show=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
    )
    known = counts["attended"] + counts["no_show"]
    return counts["no_show"] / known if known else None


def calls_out_of_hours(f: Filters) -> Table:
    counts = (
        contacts(f)
        .filter(kind__in=CALLS)
        .aggregate(total=Count("pk"), outside=Count("pk", filter=Q(out_of_hours=True)))
    )
    return Table(
        key="llamadas_horario",
        title=str(_("Llamadas dentro y fuera de horario")),
        rows=[
            (str(_("Dentro del horario")), counts["total"] - counts["outside"]),
            (str(_("Fuera del horario")), counts["outside"]),
        ],
    )


def top_matters(f: Filters, *, n: int = 10) -> Table:
    """Matters of the cases opened in the period (a case may have several: the rows
    count cases per matter, the total counts cases)."""
    opened = cases(f)
    through = Case.matters.through.objects.filter(case__in=opened.values("pk"))
    rows = (
        through.values_list("legalmatter__name")
        .annotate(n=Count("case_id", distinct=True))
        .order_by()
    )
    return Table(
        key="materias",
        title=str(_("Materias más frecuentes")),
        rows=_ranked(rows)[:n],
        total=opened.filter(matters__isnull=False).distinct().count(),
        label_header=str(_("Materia")),
        value_header=str(_("Expedientes")),
    )


def _violence_records(f: Filters) -> QuerySet[ViolenceRecord]:
    return ViolenceRecord.objects.filter(case__in=cases(f).filter(area=Area.VIOLENCE).values("pk"))


def _violence_by_catalogue(
    f: Filters, *, field: str, key: str, title: str, label_header: str
) -> Table:
    """Violence cases counted by one of the record's catalogues (types or modalities)."""
    records = _violence_records(f)
    relation = getattr(ViolenceRecord, field)
    through = relation.through.objects.filter(violencerecord__in=records.values("pk"))
    rows = (
        through.values_list(f"{relation.rel.model._meta.model_name}__name")
        .annotate(n=Count("violencerecord_id", distinct=True))
        .order_by()
    )
    return Table(
        key=key,
        title=title,
        rows=_ranked(rows),
        total=records.filter(**{f"{field}__isnull": False}).distinct().count(),
        label_header=label_header,
        value_header=str(_("Expedientes")),
    )


def violence_by_type(f: Filters) -> Table:
    return _violence_by_catalogue(
        f,
        field="types",
        key="violencia_tipo",
        title=str(_("Casos de violencia por tipo")),
        label_header=str(_("Tipo")),
    )


def violence_by_modality(f: Filters) -> Table:
    return _violence_by_catalogue(
        f,
        field="modalities",
        key="violencia_modalidad",
        title=str(_("Casos de violencia por modalidad")),
        label_header=str(_("Modalidad")),
    )


def risk_levels(f: Filters) -> Table:
    """Risk screenings applied in the period, by resulting level."""
    since, until = _bounds(f)
    qs = RiskAssessment.objects.filter(
        status=RiskAssessment.Status.COMPLETED, assessed_at__gte=since, assessed_at__lt=until
    )
    if f.organization:
        qs = qs.filter(case__person__employer_id=f.organization)
    if f.advisor:
        qs = qs.filter(case__assignee__advisor__id=f.advisor)
    if f.consent_only:
        qs = qs.filter(_consented("case__person"))
    return Table(
        key="riesgo",
        title=str(_("Valoraciones de riesgo por nivel")),
        rows=_choice_rows(qs, "level", RiskLevel.choices),
    )


def _referrals(f: Filters) -> QuerySet[Referral]:
    qs = Referral.objects.filter(sent_on__gte=f.start, sent_on__lte=f.end)
    if f.service and f.service in SERVICE_AREA:
        qs = qs.filter(case__area=SERVICE_AREA[f.service])
    if f.organization:
        qs = qs.filter(case__person__employer_id=f.organization)
    if f.advisor:
        qs = qs.filter(case__assignee__advisor__id=f.advisor)
    if f.consent_only:
        qs = qs.filter(_consented("case__person"))
    return qs


def referrals_by_institution(f: Filters) -> Table:
    rows = (
        _referrals(f)
        .values_list("institution__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "institution__name")
    )
    return Table(
        key="canalizaciones_institucion",
        title=str(_("Canalizaciones por institución")),
        rows=list(rows),
        label_header=str(_("Institución")),
    )


def referrals_by_status(f: Filters) -> Table:
    return Table(
        key="canalizaciones_estado",
        title=str(_("Canalizaciones por estado")),
        rows=_choice_rows(_referrals(f), "status", Referral.Status.choices),
    )


def referrals_completed_share(f: Filters) -> float | None:
    counts = _referrals(f).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(status=Referral.Status.COMPLETED))
    )
    return counts["done"] / counts["total"] if counts["total"] else None


def follow_ups_overdue(f: Filters, *, today: date | None = None) -> Table:
    """Open follow-ups past their due date, as of the period's end (or today if
    sooner), by case area."""
    today = today or timezone.localdate()
    as_of = min(f.end, today)
    qs = FollowUp.objects.filter(done_at__isnull=True, due_on__lt=as_of)
    if f.service and f.service in SERVICE_AREA:
        qs = qs.filter(case__area=SERVICE_AREA[f.service])
    if f.organization:
        qs = qs.filter(case__person__employer_id=f.organization)
    if f.advisor:
        qs = qs.filter(assignee__advisor__id=f.advisor)
    if f.consent_only:
        qs = qs.filter(_consented("case__person"))
    return Table(
        key="seguimientos_vencidos",
        title=str(_("Seguimientos vencidos")),
        rows=_choice_rows(qs, "case__area", Area.choices),
    )


def women_by_organization(f: Filters) -> Table:
    """Women attended in a jornada, per organisation (each woman once per row)."""
    rows = (
        appointments(f)
        .filter(status=Appointment.Status.ATTENDED, jornada__isnull=False)
        .values_list("jornada__organization__name")
        .annotate(n=Count("person_id", distinct=True))
        .order_by("-n", "jornada__organization__name")
    )
    total = (
        appointments(f)
        .filter(status=Appointment.Status.ATTENDED, jornada__isnull=False)
        .aggregate(n=Count("person_id", distinct=True))["n"]
    )
    return Table(
        key="mujeres_organizacion",
        title=str(_("Mujeres alcanzadas por organización")),
        rows=list(rows),
        total=total,
        label_header=str(_("Organización")),
        value_header=str(_("Mujeres")),
    )


def women_by_jornada(f: Filters) -> Table:
    attended = appointments(f).filter(status=Appointment.Status.ATTENDED, jornada__isnull=False)
    rows = (
        attended.values_list("jornada__title", "jornada__starts_on")
        .annotate(n=Count("person_id", distinct=True))
        .order_by("jornada__starts_on", "jornada__title")
    )
    return Table(
        key="mujeres_jornada",
        title=str(_("Mujeres alcanzadas por jornada")),
        rows=[(f"{title} ({day:%d/%m/%Y})", n) for title, day, n in rows],
        total=attended.aggregate(n=Count("person_id", distinct=True))["n"],
        label_header=str(_("Jornada")),
        value_header=str(_("Mujeres")),
    )


def age_groups(f: Filters) -> Table:
    """Women attended by age reached in the period's final year (from birth year)."""
    year = f.end.year
    women = women_attended_qs(f)
    aggregates: dict[str, Count] = {}
    labels: list[tuple[str, str]] = []
    for low, high in AGE_GROUPS:
        key = f"g{low}"
        aggregates[key] = Count(
            "pk", filter=Q(birth_year__lte=year - low, birth_year__gte=year - high)
        )
        if low == 0:
            label = str(_("Menores de 18 años"))
        elif high >= 200:
            label = str(_("%(low)s años o más")) % {"low": low}
        else:
            label = str(_("%(low)s a %(high)s años")) % {"low": low, "high": high}
        labels.append((key, label))
    aggregates["unknown"] = Count("pk", filter=Q(birth_year__isnull=True))
    counts = women.aggregate(**aggregates)
    rows = [(label, counts[key]) for key, label in labels]
    rows.append((str(_("Sin dato")), counts["unknown"]))
    return Table(
        key="edades",
        title=str(_("Mujeres atendidas por grupo de edad")),
        rows=rows,
        label_header=str(_("Edad")),
        value_header=str(_("Mujeres")),
    )


def occupancy(f: Filters) -> tuple[int, int]:
    """(booked minutes, available minutes) of advisor time in the period.

    Available: the advisors' weekly windows on every day of the period that is not a
    closed day (time off is not subtracted yet: a known overstatement). Booked: active
    appointments of those advisors."""
    from cercania.institute.models import ClosedDay

    windows = AvailabilityWindow.objects.filter(advisor__active=True)
    if f.advisor:
        windows = windows.filter(advisor_id=f.advisor)
    if f.service:
        windows = windows.filter(advisor__services__code=f.service)
    by_weekday: dict[int, int] = {}
    for weekday, starts, ends in windows.values_list("weekday", "starts", "ends"):
        minutes = (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)
        by_weekday[weekday] = by_weekday.get(weekday, 0) + minutes
    closed = set(
        ClosedDay.objects.filter(date__gte=f.start, date__lte=f.end).values_list("date", flat=True)
    )
    available = 0
    day = f.start
    while day <= f.end:
        if day not in closed:
            available += by_weekday.get(day.isoweekday(), 0)
        day += timedelta(days=1)
    booked_qs = appointments(replace(f, consent_only=False, organization=None, jornada=None))
    booked = booked_qs.filter(status__in=Appointment.ACTIVE_STATUSES).aggregate(
        d=Sum(ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField()))
    )["d"]
    return (int(booked.total_seconds() // 60) if booked else 0, available)


def dashboard(f: Filters) -> list[Table]:
    """Every count table of the dashboard, in reading order."""
    return [
        women_attended(f),
        sessions(f),
        contacts_by_kind(f),
        contacts_by_line(f),
        calls_out_of_hours(f),
        top_matters(f),
        violence_by_type(f),
        violence_by_modality(f),
        risk_levels(f),
        referrals_by_institution(f),
        referrals_by_status(f),
        follow_ups_overdue(f),
        women_by_organization(f),
        women_by_jornada(f),
        age_groups(f),
    ]


TABLES = {
    "mujeres": women_attended,
    "sesiones": sessions,
    "contactos_tipo": contacts_by_kind,
    "contactos_linea": contacts_by_line,
    "llamadas_horario": calls_out_of_hours,
    "materias": top_matters,
    "violencia_tipo": violence_by_type,
    "violencia_modalidad": violence_by_modality,
    "riesgo": risk_levels,
    "canalizaciones_institucion": referrals_by_institution,
    "canalizaciones_estado": referrals_by_status,
    "seguimientos_vencidos": follow_ups_overdue,
    "mujeres_organizacion": women_by_organization,
    "mujeres_jornada": women_by_jornada,
    "edades": age_groups,
}
