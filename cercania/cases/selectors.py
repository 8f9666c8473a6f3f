"""Reads of people, case files and contacts, with their scope decided here and only here.

Who sees what (DESIGN.md):
- coordinacion: everything (every read is logged by the view that shows it);
- juridico: legal cases assigned to her, and the legal team's unassigned ones;
- violencia: violence cases assigned to her, and unassigned ones waiting for a risk
  screening (a hand-over from the line, visible to the whole team at once);
- a restricted case: only its assignee and coordination;
- linea: the console only: people, contact metadata and contact preferences, never a
  summary, a risk answer or a case narrative;
- enlace, sistemas: nothing.
Anything outside the scope is a 404: a 403 would confirm that the record exists.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cercania.accounts.models import User
from cercania.accounts.roles import Role, roles_of
from cercania.institute.models import Service
from cercania.privacy.models import AuditAction, AuditEvent
from cercania.privacy.selectors import not_blocked

from .models import (
    Area,
    Case,
    Contact,
    FollowUp,
    Person,
    Referral,
    RiskAssessment,
    RiskInstrument,
    RiskLevel,
)
from .phonetic import names_close
from .services import email_hash, phone_hash

# Which area a line (service) belongs to. Services are the institute's data; their
# codes are fixed by the profile (juridico, violencia).
AREA_BY_SERVICE_CODE: dict[str, str] = {"juridico": Area.LEGAL, "violencia": Area.VIOLENCE}
SERVICE_CODE_BY_AREA = {area: code for code, area in AREA_BY_SERVICE_CODE.items()}

CASE_ROLES = (Role.COORDINACION, Role.JURIDICO, Role.VIOLENCIA)
CONSOLE_ROLES = (Role.LINEA, Role.VIOLENCIA, Role.COORDINACION)


def preferences_max_age_days() -> int:
    return int(getattr(settings, "CONTACT_PREFERENCES_MAX_AGE_DAYS", 90))


def referral_answer_days() -> int:
    return int(getattr(settings, "REFERRAL_ANSWER_DAYS", 10))


def is_coordinator(user: object) -> bool:
    return Role.COORDINACION in roles_of(user)


def area_of_service(service: Service | None) -> str | None:
    return AREA_BY_SERVICE_CODE.get(service.code) if service is not None else None


def areas_of(user: object) -> set[str]:
    """The areas whose teams she belongs to."""
    roles = roles_of(user)
    areas: set[str] = set()
    if Role.JURIDICO in roles:
        areas.add(Area.LEGAL)
    if Role.VIOLENCIA in roles:
        areas.add(Area.VIOLENCE)
    return areas


# ---------------------------------------------------------------- cases


def _pending_screening() -> Exists:
    return Exists(
        RiskAssessment.objects.filter(case=OuterRef("pk"), status=RiskAssessment.Status.PENDING)
    )


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Every case `user` may open. The one definition of case scope."""
    # Blocked records (retention) stay out of every everyday view.
    cases = not_blocked(Case.objects.select_related("person", "assignee", "outcome"))
    roles = roles_of(user)
    if Role.COORDINACION in roles:
        return cases
    scope = Q()
    allowed = False
    if Role.JURIDICO in roles:
        allowed = True
        scope |= Q(area=Area.LEGAL) & (
            Q(assignee=user) | Q(assignee__isnull=True, restricted=False)
        )
    if Role.VIOLENCIA in roles:
        allowed = True
        scope |= Q(area=Area.VIOLENCE) & (
            Q(assignee=user)
            | (Q(assignee__isnull=True, restricted=False) & Q(_pending_screening()))
        )
    if not allowed:
        return cases.none()
    return cases.filter(scope)


def case_for_staff(*, user: User, public_id: UUID) -> Case:
    try:
        return cases_visible_to(user).get(public_id=public_id)
    except Case.DoesNotExist:
        raise Http404 from None


def cases_list(
    *, user: User, status: str = "", area: str = "", mine: bool = False
) -> QuerySet[Case]:
    cases = cases_visible_to(user).prefetch_related("matters")
    if status == "active":
        cases = cases.exclude(status=Case.Status.CLOSED)
    elif status:
        cases = cases.filter(status=status)
    if area:
        cases = cases.filter(area=area)
    if mine:
        cases = cases.filter(assignee=user)
    return cases.order_by("-opened_on", "-id")


# ---------------------------------------------------------------- people


def persons_visible_to(user: User) -> QuerySet[Person]:
    """People whose file she may open: coordination all; a case worker the women of
    her cases, of her sessions and of the contacts she recorded."""
    people = not_blocked(Person.objects.select_related("employer"))
    roles = roles_of(user)
    if Role.COORDINACION in roles:
        return people
    if not roles & {Role.JURIDICO, Role.VIOLENCIA}:
        return people.none()
    from cercania.scheduling.models import Appointment

    return people.filter(
        Exists(cases_visible_to(user).filter(person=OuterRef("pk")))
        | Exists(Appointment.objects.filter(person=OuterRef("pk"), advisor__user=user))
        | Exists(Contact.objects.filter(person=OuterRef("pk"), staff=user))
    )


def person_for_staff(*, user: User, public_id: UUID) -> Person:
    try:
        return persons_visible_to(user).get(public_id=public_id)
    except Person.DoesNotExist:
        raise Http404 from None


def person_by_public_id(public_id: UUID) -> Person:
    """Any person, for the console roles and for opening a case for a candidate
    found by duplicate detection (the caller's view is limited to those roles)."""
    try:
        return not_blocked(Person.objects.select_related("employer")).get(public_id=public_id)
    except Person.DoesNotExist:
        raise Http404 from None


def preferences_stale(person: Person, *, now: datetime | None = None) -> bool:
    """Her safe-contact preferences are too old to trust: ask her again."""
    if person.preferences_confirmed_at is None:
        return True
    age = (now or timezone.now()) - person.preferences_confirmed_at
    return age > timedelta(days=preferences_max_age_days())


@dataclass(frozen=True)
class DuplicateCandidate:
    person: Person
    reasons: tuple[str, ...]  # "phone", "email", "name"


def person_duplicates(
    *,
    name: str,
    phone: str = "",
    email: str = "",
    birth_year: int | None = None,
    exclude: Person | None = None,
) -> list[DuplicateCandidate]:
    """People who may be her: same phone or email (keyed hashes), or a name that sounds
    alike with the same birth year. Only names of that birth year are decrypted."""
    reasons: dict[int, list[str]] = {}
    people: dict[int, Person] = {}
    everyone = not_blocked(Person.objects.all())

    def add(found: Iterable[Person], reason: str) -> None:
        for person in found:
            if exclude is not None and person.pk == exclude.pk:
                continue
            people[person.pk] = person
            reasons.setdefault(person.pk, []).append(reason)

    if phone:
        # An unparsable number matches nobody.
        with contextlib.suppress(ValidationError):
            add(everyone.filter(phone_hash=phone_hash(phone)), "phone")
    if email:
        add(everyone.filter(email_hash=email_hash(email)), "email")
    if birth_year is not None and name.strip():
        same_year = everyone.filter(birth_year=birth_year).only("id", "name", "birth_year")
        add((p for p in same_year if names_close(p.name, name)), "name")
    return [
        DuplicateCandidate(person=people[pk], reasons=tuple(reasons[pk]))
        for pk in sorted(people, key=lambda pk: (-len(reasons[pk]), pk))
    ]


def persons_by_phone(raw: str) -> list[Person]:
    """The console's search: an exact match of the normalised number's keyed hash."""
    return list(
        not_blocked(Person.objects.filter(phone_hash=phone_hash(raw))).order_by("-created_at")
    )


# ---------------------------------------------------------------- contacts

# What the console shows of a contact: never the summary.
CONTACT_METADATA = (
    "id",
    "public_id",
    "person_id",
    "case_id",
    "kind",
    "line__name",
    "staff__display_name",
    "staff__email",
    "started_at",
    "duration_minutes",
    "result",
    "out_of_hours",
)


def contacts_metadata(*, person: Person | None = None, phone: str = "") -> QuerySet[Contact]:
    """Prior contacts of a person or a number, without their summaries (console)."""
    contacts = not_blocked(Contact.objects.select_related("line", "staff")).only(*CONTACT_METADATA)
    if person is not None and phone:
        found = contacts.filter(Q(person=person) | Q(phone_hash=phone_hash(phone)))
    elif person is not None:
        found = contacts.filter(person=person)
    else:
        found = contacts.filter(phone_hash=phone_hash(phone), person__isnull=True)
    return found.order_by("-started_at", "-id")


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    """Contacts whose content (summary included) she may read."""
    contacts = not_blocked(
        Contact.objects.select_related("person", "case", "line", "staff", "appointment")
    )
    roles = roles_of(user)
    if Role.COORDINACION in roles:
        return contacts
    areas = areas_of(user)
    if not areas:
        return contacts.none()
    team_lines = [SERVICE_CODE_BY_AREA[a] for a in areas]
    return contacts.filter(
        Q(case__in=cases_visible_to(user).values("pk"))
        | Q(staff=user, case__isnull=True)
        # Calls on her team's line not yet linked to a case: the team links them.
        | Q(case__isnull=True, line__code__in=team_lines)
    )


def contact_for_staff(*, user: User, public_id: UUID) -> Contact:
    try:
        return contacts_visible_to(user).get(public_id=public_id)
    except Contact.DoesNotExist:
        raise Http404 from None


def unlinked_contacts(*, user: User) -> QuerySet[Contact]:
    return contacts_visible_to(user).filter(case__isnull=True).order_by("-started_at")


# ---------------------------------------------------------------- risk


def risk_instrument_current(code: str = "epv-r-chihuahua") -> RiskInstrument | None:
    instrument = (
        RiskInstrument.objects.filter(code=code, current=True).first()
        or RiskInstrument.objects.filter(current=True).first()
    )
    return instrument


def risk_answers(assessment: RiskAssessment) -> dict[int, bool]:
    if not assessment.answers:
        return {}
    return {int(k): bool(v) for k, v in json.loads(assessment.answers).items()}


@dataclass(frozen=True)
class TrendPoint:
    assessment: RiskAssessment
    change: int | None  # points against the previous screening


def risk_trend(case: Case) -> list[TrendPoint]:
    done = case.risk_assessments.filter(status=RiskAssessment.Status.COMPLETED).select_related(
        "instrument", "assessed_by"
    )
    points: list[TrendPoint] = []
    previous: int | None = None
    for assessment in done.order_by("assessed_at", "id"):
        score = assessment.score or 0
        points.append(TrendPoint(assessment, None if previous is None else score - previous))
        previous = score
    return points


def risk_assessment_for_staff(*, user: User, case: Case, public_id: UUID) -> RiskAssessment:
    try:
        return case.risk_assessments.select_related("instrument", "assessed_by").get(
            public_id=public_id
        )
    except RiskAssessment.DoesNotExist:
        raise Http404 from None


def pending_screenings(*, user: User) -> QuerySet[RiskAssessment]:
    if not roles_of(user) & {Role.VIOLENCIA, Role.COORDINACION}:
        return RiskAssessment.objects.none()
    return (
        RiskAssessment.objects.filter(
            status=RiskAssessment.Status.PENDING, case__in=cases_visible_to(user).values("pk")
        )
        .select_related("case", "case__person")
        .order_by("requested_at")
    )


# ---------------------------------------------------------------- referrals, follow-ups


def referral_for_staff(*, user: User, public_id: UUID) -> Referral:
    try:
        return Referral.objects.select_related("case", "institution", "consent__recorded_by").get(
            public_id=public_id, case__in=cases_visible_to(user).values("pk")
        )
    except Referral.DoesNotExist:
        raise Http404 from None


def follow_up_for_staff(*, user: User, public_id: UUID) -> FollowUp:
    try:
        return FollowUp.objects.select_related("case").get(
            Q(case__in=cases_visible_to(user).values("pk")) | Q(assignee=user),
            public_id=public_id,
        )
    except FollowUp.DoesNotExist:
        raise Http404 from None


def referrals_unanswered(*, user: User, today: date) -> QuerySet[Referral]:
    """Sent more than N days ago (setting) and still without an answer."""
    limit = today - timedelta(days=referral_answer_days())
    referrals = Referral.objects.filter(
        status=Referral.Status.SENT,
        sent_on__lte=limit,
        case__in=cases_visible_to(user).values("pk"),
    ).select_related("case", "institution")
    if not is_coordinator(user):
        referrals = referrals.filter(Q(created_by=user) | Q(case__assignee=user))
    return referrals.order_by("sent_on")


@dataclass
class MyWork:
    today: date
    sessions: list[Any] = field(default_factory=list)  # scheduling AgendaEntry
    overdue: list[FollowUp] = field(default_factory=list)
    due_today: list[FollowUp] = field(default_factory=list)
    screenings: list[RiskAssessment] = field(default_factory=list)
    unanswered: list[Referral] = field(default_factory=list)
    unlinked: list[Contact] = field(default_factory=list)


def my_work(*, user: User, today: date, now: datetime | None = None) -> MyWork:
    from cercania.scheduling.staff_selectors import DateRange, advisor_of, agenda_days

    work = MyWork(today=today)
    if advisor_of(user) is not None:
        for day in agenda_days(user=user, dates=DateRange.day(today), mine=True, now=now):
            work.sessions.extend(day.entries)
    open_follow_ups = FollowUp.objects.filter(assignee=user, done_at__isnull=True).select_related(
        "case"
    )
    work.overdue = list(open_follow_ups.filter(due_on__lt=today).order_by("due_on"))
    work.due_today = list(open_follow_ups.filter(due_on=today))
    work.screenings = list(pending_screenings(user=user))
    work.unanswered = list(referrals_unanswered(user=user, today=today))
    work.unlinked = list(unlinked_contacts(user=user)[:20])
    return work


# ---------------------------------------------------------------- timeline


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # contact, assessment, referral, follow_up, change
    obj: Any
    label: str = ""


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def case_timeline(case: Case) -> list[TimelineEntry]:
    """Contacts, screenings, referrals, follow-ups and changes of a case, in order."""
    entries: list[TimelineEntry] = []
    for contact in case.contacts.select_related("line", "staff"):
        entries.append(TimelineEntry(contact.started_at, "contact", contact))
    for assessment in case.risk_assessments.select_related("instrument", "assessed_by"):
        entries.append(
            TimelineEntry(
                assessment.assessed_at or assessment.requested_at, "assessment", assessment
            )
        )
    for referral in case.referrals.select_related("institution"):
        entries.append(TimelineEntry(_day_start(referral.sent_on), "referral", referral))
    for follow_up in case.follow_ups.select_related("assignee"):
        entries.append(TimelineEntry(follow_up.created_at, "follow_up", follow_up))
    changes = AuditEvent.objects.filter(
        object_type=Case._meta.label_lower, object_public_id=str(case.public_id)
    ).exclude(action=AuditAction.VIEW)
    for event in changes:
        status = (event.detail or {}).get("status", "")
        label = str(Case.Status(status).label) if status in Case.Status.values else ""
        entries.append(TimelineEntry(event.occurred_at, "change", event, label))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def case_viewers(case: Case, *, limit: int = 50) -> QuerySet[AuditEvent]:
    """Who saw this case: its access-log rows, newest first."""
    return AuditEvent.objects.filter(
        action=AuditAction.VIEW,
        object_type=Case._meta.label_lower,
        object_public_id=str(case.public_id),
    ).order_by("-occurred_at", "-id")[:limit]


def risk_level_label(level: str) -> str:
    return str(RiskLevel(level).label) if level in RiskLevel.values else ""
