"""Indicators: each a function of a period (local dates) and optional filters.

Every figure is an SQL aggregate over the period's rows; a table is a list of
(label, count) rows plus its total, ready for disclosure control (disclosure.py),
the dashboard and the exports.

Counting only women who consented to anonymous statistics is decided once, in
`period_filters`: always for what leaves the institute, and for internal dashboards
when settings.REPORTS_INTERNAL_REQUIRE_CONSENT is on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercania.cases.models import (
    Area,
    Case,
    Contact,
    FollowUp,
    LegalMatter,
    Person,
    Referral,
    RiskAssessment,
    RiskLevel,
    ViolenceRecord,
)
from cercania.institute.models import Service
from cercania.lib.analytic import analytic, analytic_concurrently
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
    # Correlated EXISTS (an index probe per woman), not `pk IN (…) OR pk IN (…)`: over a
    # year of contacts PostgreSQL cannot hash that subquery in work_mem and falls back
    # to rescanning it for every person (minutes on bench/reports.py's data).
    return Person.objects.filter(
        Q(Exists(attended.filter(person_id=OuterRef("pk"))))
        | Q(Exists(contacts(f).filter(person_id=OuterRef("pk"))))
    )


def _age_label(low: int, high: int) -> str:
    if low == 0:
        return str(_("Menores de 18 años"))
    if high >= 200:
        return str(_("%(low)s años o más")) % {"low": low}
    return str(_("%(low)s a %(high)s años")) % {"low": low, "high": high}


def _women_tables(f: Filters) -> tuple[Table, Table]:
    """Women attended (new or returning) and their age groups: one aggregate over the
    set of women, which is the costly part of both (a year's contacts)."""
    since, _until = _bounds(f)
    # Attended before the period: her first attention (kept on her record by the
    # services that record contacts and sessions) is earlier than its start.
    before = Q(first_attended_at__lt=since)
    # Age reached in the period's final year (from the birth year she gave).
    year = f.end.year
    ages = {
        f"g{low}": Count("pk", filter=Q(birth_year__lte=year - low, birth_year__gte=year - high))
        for low, high in AGE_GROUPS
    }
    counts = women_attended_qs(f).aggregate(
        total=Count("pk"),
        returning=Count("pk", filter=before),
        unknown=Count("pk", filter=Q(birth_year__isnull=True)),
        **ages,
    )
    women = Table(
        key="mujeres",
        title=str(_("Mujeres atendidas")),
        rows=[
            (str(_("Primera vez")), counts["total"] - counts["returning"]),
            (str(_("Ya atendidas antes")), counts["returning"]),
        ],
        total=counts["total"],
    )
    age_rows = [(_age_label(low, high), counts[f"g{low}"]) for low, high in AGE_GROUPS]
    age_rows.append((str(_("Sin dato")), counts["unknown"]))
    by_age = Table(
        key="edades",
        title=str(_("Mujeres atendidas por grupo de edad")),
        rows=age_rows,
        label_header=str(_("Edad")),
        value_header=str(_("Mujeres")),
    )
    return women, by_age


def women_attended(f: Filters) -> Table:
    """Unique women attended, new (first attention ever in the period) or returning."""
    return _women_tables(f)[0]


def age_groups(f: Filters) -> Table:
    """Women attended by age reached in the period's final year (from birth year)."""
    return _women_tables(f)[1]


def _ranked(rows: Any) -> list[tuple[str, int]]:
    """Largest first, then by name: a catalogue's few grouped rows, sorted here because
    the ORM cannot order a many-to-many through table by an annotation."""
    return sorted(((str(label), int(n)) for label, n in rows), key=lambda r: (-r[1], r[0]))


def _choice_rows(
    queryset: QuerySet[Any], field_name: str, choices: Sequence[tuple[str, Any]]
) -> list[tuple[str, int]]:
    counts = dict(queryset.values_list(field_name).annotate(n=Count("pk")).order_by())
    return [(str(label), counts.get(value, 0)) for value, label in choices]


# How a contact reached her: every kind of contact is one of three channels (a call on
# a line and a phone session are both the telephone).
CHANNELS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("video", _("Videollamada"), (Contact.Kind.VIDEO_SESSION,)),
    (
        "phone",
        _("Teléfono"),
        (Contact.Kind.PHONE_SESSION, Contact.Kind.INCOMING_CALL, Contact.Kind.OUTGOING_CALL),
    ),
    ("in_person", _("Presencial"), (Contact.Kind.IN_PERSON,)),
)


def _contact_tables(f: Filters) -> dict[str, Table]:
    """The four contact tables (by kind, line, channel; calls in and out of hours) from
    one scan of the period's contacts, grouped by the three columns they split on.

    The grouped rows are a few dozen (kinds × lines × in/out of hours), so adding them
    up here is not a loop over contacts."""
    # By line id, not name: no join, so PostgreSQL reads the year from the covering
    # index cases_contact_period alone; the few line names are one small query.
    grouped = list(
        contacts(f)
        .values_list("kind", "line_id", "out_of_hours")
        .annotate(n=Count("*"))  # COUNT(*): the id is not in the index
        .order_by()
    )
    names = dict(
        Service.objects.filter(pk__in={line for _k, line, _o, _n in grouped if line}).values_list(
            "pk", "name"
        )
    )
    by_kind: dict[str, int] = {}
    by_line: dict[str | None, int] = {}
    calls = {True: 0, False: 0}
    for kind, line_id, out_of_hours, n in grouped:
        line = names.get(line_id)
        by_kind[kind] = by_kind.get(kind, 0) + n
        by_line[line] = by_line.get(line, 0) + n
        if kind in CALLS:
            calls[bool(out_of_hours)] += n
    no_line = str(_("Sin línea"))
    return {
        "contactos_tipo": Table(
            key="contactos_tipo",
            title=str(_("Contactos por tipo")),
            rows=[(str(label), by_kind.get(value, 0)) for value, label in Contact.Kind.choices],
        ),
        "contactos_linea": Table(
            key="contactos_linea",
            title=str(_("Contactos por línea o servicio")),
            rows=sorted(
                ((name or no_line, n) for name, n in by_line.items()),
                key=lambda row: (-row[1], row[0]),
            ),
        ),
        "contactos_canal": Table(
            key="contactos_canal",
            title=str(_("Contactos por canal")),
            rows=[
                (str(label), sum(by_kind.get(kind, 0) for kind in kinds))
                for _code, label, kinds in CHANNELS
            ],
            label_header=str(_("Canal")),
            value_header=str(_("Contactos")),
        ),
        "llamadas_horario": Table(
            key="llamadas_horario",
            title=str(_("Llamadas dentro y fuera de horario")),
            rows=[
                (str(_("Dentro del horario")), calls[False]),
                (str(_("Fuera del horario")), calls[True]),
            ],
        ),
    }


def contacts_by_kind(f: Filters) -> Table:
    return _contact_tables(f)["contactos_tipo"]


def contacts_by_line(f: Filters) -> Table:
    return _contact_tables(f)["contactos_linea"]


def contacts_by_channel(f: Filters) -> Table:
    """Contacts (sessions and calls) by channel: video, telephone, in person."""
    return _contact_tables(f)["contactos_canal"]


def calls_out_of_hours(f: Filters) -> Table:
    return _contact_tables(f)["llamadas_horario"]


def sessions(f: Filters) -> Table:
    """Sessions in the period by what became of them. Booked = every appointment."""
    # One GROUP BY status, not one FILTER per outcome; COUNT(*), so that the index
    # scheduling_appt_start_status answers alone.
    by_status = dict(appointments(f).values_list("status").annotate(n=Count("*")).order_by())
    counts = {
        "booked": sum(by_status.values()),
        "attended": by_status.get(Appointment.Status.ATTENDED, 0),
        "no_show": by_status.get(Appointment.Status.NO_SHOW, 0),
        "cancelled": sum(by_status.get(status, 0) for status in CANCELLED),
        "pending": by_status.get(Appointment.Status.CONFIRMED, 0),
    }
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


@analytic
def no_show_rate(f: Filters) -> float | None:
    """No-shows among the sessions whose outcome is known (attended or no-show)."""
    counts = appointments(f).aggregate(
        attended=Count("pk", filter=Q(status=Appointment.Status.ATTENDED)),
        no_show=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
    )
    known = counts["attended"] + counts["no_show"]
    return counts["no_show"] / known if known else None


# Days waited, in the institute's calendar: (lowest, highest or None, label).
WAIT_BANDS: tuple[tuple[int, int | None, Any], ...] = (
    (0, 0, _("El mismo día")),
    (1, 7, _("De 1 a 7 días")),
    (8, 30, _("De 8 a 30 días")),
    (31, None, _("Más de 30 días")),
)


def first_sessions(f: Filters) -> QuerySet[Appointment]:
    """Each woman's first attended session (of the filtered service, if any), when it
    falls in the period and matches the filters, annotated with `waited`: the local
    calendar days from her first contact of any kind to it.

    A woman whose session is her first contact waited 0 days (the session is a
    contact too, even when nobody recorded it as one)."""
    attended = Appointment.objects.filter(status=Appointment.Status.ATTENDED)
    if f.service:
        attended = attended.filter(service__code=f.service)
    # First = no attended session of hers before it (the id breaks a tie in time): an
    # index-only probe of scheduling_appt_attended, where ORDER BY … LIMIT 1 per session
    # would sort her sessions each time.
    earlier = attended.filter(person=OuterRef("person_id"), starts_at__lte=OuterRef("starts_at"))
    earlier = earlier.filter(Q(starts_at__lt=OuterRef("starts_at")) | Q(pk__lt=OuterRef("pk")))
    first_contact = Contact.objects.filter(person=OuterRef("person_id")).order_by("started_at")
    zone = _zone()
    return (
        appointments(f)
        .filter(status=Appointment.Status.ATTENDED)
        .filter(~Exists(earlier))
        .annotate(
            contact_at=Least(
                Coalesce(Subquery(first_contact.values("started_at")[:1]), F("starts_at")),
                F("starts_at"),
            )
        )
        .annotate(
            waited=ExpressionWrapper(
                TruncDate("starts_at", tzinfo=zone) - TruncDate("contact_at", tzinfo=zone),
                output_field=DurationField(),
            )
        )
    )


def _waits(f: Filters) -> list[tuple[int, int]]:
    """(days waited, women) for the first sessions of the period, fewest days first.

    Grouped by the wait, so the two first-contact probes run once per session (an
    aggregate with one FILTER per band would repeat them in every band); the rows are
    one per distinct number of days, a few hundred at most."""
    waits: QuerySet[Any] = first_sessions(f)  # annotated: the plugin cannot see `waited`
    grouped = waits.values_list("waited").annotate(n=Count("pk")).order_by("waited")
    return [(waited.days, n) for waited, n in grouped]


def time_to_first_session(f: Filters) -> Table:
    """Women whose first attended session fell in the period, by days waited since
    their first contact."""
    waits = _waits(f)
    rows = [
        (
            str(label),
            sum(n for days, n in waits if days >= low and (high is None or days <= high)),
        )
        for low, high, label in WAIT_BANDS
    ]
    return Table(
        key="primera_sesion",
        title=str(_("Del primer contacto a la primera sesión")),
        rows=rows,
        label_header=str(_("Tiempo de espera")),
        value_header=str(_("Mujeres")),
    )


@analytic
def median_days_to_first_session(f: Filters) -> float | None:
    """The median of those waits, in days (None without any first session): the middle
    one or two of the counted waits, found by walking the grouped counts."""
    waits = _waits(f)
    n = sum(count for _days, count in waits)
    if not n:
        return None
    wanted = {(n - 1) // 2, n // 2}  # positions of the middle one or two, from 0
    middle: list[int] = []
    seen = 0
    for days, count in waits:
        middle.extend(days for position in wanted if seen <= position < seen + count)
        seen += count
    return sum(middle) / len(middle)


def _named_counts(
    through: QuerySet[Any], catalogue_id: str, catalogue: type[models.Model]
) -> list[tuple[str, int]]:
    """(name, records) per catalogue entry of a many-to-many table's rows.

    COUNT(*) grouped by the entry's id: the table holds each (record, entry) pair once
    (its unique constraint), so that is the count of distinct records, without the sort
    a COUNT(DISTINCT) needs nor a join to the catalogue; the few names are one query."""
    counts = dict(through.values_list(catalogue_id).annotate(n=Count("pk")).order_by())
    names = dict(catalogue._default_manager.filter(pk__in=counts).values_list("pk", "name"))
    return [(names[entry], n) for entry, n in counts.items()]


def top_matters(f: Filters, *, n: int = 10) -> Table:
    """Matters of the cases opened in the period (a case may have several: the rows
    count cases per matter, the total counts cases)."""
    opened = cases(f)
    through = Case.matters.through.objects.filter(case__in=opened.values("pk"))
    return Table(
        key="materias",
        title=str(_("Materias más frecuentes")),
        rows=_ranked(_named_counts(through, "legalmatter_id", LegalMatter))[:n],
        total=through.aggregate(n=Count("case_id", distinct=True))["n"],
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
    catalogue = relation.rel.model
    rows = _named_counts(through, f"{catalogue._meta.model_name}_id", catalogue)
    return Table(
        key=key,
        title=title,
        rows=_ranked(rows),
        total=through.aggregate(n=Count("violencerecord_id", distinct=True))["n"],
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


@analytic
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


def _jornada_tables(f: Filters) -> tuple[Table, Table]:
    """Women attended in a jornada, per organisation and per jornada (each woman once
    per row). Both tables have one total, women in any jornada, which is not the sum of
    either's rows (one woman may go to several): counted once for the two."""
    attended = appointments(f).filter(status=Appointment.Status.ATTENDED, jornada__isnull=False)
    total = attended.aggregate(n=Count("person_id", distinct=True))["n"]
    by_organization = (
        attended.values_list("jornada__organization__name")
        .annotate(n=Count("person_id", distinct=True))
        .order_by("-n", "jornada__organization__name")
    )
    by_jornada = (
        attended.values_list("jornada__title", "jornada__starts_on")
        .annotate(n=Count("person_id", distinct=True))
        .order_by("jornada__starts_on", "jornada__title")
    )
    return (
        Table(
            key="mujeres_organizacion",
            title=str(_("Mujeres alcanzadas por organización")),
            rows=list(by_organization),
            total=total,
            label_header=str(_("Organización")),
            value_header=str(_("Mujeres")),
        ),
        Table(
            key="mujeres_jornada",
            title=str(_("Mujeres alcanzadas por jornada")),
            rows=[(f"{title} ({day:%d/%m/%Y})", n) for title, day, n in by_jornada],
            total=total,
            label_header=str(_("Jornada")),
            value_header=str(_("Mujeres")),
        ),
    )


def women_by_organization(f: Filters) -> Table:
    return _jornada_tables(f)[0]


def women_by_jornada(f: Filters) -> Table:
    return _jornada_tables(f)[1]


def _merged(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    """Length shared by two lists of disjoint intervals."""
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def advisor_minutes_available(f: Filters) -> int:
    """Minutes the advisors (active, of the service, or the one chosen) were open for
    sessions in the period: their weekly windows (merged, so overlapping rows count
    once) on every day that is not a closed day, minus their time off.

    Windows are local wall-clock times and time off is stored in UTC, so the two meet
    here, on the few window and time-off rows, rather than in SQL."""
    from cercania.institute.models import ClosedDay
    from cercania.scheduling.models import Advisor, TimeOff

    advisors = Advisor.objects.filter(active=True)
    if f.advisor:
        advisors = advisors.filter(pk=f.advisor)
    if f.service:
        advisors = advisors.filter(services__code=f.service)
    weekly: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for advisor_id, weekday, starts, ends in AvailabilityWindow.objects.filter(
        advisor__in=advisors.values("pk")
    ).values_list("advisor_id", "weekday", "starts", "ends"):
        weekly.setdefault((advisor_id, weekday), []).append(
            (starts.hour * 60 + starts.minute, ends.hour * 60 + ends.minute)
        )
    weekly = {key: _merged(rows) for key, rows in weekly.items()}
    closed = set(
        ClosedDay.objects.filter(date__gte=f.start, date__lte=f.end).values_list("date", flat=True)
    )
    open_days: dict[int, list[date]] = {}
    day = f.start
    while day <= f.end:
        if day not in closed:
            open_days.setdefault(day.isoweekday(), []).append(day)
        day += timedelta(days=1)
    available = sum(
        (end - start) * len(open_days.get(weekday, []))
        for (_advisor, weekday), rows in weekly.items()
        for start, end in rows
    )
    since, until = _bounds(f)
    away: dict[int, list[tuple[float, float]]] = {}
    for advisor_id, starts_at, ends_at in TimeOff.objects.filter(
        advisor__in=advisors.values("pk"), starts_at__lt=until, ends_at__gt=since
    ).values_list("advisor_id", "starts_at", "ends_at"):
        away.setdefault(advisor_id, []).append((starts_at.timestamp(), ends_at.timestamp()))
    zone = _zone()
    for advisor_id, intervals in away.items():
        intervals = _merged(intervals)
        # Only the open days an absence touches: one absence rarely spans many.
        for first, last in intervals:
            day = max(f.start, datetime.fromtimestamp(first, zone).date())
            last_day = min(f.end, datetime.fromtimestamp(last, zone).date())
            while day <= last_day:
                rows = weekly.get((advisor_id, day.isoweekday()), [])
                if rows and day not in closed:
                    midnight = datetime.combine(day, time.min, tzinfo=zone).timestamp()
                    windows = [(midnight + s * 60, midnight + e * 60) for s, e in rows]
                    available -= round(_overlap(windows, [(first, last)]) / 60)
                day += timedelta(days=1)
    return int(max(available, 0))


@analytic
def occupancy(f: Filters) -> tuple[int, int]:
    """(booked minutes, available minutes) of advisor time in the period.

    Available: see advisor_minutes_available (windows − closed days − time off).
    Booked: active appointments of those advisors."""
    available = advisor_minutes_available(f)
    booked_qs = appointments(replace(f, consent_only=False, organization=None, jornada=None))
    booked = booked_qs.filter(status__in=Appointment.ACTIVE_STATUSES).aggregate(
        d=Sum(ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField()))
    )["d"]
    return (int(booked.total_seconds() // 60) if booked else 0, available)


def dashboard(f: Filters) -> list[Table]:
    """Every count table of the dashboard, in reading order. Tables that come from one
    scan (the women and their ages; the four contact tables) are computed together.

    The queries are independent: they run on several connections at once, in one
    snapshot (lib.analytic.analytic_concurrently), the longest first."""
    # Longest first: each connection takes the next query when it is free.
    by_indicator: list[Callable[[Filters], Any]] = [
        _women_tables,
        _contact_tables,
        time_to_first_session,
        top_matters,
        violence_by_type,
        violence_by_modality,
        follow_ups_overdue,
        _jornada_tables,
        sessions,
        risk_levels,
        referrals_by_institution,
        referrals_by_status,
    ]
    (
        (women, by_age),
        contact_tables,
        first_session,
        matters,
        violence_type,
        violence_modality,
        overdue,
        (by_organization, by_jornada),
        sessions_table,
        risk,
        by_institution,
        by_status,
    ) = analytic_concurrently([partial(indicator, f) for indicator in by_indicator])
    return [
        women,
        sessions_table,
        first_session,
        contact_tables["contactos_tipo"],
        contact_tables["contactos_linea"],
        contact_tables["contactos_canal"],
        contact_tables["llamadas_horario"],
        matters,
        violence_type,
        violence_modality,
        risk,
        by_institution,
        by_status,
        overdue,
        by_organization,
        by_jornada,
        by_age,
    ]


TABLES = {
    "mujeres": women_attended,
    "sesiones": sessions,
    "primera_sesion": time_to_first_session,
    "contactos_tipo": contacts_by_kind,
    "contactos_linea": contacts_by_line,
    "contactos_canal": contacts_by_channel,
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


@analytic
def table(key: str, f: Filters) -> Table | None:
    """One count table by its key (an export of it), or None when no table has that key."""
    indicator = TABLES.get(key)
    return indicator(f) if indicator is not None else None
