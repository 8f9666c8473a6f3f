"""Reads of the privacy app: the audit trail, consents, blocked records, ARCO requests
and deadlines, and everything the institute holds about one woman (her dossier)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_
from typing import Any, TypeVar
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format

from cercania.accounts.models import User
from cercania.cases.models import Person
from cercania.institute.models import ReferralInstitution
from cercania.institute.selectors import closed_dates_between
from cercania.lib.opening import add_business_days

from .models import (
    ArcoRequest,
    ArcoStatus,
    AuditEvent,
    Consent,
    ConsentPurpose,
    RetentionBlock,
)

M = TypeVar("M", bound=models.Model)


def _local_midnight(day: date) -> datetime:
    # Dates on the page are the institute's (settings.TIME_ZONE); rows are in UTC.
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def audit_events_search(
    *,
    actor: User | None = None,
    action: str = "",
    object_type: str = "",
    object_public_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit rows matching every given filter, newest first; dates are local and inclusive."""
    events = AuditEvent.objects.all()
    if actor is not None:
        events = events.filter(actor=actor)
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_public_id:
        events = events.filter(object_public_id=object_public_id)
    if date_from is not None:
        events = events.filter(occurred_at__gte=_local_midnight(date_from))
    if date_to is not None:
        events = events.filter(occurred_at__lt=_local_midnight(date_to + timedelta(days=1)))
    return events.order_by("-occurred_at", "-id")


# ---------------------------------------------------------------- consents


def consent_active(
    *, person: Person, purpose: str, institution: ReferralInstitution | None = None
) -> bool:
    """Does she consent to `purpose` now? Sharing is asked per named institution."""
    if purpose not in ConsentPurpose.values:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    consents = Consent.objects.filter(person=person, purpose=purpose, withdrawn_at__isnull=True)
    if purpose == ConsentPurpose.SHARE_INSTITUTION:
        if institution is None:
            raise ValueError("consent to share is given per institution: name one")
        consents = consents.filter(institution=institution)
    return consents.exists()


def consents_of(*, person: Person) -> QuerySet[Consent]:
    """Every consent she gave, live and ended, oldest first."""
    return (
        Consent.objects.filter(person=person)
        .select_related("institution")
        .order_by("given_at", "id")
    )


# ---------------------------------------------------------------- blocked records


def cascading_types() -> set[str]:
    """Record types whose block also hides the rows pointing at them: a blocked person
    hides her appointments and contacts, a blocked case its referrals."""
    from .retention import retention_rules

    return {Person._meta.label_lower, *retention_rules()}


def not_blocked(queryset: QuerySet[M]) -> QuerySet[M]:
    """`queryset` without blocked records, for every normal staff view.

    A row is left out when it is blocked itself, or when it points (by a foreign key)
    at a blocked person or at a blocked row of a type with a retention rule. Blocked
    records stay for legal claims and statistics (reports count them), never for
    everyday work. Models need an integer primary key (every model here has one).
    """
    model = queryset.model
    blocks = RetentionBlock.objects.filter(object_type=model._meta.label_lower)
    queryset = queryset.exclude(Exists(blocks.filter(object_pk=OuterRef("pk"))))
    cascading = cascading_types()
    for relation in model._meta.concrete_fields:
        target = relation.related_model
        if (
            not relation.is_relation
            or not (relation.many_to_one or relation.one_to_one)
            or not isinstance(target, type)
            or target._meta.label_lower not in cascading
        ):
            continue
        # NOT EXISTS keeps rows whose key is null (a call not linked to anyone yet).
        target_blocks = RetentionBlock.objects.filter(
            object_type=target._meta.label_lower, object_pk=OuterRef(relation.attname)
        )
        queryset = queryset.exclude(Exists(target_blocks))
    return queryset


def is_blocked(obj: models.Model) -> bool:
    return RetentionBlock.objects.filter(
        object_type=obj._meta.label_lower, object_pk=obj.pk
    ).exists()


# ---------------------------------------------------------------- deadlines


def _setting_days(name: str, default: int) -> int:
    days = getattr(settings, name, default)
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ImproperlyConfigured(f"{name} must be a positive integer, got {days!r}")
    return days


def arco_answer_days() -> int:
    return _setting_days("ARCO_ANSWER_BUSINESS_DAYS", 20)


def arco_extension_days() -> int:
    return _setting_days("ARCO_EXTENSION_BUSINESS_DAYS", 10)


def arco_execution_days() -> int:
    return _setting_days("ARCO_EXECUTION_BUSINESS_DAYS", 15)


def arco_alert_days() -> int:
    return _setting_days("ARCO_ALERT_BUSINESS_DAYS", 3)


def _closed_dates_from(start: date, days: int) -> set[date]:
    # Business days run about 7/5 as long as calendar days; the margin covers runs of
    # holidays (the December break).
    return closed_dates_between(start=start, end=start + timedelta(days=days * 2 + 45))


def is_business_day(day: date, closed: set[date] | None = None) -> bool:
    if closed is None:
        closed = closed_dates_between(start=day, end=day)
    return day.isoweekday() <= 5 and day not in closed


def business_days_after(*, start: date, days: int) -> date:
    """The `days`-th business day after `start`, on the institute's calendar.

    Something received on a weekend or a closed day counts as received on the next
    business day, so the count starts from there.
    """
    closed = _closed_dates_from(start, days + 10)
    while not is_business_day(start, closed):
        start += timedelta(days=1)
    return add_business_days(start=start, days=days, closed_dates=closed)


@dataclass(frozen=True)
class QueueEntry:
    request: ArcoRequest
    due: date | None
    overdue: bool
    due_soon: bool


def arco_requests_for_staff() -> QuerySet[ArcoRequest]:
    # Only coordination reaches the ARCO pages (staff_required in the views).
    return ArcoRequest.objects.select_related("person", "identity_checked_by", "created_by")


def arco_request_for_staff(*, public_id: UUID) -> ArcoRequest:
    try:
        return arco_requests_for_staff().get(public_id=public_id)
    except ArcoRequest.DoesNotExist:
        raise Http404 from None


def arco_queue(*, today: date | None = None) -> list[QueueEntry]:
    """Open requests, nearest deadline first, each flagged overdue or due soon.

    The running deadline is the answer's until the request is granted, then the
    execution's. "Soon" is within ARCO_ALERT_BUSINESS_DAYS business days.
    """
    today = today or timezone.localdate()
    due = models.Case(
        models.When(status=ArcoStatus.GRANTED, then="execution_due"),
        default="answer_due",
        output_field=models.DateField(),
    )
    rows = (
        arco_requests_for_staff()
        .filter(status__in=ArcoRequest.OPEN_STATUSES)
        .annotate(due=due)
        .order_by("due", "received_on", "id")
    )
    soon_limit = business_days_after(start=today, days=arco_alert_days())
    return [
        QueueEntry(
            request=row,
            due=row.due,  # type: ignore[attr-defined]
            overdue=row.due < today,  # type: ignore[attr-defined]
            due_soon=today <= row.due <= soon_limit,  # type: ignore[attr-defined]
        )
        for row in rows
    ]


def arco_requests_answered() -> QuerySet[ArcoRequest]:
    """Denied or executed, waiting to be closed; newest answer first."""
    return (
        arco_requests_for_staff()
        .filter(status__in=[ArcoStatus.DENIED, ArcoStatus.EXECUTED])
        .order_by("-answered_on", "-id")
    )


def arco_requests_closed(*, limit: int = 50) -> list[ArcoRequest]:
    return list(
        arco_requests_for_staff().filter(status=ArcoStatus.CLOSED).order_by("-closed_at")[:limit]
    )


def person_by_folio_or_phone(*, folio: str = "", phone: str = "") -> Person | None:
    """Find a person by her exact folio, or by phone through its keyed hash."""
    from cercania.cases.services import phone_hash

    if folio:
        return Person.objects.filter(folio=folio.strip().upper()).first()
    if phone:
        try:
            digest = phone_hash(phone)
        except (ValueError, ValidationError):
            return None
        return Person.objects.filter(phone_hash=digest).order_by("-created_at").first()
    return None


# ---------------------------------------------------------------- her records


def foreign_keys_to(
    model: type[models.Model], targets: set[type[models.Model]]
) -> list[models.Field]:
    """Foreign keys (and one-to-ones) of `model` that point at one of `targets`."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.is_relation and (f.many_to_one or f.one_to_one) and f.related_model in targets
    ]


def _candidate_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if not model._meta.proxy and not model._meta.auto_created and model._meta.managed
    ]


def records_pointing_at(
    targets: dict[type[models.Model], list[Any]],
    *,
    exclude: set[type[models.Model]] = frozenset(),  # type: ignore[assignment]
) -> dict[type[models.Model], list[models.Model]]:
    """Rows of any model with a foreign key to one of the given rows (by pk)."""
    found: dict[type[models.Model], list[models.Model]] = {}
    target_models = {model for model, pks in targets.items() if pks}
    for model in _candidate_models():
        if model in exclude:
            continue
        links = foreign_keys_to(model, target_models)
        if not links:
            continue
        conditions = []
        for link in links:
            target = link.related_model
            assert isinstance(target, type)  # a concrete model: foreign_keys_to matched it
            conditions.append(Q(**{f"{link.name}__in": targets[target]}))
        condition = reduce(or_, conditions)
        rows = list(model._base_manager.filter(condition).order_by("pk"))
        if rows:
            found[model] = rows
    return found


def person_records(person: Person) -> dict[type[models.Model], list[models.Model]]:
    """Every row of every model about her, found by following foreign keys.

    First the rows pointing at her (appointments, consents, cases, contacts…), then
    the rows pointing at those (a case's referrals and risk screenings, an
    appointment's message log). A model added later is included without changes
    here. Her Person row itself is not in the result.
    """
    direct = records_pointing_at({Person: [person.pk]}, exclude={Person})
    second = records_pointing_at(
        {model: [row.pk for row in rows] for model, rows in direct.items()}, exclude={Person}
    )
    merged: dict[type[models.Model], dict[Any, models.Model]] = {}
    for level in (direct, second):
        for model, rows in level.items():
            bucket = merged.setdefault(model, {})
            for row in rows:
                bucket.setdefault(row.pk, row)
    return {
        model: [bucket[pk] for pk in sorted(bucket)]
        for model, bucket in sorted(merged.items(), key=lambda item: item[0]._meta.label_lower)
    }


def public_id_of(obj: models.Model) -> str:
    """How the audit trail names a row: its public id, or its key when it has none."""
    return str(getattr(obj, "public_id", None) or obj.pk)


# ---------------------------------------------------------------- her dossier

# Columns never shown in an export: keys, keyed hashes of her phone and email (they
# mean nothing to her and could be used to test guesses), request fingerprints.
EXPORT_HIDDEN_SUFFIXES = ("_hash", "fingerprint")
# public_id travels as each record's "id", not as one of its fields.
EXPORT_HIDDEN_NAMES = frozenset({"id", "public_id", "idempotency_key"})


@dataclass(frozen=True)
class DossierField:
    name: str
    label: str
    text: str  # as printed
    value: Any  # as exported to JSON


@dataclass(frozen=True)
class DossierRecord:
    object_type: str
    public_id: str
    title: str
    fields: list[DossierField]


@dataclass(frozen=True)
class DossierSection:
    object_type: str
    title: str
    records: list[DossierRecord]


@dataclass(frozen=True)
class DossierAuditRow:
    occurred_at: datetime
    action: str
    object_type: str
    object_title: str
    object_public_id: str
    roles: str


@dataclass(frozen=True)
class Dossier:
    """Everything held about her, ready to print (HTML) and to export (JSON)."""

    generated_at: datetime
    person: DossierRecord
    sections: list[DossierSection]
    audit: list[DossierAuditRow] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        return 1 + sum(len(section.records) for section in self.sections)

    def as_json(self) -> dict[str, Any]:
        def record(rec: DossierRecord) -> dict[str, Any]:
            return {
                "type": rec.object_type,
                "id": rec.public_id,
                "fields": {f.name: f.value for f in rec.fields},
                "labels": {f.name: f.label for f in rec.fields},
            }

        return {
            "format": "cercania.dossier.v1",
            "generated_at": self.generated_at.isoformat(),
            "person": record(self.person),
            "records": [
                {
                    "type": section.object_type,
                    "title": section.title,
                    "rows": [record(r) for r in section.records],
                }
                for section in self.sections
            ],
            "audit": [
                {
                    "occurred_at": row.occurred_at.isoformat(),
                    "action": row.action,
                    "type": row.object_type,
                    "id": row.object_public_id,
                    "roles": row.roles,
                }
                for row in self.audit
            ],
        }

    def as_json_text(self) -> str:
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2, default=str)


def _yes_no(value: bool) -> str:
    return "Sí" if value else "No"


def _related_text(obj: models.Model | None) -> str:
    if obj is None:
        return ""
    if isinstance(obj, User):
        # Staff are named as they present themselves, never by their login email.
        return obj.display_name or "Personal del instituto"
    return str(obj)


def _field_entry(obj: models.Model, model_field: models.Field) -> DossierField:
    name = model_field.name
    label = str(model_field.verbose_name)
    if model_field.is_relation:
        related = getattr(obj, name)
        text = _related_text(related)
        return DossierField(name=name, label=label, text=text, value=text or None)
    value = getattr(obj, model_field.attname)
    if model_field.choices and value not in (None, ""):
        text = str(getattr(obj, f"get_{name}_display")())
        return DossierField(name=name, label=label, text=text, value=value)
    if isinstance(value, bool):
        return DossierField(name=name, label=label, text=_yes_no(value), value=value)
    if isinstance(value, datetime):
        local = timezone.localtime(value)
        return DossierField(
            name=name, label=label, text=date_format(local, "Y-m-d H:i"), value=value.isoformat()
        )
    if isinstance(value, time):
        return DossierField(name=name, label=label, text=f"{value:%H:%M}", value=value.isoformat())
    if isinstance(value, date):
        return DossierField(name=name, label=label, text=value.isoformat(), value=value.isoformat())
    if isinstance(value, UUID):
        return DossierField(name=name, label=label, text=str(value), value=str(value))
    if value is None:
        return DossierField(name=name, label=label, text="", value=None)
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=str)
        return DossierField(name=name, label=label, text=text, value=value)
    if isinstance(value, int | float):
        return DossierField(name=name, label=label, text=str(value), value=value)
    return DossierField(name=name, label=label, text=str(value), value=str(value))


def _dossier_record(obj: models.Model, *, skip: set[str]) -> DossierRecord:
    entries: list[DossierField] = []
    for model_field in obj._meta.concrete_fields:
        name = model_field.name
        if (
            name in skip
            or name in EXPORT_HIDDEN_NAMES
            or model_field.primary_key
            or name.endswith(EXPORT_HIDDEN_SUFFIXES)
        ):
            continue
        entries.append(_field_entry(obj, model_field))
    for many in obj._meta.many_to_many:
        related = [str(item) for item in getattr(obj, many.name).all()]
        entries.append(
            DossierField(
                name=many.name, label=str(many.verbose_name), text=", ".join(related), value=related
            )
        )
    return DossierRecord(
        object_type=obj._meta.label_lower,
        public_id=public_id_of(obj),
        title=str(obj._meta.verbose_name),
        fields=entries,
    )


def _links_to_person(model: type[models.Model]) -> set[str]:
    return {f.name for f in foreign_keys_to(model, {Person})}


def person_dossier(person: Person, *, now: datetime | None = None) -> Dossier:
    """Her Person row (decrypted), every record about her (see person_records) and the
    audit trail of all of them: who (by role) did what to her records, and when."""
    records = person_records(person)
    sections = [
        DossierSection(
            object_type=model._meta.label_lower,
            title=str(model._meta.verbose_name_plural),
            records=[_dossier_record(row, skip=_links_to_person(model)) for row in rows],
        )
        for model, rows in records.items()
    ]
    ids_by_type: dict[str, set[str]] = {Person._meta.label_lower: {public_id_of(person)}}
    titles: dict[str, str] = {Person._meta.label_lower: str(Person._meta.verbose_name)}
    for model, rows in records.items():
        ids_by_type.setdefault(model._meta.label_lower, set()).update(public_id_of(r) for r in rows)
        titles[model._meta.label_lower] = str(model._meta.verbose_name)
    condition = reduce(
        or_,
        (
            Q(object_type=object_type, object_public_id__in=sorted(ids))
            for object_type, ids in ids_by_type.items()
        ),
    )
    audit = [
        DossierAuditRow(
            occurred_at=event.occurred_at,
            action=str(event.get_action_display()),
            object_type=event.object_type,
            object_title=titles.get(event.object_type, event.object_type),
            object_public_id=event.object_public_id,
            roles=event.actor_role_labels or "Sistema",
        )
        for event in AuditEvent.objects.filter(condition).order_by("occurred_at", "id")
    ]
    return Dossier(
        generated_at=now or timezone.now(),
        person=_dossier_record(person, skip=set()),
        sections=sections,
        audit=audit,
    )
