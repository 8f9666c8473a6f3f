"""Staff reads of agendas and jornadas, with their scope decided here and nowhere else.

A coordinator sees every agenda; an advisor sees her own sessions. Anything outside
the user's scope is a 404, never a 403: a 403 would confirm that the record exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

import phonenumbers
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cercania.accounts.models import User
from cercania.accounts.roles import Role, roles_of
from cercania.cases.models import Person
from cercania.institute.models import EmergencyLine, Modality, Service
from cercania.institute.selectors import emergency_lines, institute_zone
from cercania.lib import phones

from .models import Advisor, Appointment, Jornada


def is_coordinator(user: object) -> bool:
    return Role.COORDINACION in roles_of(user)


def advisor_of(user: User) -> Advisor | None:
    return Advisor.objects.filter(user=user).first()


def appointments_visible_to(user: User) -> QuerySet[Appointment]:
    """Every appointment `user` may see: all for coordination, her own for an advisor."""
    appointments = Appointment.objects.select_related(
        "service", "advisor__user", "person", "jornada"
    )
    if is_coordinator(user):
        return appointments
    return appointments.filter(advisor__user=user)


def appointment_for_staff(*, user: User, public_id: UUID) -> Appointment:
    try:
        return appointments_visible_to(user).get(public_id=public_id)
    except Appointment.DoesNotExist:
        raise Http404 from None


# ---------------------------------------------------------------- safe contact


@dataclass(frozen=True)
class CallAdvice:
    """Whether she may be called right now, and the number only when she may."""

    allowed: bool
    reason: str = ""
    phone_display: str = ""
    phone_e164: str = ""
    voicemail: bool = False
    what_may_be_said: str = ""


def call_advice(person: Person, *, at: datetime) -> CallAdvice:
    """Her safe-contact rules applied at `at`: the number is shown only inside them.

    A call outside the hours she gave can put her at risk (someone else may be with
    her), so outside them staff do not even see the number.
    """
    if not person.may_call:
        return CallAdvice(allowed=False, reason=_("No autorizó llamadas"))
    if not person.phone:
        return CallAdvice(allowed=False, reason=_("No dejó un número de teléfono"))
    local = at.astimezone(institute_zone()).time()
    if not person.safe_from <= local < person.safe_until:
        return CallAdvice(allowed=False, reason=_("No llamar ahora: fuera de su horario seguro"))
    return CallAdvice(
        allowed=True,
        phone_display=_national(person.phone),
        phone_e164=person.phone,
        voicemail=person.may_leave_voicemail,
        what_may_be_said=person.what_may_be_said,
    )


def _national(e164: str) -> str:
    try:
        return phonenumbers.format_number(
            phones.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL
        )
    except Exception:  # a number stored before validation: show it as it is
        return e164


# ---------------------------------------------------------------- agendas


@dataclass(frozen=True)
class DateRange:
    first_day: date
    last_day: date
    week: bool

    @classmethod
    def day(cls, day: date) -> DateRange:
        return cls(day, day, week=False)

    @classmethod
    def week_of(cls, day: date) -> DateRange:
        monday = day - timedelta(days=day.isoweekday() - 1)
        return cls(monday, monday + timedelta(days=6), week=True)

    def previous(self) -> date:
        return self.first_day - timedelta(days=7 if self.week else 1)

    def next(self) -> date:
        return self.first_day + timedelta(days=7 if self.week else 1)


@dataclass(frozen=True)
class AgendaEntry:
    appointment: Appointment
    starts: datetime  # local
    ends: datetime  # local
    call: CallAdvice | None  # None: no call expected (a video session that works)
    can_mark: bool
    can_change: bool


@dataclass
class AgendaDay:
    day: date
    entries: list[AgendaEntry] = field(default_factory=list)


@dataclass(frozen=True)
class AgendaFilters:
    service: Service | None = None
    advisor: Advisor | None = None
    jornada: Jornada | None = None


def local_today() -> date:
    return timezone.now().astimezone(institute_zone()).date()


def agenda_days(
    *,
    user: User,
    dates: DateRange,
    mine: bool,
    filters: AgendaFilters | None = None,
    now: datetime | None = None,
) -> list[AgendaDay]:
    """The appointments of a day or a week, by local day, within `user`'s scope.

    `mine` limits it to her own sessions even for a coordinator (her personal agenda).
    A week lists Monday to Friday always and a weekend day only when it has sessions.
    """
    now = now or timezone.now()
    zone = institute_zone()
    start = datetime.combine(dates.first_day, time.min, tzinfo=zone)
    end = datetime.combine(dates.last_day + timedelta(days=1), time.min, tzinfo=zone)
    appointments = appointments_visible_to(user).filter(starts_at__gte=start, starts_at__lt=end)
    if mine:
        appointments = appointments.filter(advisor__user=user)
    if filters is not None:
        if filters.service is not None:
            appointments = appointments.filter(service=filters.service)
        if filters.advisor is not None:
            appointments = appointments.filter(advisor=filters.advisor)
        if filters.jornada is not None:
            appointments = appointments.filter(jornada=filters.jornada)

    days: dict[date, AgendaDay] = {}
    day = dates.first_day
    while day <= dates.last_day:
        if not dates.week or day.isoweekday() <= 5:
            days[day] = AgendaDay(day)
        day += timedelta(days=1)
    for appointment in appointments.order_by("starts_at", "advisor_id"):
        starts = appointment.starts_at.astimezone(zone)
        confirmed = appointment.status == Appointment.Status.CONFIRMED
        needs_call = appointment.modality == Modality.PHONE or (
            # The video meeting failed: the flag tells her to call instead.
            appointment.modality == Modality.VIDEO and not appointment.join_url
        )
        entry = AgendaEntry(
            appointment=appointment,
            starts=starts,
            ends=appointment.ends_at.astimezone(zone),
            call=call_advice(appointment.person, at=now)
            if needs_call and appointment.is_active
            else None,
            # Attended / no-show only make sense once the session has started.
            can_mark=appointment.is_active and appointment.starts_at <= now,
            can_change=confirmed and appointment.starts_at > now,
        )
        days.setdefault(starts.date(), AgendaDay(starts.date())).entries.append(entry)
    return [days[d] for d in sorted(days)]


def agenda_filter_choices() -> tuple[QuerySet[Service], QuerySet[Advisor], QuerySet[Jornada]]:
    """What a coordinator can filter the agendas by."""
    return (
        Service.objects.filter(active=True),
        Advisor.objects.select_related("user").order_by("user__display_name", "pk"),
        Jornada.objects.select_related("organization").order_by("-starts_on", "title"),
    )


# ---------------------------------------------------------------- jornadas


def jornadas_for_staff(user: User) -> QuerySet[Jornada]:
    if not is_coordinator(user):
        return Jornada.objects.none()
    return Jornada.objects.select_related("organization").prefetch_related("services")


def jornada_for_staff(*, user: User, public_id: UUID) -> Jornada:
    try:
        return jornadas_for_staff(user).get(public_id=public_id)
    except Jornada.DoesNotExist:
        raise Http404 from None


def poster_phone_lines() -> list[Service]:
    """The institute's lines printed on a poster: every active service with a number."""
    return list(Service.objects.filter(active=True).exclude(phone_display=""))


def poster_emergency_lines() -> list[EmergencyLine]:
    return list(emergency_lines())
