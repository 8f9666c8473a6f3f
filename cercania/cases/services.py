"""Writes for people, case files, contacts, risk screening, referrals and follow-ups.

Each service owns its whole write: validates, saves inside a transaction and writes
the audit row in that same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from cercania.accounts.models import User
from cercania.accounts.roles import Role, roles_of
from cercania.institute.models import PrivacyNotice, ReferralInstitution, Service
from cercania.institute.selectors import (
    current_privacy_notice,
    institute_profile,
    service_opening_state,
)
from cercania.lib import phones
from cercania.lib.crypto import keyed_hash
from cercania.partners.models import Organization
from cercania.privacy.models import AuditAction, Consent, ConsentPurpose
from cercania.privacy.selectors import consent_active
from cercania.privacy.services import Actor, audit_record, consent_give, consents_merge

from .models import (
    AggressorRelation,
    Area,
    Case,
    CaseOutcome,
    Contact,
    CreatedVia,
    FolioCounter,
    FollowUp,
    LegalMatter,
    Person,
    Referral,
    RiskAssessment,
    RiskBand,
    RiskInstrument,
    RiskItem,
    RiskLevel,
    ViolenceModality,
    ViolenceRecord,
    ViolenceType,
)

if TYPE_CHECKING:
    from cercania.scheduling.models import Appointment


@dataclass(frozen=True)
class ContactChoices:
    """What she said is safe, as collected by a booking form or the line console."""

    call: bool = False
    voicemail: bool = False
    sms: bool = False
    whatsapp: bool = False
    email: bool = False


def phone_hash(raw: str) -> str:
    return keyed_hash(phones.to_e164(raw), purpose="person.phone") if raw else ""


def email_hash(raw: str) -> str:
    return keyed_hash(raw.strip().lower(), purpose="person.email") if raw else ""


def folio_next(*, at: datetime | None = None) -> str:
    """`<PREFIX>-<year>-<6 digits>`, gap-free per year. Call inside a transaction."""
    year = timezone.localdate(at or timezone.now()).year
    counter = FolioCounter.objects.select_for_update().filter(year=year).first()
    if counter is None:  # the year's first folio
        FolioCounter.objects.get_or_create(year=year)
        counter = FolioCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    profile = institute_profile()
    prefix = profile.folio_prefix if profile else "EXP"
    return f"{prefix}-{year}-{counter.last_number:06d}"


@transaction.atomic
def person_create(
    *, name: str, phone: str = "", email: str = "", contact: ContactChoices, created_via: CreatedVia
) -> Person:
    normalised_phone = phones.to_e164(phone) if phone else ""
    person = Person(
        folio=folio_next(),
        name=name.strip(),
        phone=normalised_phone,
        email=email.strip().lower(),
        phone_hash=phone_hash(normalised_phone),
        email_hash=email_hash(email),
        may_call=contact.call,
        may_leave_voicemail=contact.voicemail,
        may_sms=contact.sms,
        may_whatsapp=contact.whatsapp,
        may_email=contact.email,
        preferences_confirmed_at=timezone.now(),
        created_via=created_via,
    )
    # Her fields are checked here (lengths, the email's form, the choices). Not the
    # uniques or the checks, each one a query of its own: the folio comes from the
    # locked counter and the public id is a fresh UUID, and both checks are on fields
    # left at their defaults here. The database enforces them all on the insert.
    person.full_clean(validate_unique=False, validate_constraints=False)
    person.save()
    return person


# ---------------------------------------------------------------- helpers


class ConsentMissing(ValidationError):
    """A referral that shares her data has no matching consent and no override."""


def _local_today() -> date:
    return timezone.localdate()


def _is_coordinator(user: Actor) -> bool:
    return Role.COORDINACION in roles_of(user)


def _via(via: str) -> dict[str, str]:
    return {"via": via}


# ---------------------------------------------------------------- people


@transaction.atomic
def person_register(
    *,
    name: str,
    phone: str = "",
    email: str = "",
    birth_year: int | None = None,
    municipality: str = "",
    employer: Organization | None = None,
    code_name: str = "",
    contact: ContactChoices,
    safe_from: time | None = None,
    safe_until: time | None = None,
    what_may_be_said: str = "",
    created_via: CreatedVia = CreatedVia.STAFF,
    actor: Actor,
) -> Person:
    """A person registered by staff (console or case files), audited."""
    person = person_create(
        name=name, phone=phone, email=email, contact=contact, created_via=created_via
    )
    person.birth_year = birth_year
    person.municipality = municipality.strip()
    person.employer = employer
    person.code_name = code_name.strip()
    person.what_may_be_said = what_may_be_said.strip()
    if safe_from is not None:
        person.safe_from = safe_from
    if safe_until is not None:
        person.safe_until = safe_until
    person.full_clean()
    person.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=person, detail=_via(created_via))
    return person


@transaction.atomic
def person_update(
    *,
    person: Person,
    name: str,
    phone: str,
    email: str,
    birth_year: int | None,
    municipality: str,
    employer: Organization | None,
    actor: Actor,
) -> Person:
    normalised_phone = phones.to_e164(phone) if phone else ""
    values: dict[str, Any] = {
        "name": name.strip(),
        "phone": normalised_phone,
        "email": email.strip().lower(),
        "birth_year": birth_year,
        "municipality": municipality.strip(),
        "employer": employer,
    }
    changed = [field for field, value in values.items() if getattr(person, field) != value]
    for field, value in values.items():
        setattr(person, field, value)
    person.phone_hash = phone_hash(normalised_phone)
    person.email_hash = email_hash(person.email)
    person.full_clean()
    # Only what this form edits: her first attention, kept by other services, may have
    # moved since this copy of her record was read.
    person.save(update_fields=[*values, "phone_hash", "email_hash"])
    if changed:
        audit_record(actor=actor, action=AuditAction.CHANGE, obj=person, detail={"fields": changed})
    return person


@transaction.atomic
def person_confirm_preferences(
    *,
    person: Person,
    contact: ContactChoices,
    safe_from: time,
    safe_until: time,
    what_may_be_said: str,
    code_name: str,
    actor: Actor,
    now: datetime | None = None,
) -> Person:
    """Record what she says is safe now; confirming unchanged preferences counts too."""
    person.may_call = contact.call
    person.may_leave_voicemail = contact.voicemail
    person.may_sms = contact.sms
    person.may_whatsapp = contact.whatsapp
    person.may_email = contact.email
    person.safe_from, person.safe_until = safe_from, safe_until
    person.what_may_be_said = what_may_be_said.strip()
    person.code_name = code_name.strip()
    person.preferences_confirmed_at = now or timezone.now()
    person.full_clean()
    # Only these (see person_update).
    person.save(update_fields=[*Person.PREFERENCE_FIELDS, "preferences_confirmed_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=person,
        detail={"fields": ["contact_preferences", "preferences_confirmed_at"]},
    )
    return person


def person_attention_noted(*, person_id: int, at: datetime) -> None:
    """She was attended at `at` (a contact, or a session marked attended): her first
    attention moves to it if it is earlier. One conditional UPDATE, so two records
    saved at once cannot leave the later of them."""
    Person.objects.filter(pk=person_id).filter(
        Q(first_attended_at__isnull=True) | Q(first_attended_at__gt=at)
    ).update(first_attended_at=at)


def people_first_attention_recount(*, people: models.QuerySet[Person]) -> int:
    """Their first attention from their records again, in one UPDATE: after a session
    marked attended by mistake is corrected, after a merge brought another record's
    history, or after rows were loaded in bulk (bench/reports.py)."""
    from cercania.scheduling.models import Appointment  # scheduling imports this module

    contact = Subquery(
        Contact.objects.filter(person=OuterRef("pk"))
        .order_by("started_at")
        .values("started_at")[:1]
    )
    session = Subquery(
        Appointment.objects.filter(person=OuterRef("pk"), status=Appointment.Status.ATTENDED)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    # Least of NULL is NULL on SQLite (and the other of the two on PostgreSQL).
    return people.update(
        first_attended_at=Least(Coalesce(contact, session), Coalesce(session, contact))
    )


def _reverse_relations(model: type[models.Model]) -> list[Any]:
    # Every relation pointing at a Person, hidden ones ("+") included, from any app:
    # appointments, contacts, cases, consents… a model added later moves too.
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)
    ]


@dataclass(frozen=True)
class MergeResult:
    target: Person
    moved: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.moved.values())


@transaction.atomic
def person_merge(*, source: Person, target: Person, actor: Actor) -> MergeResult:
    """Move everything of `source` to `target`, fill target's blanks, delete source.

    Nothing is lost: every row that pointed at either points at the target after.
    """
    if source.pk == target.pk:
        raise ValidationError(_("No se puede fusionar un registro consigo mismo."))
    # Lock both rows in a fixed order, so two merges of the same pair cannot deadlock.
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(_("Uno de los registros ya no existe."))
    source, target = locked[source.pk], locked[target.pk]
    # One live consent per purpose: the source's duplicates end, pointing at the target's.
    consents_merge(source=source, target=target, actor=actor)
    moved: dict[str, int] = {}
    for relation in _reverse_relations(Person):
        related = relation.related_model
        field_name = relation.field.name
        rows = related._base_manager.filter(**{field_name: source})
        if (
            relation.one_to_one
            and rows.exists()
            and related._base_manager.filter(**{field_name: target}).exists()
        ):
            raise ValidationError(
                _("Ambos registros tienen %(what)s: no se pueden fusionar automáticamente.")
                % {"what": related._meta.verbose_name}
            )
        count = rows.update(**{field_name: target})
        if count:
            moved[related._meta.label_lower] = moved.get(related._meta.label_lower, 0) + count
    filled = []
    for field in ("phone", "email", "birth_year", "municipality", "employer", "code_name"):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
            filled.append(field)
    if "phone" in filled:
        target.phone_hash = source.phone_hash
    if "email" in filled:
        target.email_hash = source.email_hash
    source_public_id = str(source.public_id)
    source.delete()
    if filled:
        target.save()
    people_first_attention_recount(people=Person.objects.filter(pk=target.pk))
    audit_record(
        actor=actor,
        action=AuditAction.MERGE,
        object_type=Person._meta.label_lower,
        object_public_id=source_public_id,
        detail={"into": str(target.public_id), "count": sum(moved.values())},
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=target,
        detail={"fields": filled, "count": sum(moved.values())},
    )
    return MergeResult(target=target, moved=moved)


# ---------------------------------------------------------------- cases


def _case_folio(person: Person, area: str) -> str:
    letter = "J" if area == Area.LEGAL else "V"
    number = Case.objects.filter(person=person).count() + 1
    while True:
        folio = f"{person.folio}-{letter}{number:02d}"
        if not Case.objects.filter(folio=folio).exists():
            return folio
        number += 1


@transaction.atomic
def case_open(
    *,
    person: Person,
    area: str,
    matters: Iterable[LegalMatter] = (),
    assignee: User | None = None,
    restricted: bool = False,
    actor: Actor,
    opened_on: date | None = None,
) -> Case:
    case = Case(
        person=person,
        area=area,
        folio=_case_folio(person, area),
        assignee=assignee,
        restricted=restricted,
        opened_on=opened_on or _local_today(),
        created_by=actor if isinstance(actor, User) else None,
    )
    case.full_clean()
    case.save()
    case.matters.set(list(matters))
    audit_record(actor=actor, action=AuditAction.CREATE, obj=case, detail={"status": case.status})
    return case


@transaction.atomic
def case_update(
    *,
    case: Case,
    matters: Iterable[LegalMatter],
    assignee: User | None,
    restricted: bool,
    status: str,
    actor: Actor,
) -> Case:
    if status == Case.Status.CLOSED:
        raise ValidationError(_("Para cerrar el expediente usa «Cerrar» e indica el resultado."))
    if case.is_closed and status != Case.Status.CLOSED:
        # Reopening: the closing data goes, the audit keeps that it was closed.
        case.closed_on = None
        case.outcome = None
    previous = case.status
    changed = []
    matters = list(matters)
    if {m.pk for m in matters} != set(case.matters.values_list("pk", flat=True)):
        changed.append("matters")
    for field, value in (("assignee", assignee), ("restricted", restricted), ("status", status)):
        if getattr(case, field) != value:
            setattr(case, field, value)
            changed.append(field)
    case.full_clean()
    case.save()
    case.matters.set(matters)
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=case,
            detail={"fields": changed, "status": case.status, "previous_status": previous},
        )
    return case


@transaction.atomic
def case_close(
    *, case: Case, outcome: CaseOutcome | None, actor: Actor, closed_on: date | None = None
) -> Case:
    if outcome is None:
        raise ValidationError({"outcome": _("Para cerrar el expediente indica el resultado.")})
    previous = case.status
    case.status = Case.Status.CLOSED
    case.outcome = outcome
    case.closed_on = closed_on or _local_today()
    case.full_clean()
    case.save(update_fields=["status", "outcome", "closed_on", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=case,
        detail={
            "fields": ["status", "outcome", "closed_on"],
            "status": case.status,
            "previous_status": previous,
            "reason": outcome.code,
        },
    )
    return case


@transaction.atomic
def case_take(*, case: Case, actor: User) -> Case:
    """She takes an unassigned case of her team."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.assignee_id is not None and case.assignee_id != actor.pk:
        raise ValidationError(_("Este expediente ya está asignado a otra persona."))
    if case.assignee_id is None:
        case.assignee = actor
        case.save(update_fields=["assignee", "updated_at"])
        audit_record(
            actor=actor, action=AuditAction.CHANGE, obj=case, detail={"fields": ["assignee"]}
        )
    return case


def _set_status(case: Case, status: str, actor: Actor) -> None:
    if case.status in (status, Case.Status.CLOSED):
        return
    previous = case.status
    case.status = status
    case.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=case,
        detail={"fields": ["status"], "status": status, "previous_status": previous},
    )


# ---------------------------------------------------------------- contacts


def out_of_hours(*, line: Service | None, at: datetime) -> bool:
    """Outside the line's opening hours (closed days included). No line: not flagged."""
    if line is None:
        return False
    return not service_opening_state(service=line, at=at).open_now


@transaction.atomic
def contact_record(
    *,
    staff: User,
    kind: str,
    started_at: datetime,
    result: str,
    duration_minutes: int = 0,
    summary: str = "",
    line: Service | None = None,
    person: Person | None = None,
    case: Case | None = None,
    appointment: Appointment | None = None,
    phone: str = "",
    actor: Actor = None,
) -> Contact:
    """Log a session or call. Person and case may be unknown yet (linked later)."""
    if case is not None:
        if person is None:
            person = case.person
        elif case.person_id != person.pk:
            raise ValidationError(_("El expediente es de otra usuaria."))
    if appointment is not None:
        if person is None:
            person = appointment.person
        elif appointment.person_id != person.pk:
            raise ValidationError(_("La cita es de otra usuaria."))
    normalised = phones.to_e164(phone) if phone else ""
    contact = Contact(
        staff=staff,
        kind=kind,
        started_at=started_at,
        result=result,
        duration_minutes=duration_minutes,
        summary=summary.strip(),
        line=line,
        person=person,
        case=case,
        appointment=appointment,
        out_of_hours=out_of_hours(line=line, at=started_at),
        phone_hash=phone_hash(normalised) if normalised else (person.phone_hash if person else ""),
    )
    contact.full_clean()
    contact.save()
    if person is not None:
        person_attention_noted(person_id=person.pk, at=started_at)
    audit_record(
        actor=actor or staff,
        action=AuditAction.CREATE,
        obj=contact,
        detail={"status": result, "via": kind},
    )
    if case is not None and result == Contact.Result.FOLLOW_UP:
        _set_status(case, Case.Status.FOLLOW_UP, actor or staff)
    return contact


@transaction.atomic
def contact_link(
    *, contact: Contact, person: Person, case: Case | None = None, actor: Actor
) -> Contact:
    """Attach a call logged before she was known to her record (and a case of hers)."""
    if contact.person_id is not None and contact.person_id != person.pk:
        raise ValidationError(_("Este contacto ya está vinculado a otra usuaria."))
    if case is not None and case.person_id != person.pk:
        raise ValidationError(_("El expediente es de otra usuaria."))
    fields = []
    if contact.person_id is None:
        contact.person = person
        fields.append("person")
        person_attention_noted(person_id=person.pk, at=contact.started_at)
    if case is not None and contact.case_id != case.pk:
        contact.case = case
        fields.append("case")
    if fields:
        contact.full_clean()
        contact.save(update_fields=fields)
        audit_record(actor=actor, action=AuditAction.CHANGE, obj=contact, detail={"fields": fields})
    return contact


@transaction.atomic
def case_handover_to_violence(
    *, person: Person, contact: Contact | None = None, actor: User
) -> Case:
    """Hand the call over to the violence line: a violence case and a pending risk
    screening, visible to the whole violence team at once (or hers, if she is on it)."""
    assignee = actor if Role.VIOLENCIA in roles_of(actor) else None
    case = case_open(person=person, area=Area.VIOLENCE, assignee=assignee, actor=actor)
    if contact is not None:
        contact_link(contact=contact, person=person, case=case, actor=actor)
    risk_assessment_request(case=case, actor=actor)
    return case


# ---------------------------------------------------------------- violence record


@transaction.atomic
def violence_record_save(
    *,
    case: Case,
    types: Iterable[ViolenceType],
    modalities: Iterable[ViolenceModality],
    aggressor_relation: AggressorRelation | None,
    aggressor_same_company: bool,
    gbvims_type: str,
    actor: User,
) -> ViolenceRecord:
    if case.area != Area.VIOLENCE:
        raise ValidationError(_("El registro de violencia es solo para expedientes de violencia."))
    record, created = ViolenceRecord.objects.get_or_create(case=case)
    record.aggressor_relation = aggressor_relation
    record.aggressor_same_company = aggressor_same_company
    record.gbvims_type = gbvims_type
    record.updated_by = actor
    record.full_clean()
    record.save()
    record.types.set(list(types))
    record.modalities.set(list(modalities))
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        object_type=ViolenceRecord._meta.label_lower,
        object_public_id=str(case.public_id),
        detail={
            "fields": [
                "types",
                "modalities",
                "aggressor_relation",
                "aggressor_same_company",
                "gbvims_type",
            ]
        },
    )
    return record


# ---------------------------------------------------------------- risk screening


@dataclass(frozen=True)
class RiskScore:
    score: int
    level: str  # RiskLevel


def risk_score(*, instrument: RiskInstrument, answers: Mapping[int, bool]) -> RiskScore:
    """Sum of the weights of the items answered yes, and the band it falls in."""
    items = {item.number: item.weight for item in instrument.items.all()}
    unknown = set(answers) - set(items)
    if unknown:
        raise ValidationError(_("Hay respuestas a reactivos que no son de este instrumento."))
    score = sum(weight for number, weight in items.items() if answers.get(number))
    bands = sorted(instrument.bands.all(), key=lambda band: band.min_score)
    level = ""
    for band in bands:
        if score >= band.min_score:
            level = band.level
    if not level:
        raise ValidationError(_("El instrumento no tiene un nivel para este puntaje."))
    return RiskScore(score=score, level=level)


@transaction.atomic
def risk_assessment_request(*, case: Case, actor: Actor) -> RiskAssessment:
    if case.area != Area.VIOLENCE:
        raise ValidationError(_("El tamizaje de riesgo es para expedientes de violencia."))
    existing = case.risk_assessments.filter(status=RiskAssessment.Status.PENDING).first()
    if existing is not None:
        return existing
    assessment = RiskAssessment(case=case, requested_by=actor if isinstance(actor, User) else None)
    assessment.full_clean()
    assessment.save()
    audit_record(
        actor=actor, action=AuditAction.CREATE, obj=assessment, detail={"status": "pending"}
    )
    return assessment


class HighRiskWithoutAction(ValidationError):
    pass


@transaction.atomic
def risk_assessment_complete(
    *,
    case: Case,
    instrument: RiskInstrument,
    answers: Mapping[int, bool],
    actions: Iterable[str] = (),
    action_notes: str = "",
    actor: User,
    assessment: RiskAssessment | None = None,
    now: datetime | None = None,
) -> RiskAssessment:
    """Score the answers with this instrument version and store everything.

    A high level is refused without an action taken (safety plan, referral, 911,
    protection-order guidance): the database refuses it too.
    """
    if case.area != Area.VIOLENCE:
        raise ValidationError(_("El tamizaje de riesgo es para expedientes de violencia."))
    actions = set(actions)
    unknown = actions - set(RiskAssessment.ACTION_FIELDS)
    if unknown:
        raise ValidationError(_("Acción desconocida."))
    result = risk_score(instrument=instrument, answers=answers)
    if result.level == RiskLevel.HIGH and not actions:
        raise HighRiskWithoutAction(
            _(
                "Riesgo alto: registra al menos una acción tomada (plan de seguridad, "
                "canalización, llamada al 911 u orientación sobre orden de protección)."
            )
        )
    if assessment is None:
        assessment = case.risk_assessments.filter(status=RiskAssessment.Status.PENDING).first()
    if assessment is None:
        assessment = RiskAssessment(case=case, requested_by=actor)
    elif assessment.case_id != case.pk or not assessment.is_pending:
        raise ValidationError(_("Este tamizaje ya fue aplicado."))
    assessment.status = RiskAssessment.Status.COMPLETED
    assessment.instrument = instrument
    assessment.answers = json.dumps(
        {str(number): bool(value) for number, value in sorted(answers.items())}
    )
    assessment.score = result.score
    assessment.level = result.level
    for field in RiskAssessment.ACTION_FIELDS:
        setattr(assessment, field, field in actions)
    assessment.action_notes = action_notes.strip()
    assessment.assessed_by = actor
    assessment.assessed_at = now or timezone.now()
    assessment.full_clean()
    assessment.save()
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=assessment,
        detail={"status": "completed", "fields": sorted(actions)},
    )
    if case.assignee_id is None:
        case_take(case=case, actor=actor)
    return assessment


@transaction.atomic
def risk_instrument_new_version(
    *,
    base: RiskInstrument,
    version: str,
    published_on: date,
    weights: Mapping[int, int] | None = None,
    bands: Mapping[str, int] | None = None,
    make_current: bool = True,
) -> RiskInstrument:
    """A new version copied from `base`, with changed weights or bands. Old
    assessments keep pointing at (and being read with) the version they used."""
    if make_current:
        RiskInstrument.objects.filter(code=base.code, current=True).update(current=False)
    new = RiskInstrument.objects.create(
        code=base.code,
        version=version,
        name=base.name,
        note=base.note,
        current=make_current,
        published_on=published_on,
    )
    weights = weights or {}
    RiskItem.objects.bulk_create(
        RiskItem(
            instrument=new,
            number=item.number,
            family=item.family,
            text=item.text,
            weight=weights.get(item.number, item.weight),
        )
        for item in base.items.all()
    )
    bands = bands or {}
    RiskBand.objects.bulk_create(
        RiskBand(instrument=new, level=band.level, min_score=bands.get(band.level, band.min_score))
        for band in base.bands.all()
    )
    return new


# ---------------------------------------------------------------- referrals


def consent_to_share(*, person: Person, institution: ReferralInstitution) -> Consent | None:
    """Her live consent to share her data with this institution, if she gave one."""
    if not consent_active(
        person=person, purpose=ConsentPurpose.SHARE_INSTITUTION, institution=institution
    ):
        return None
    return Consent.objects.filter(
        person=person,
        purpose=ConsentPurpose.SHARE_INSTITUTION,
        institution=institution,
        withdrawn_at__isnull=True,
    ).first()


@transaction.atomic
def referral_create(
    *,
    case: Case,
    institution: ReferralInstitution,
    reason: str,
    shares_data: bool = True,
    follow_up_on: date | None = None,
    override_reason: str = "",
    consent_given_now: bool = False,
    actor: User,
    sent_on: date | None = None,
) -> Referral:
    """Refer her to an institution of the directory.

    Sharing her data needs her consent to share with that institution (privacy app);
    without it only a coordinator may go ahead, with a written reason, and that
    override is audited as such. `consent_given_now`: she gives that consent to the
    staff member right now (session or call); it is recorded under the privacy
    notice in force, with the staff member as recorder, and the referral relies on it.
    """
    if case.is_closed:
        raise ValidationError(_("El expediente está cerrado."))
    basis = Referral.Basis.NOT_SHARED
    override_by = None
    consent = None
    if shares_data and consent_given_now:
        notice = current_privacy_notice(kind=PrivacyNotice.Kind.SIMPLIFIED)
        if notice is None:
            raise ValidationError(_("No hay un aviso de privacidad vigente: avisa a coordinación."))
        consent_give(
            person=case.person,
            purpose=ConsentPurpose.SHARE_INSTITUTION,
            institution=institution,
            notice_version=notice.version,
            recorded_by=actor,
        )
    if shares_data:
        consent = consent_to_share(person=case.person, institution=institution)
        if consent is not None:
            basis = Referral.Basis.CONSENT
            override_reason = ""
        elif override_reason.strip() and _is_coordinator(actor):
            basis = Referral.Basis.OVERRIDE
            override_by = actor
        else:
            raise ConsentMissing(
                _(
                    "No hay un consentimiento vigente de la usuaria para compartir sus datos "
                    "con esta institución. Registra su consentimiento, canaliza sin compartir "
                    "datos, o pide a coordinación una excepción por escrito."
                )
            )
    else:
        override_reason = ""
    referral = Referral(
        case=case,
        institution=institution,
        reason=reason.strip(),
        shares_data=shares_data,
        basis=basis,
        consent=consent,
        override_reason=override_reason.strip(),
        override_by=override_by,
        follow_up_on=follow_up_on,
        sent_on=sent_on or _local_today(),
        created_by=actor,
    )
    referral.full_clean()
    referral.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=referral,
        detail={"status": referral.status, "reason": basis},
    )
    if basis == Referral.Basis.OVERRIDE:
        # The written reason stays encrypted on the referral; the trail records that
        # (and by whom) data left without her consent.
        audit_record(
            actor=actor,
            action=AuditAction.OVERRIDE,
            obj=referral,
            detail={"reason": "referral_without_consent"},
        )
    if follow_up_on is not None:
        follow_up_create(
            case=case,
            referral=referral,
            task=str(
                _("Seguimiento de la canalización a %(institution)s")
                % {"institution": institution.name}
            )[:200],
            due_on=follow_up_on,
            assignee=case.assignee or actor,
            actor=actor,
        )
    _set_status(case, Case.Status.REFERRED, actor)
    return referral


@transaction.atomic
def referral_update_status(
    *,
    referral: Referral,
    status: str,
    rejection_reason: str = "",
    actor: User,
    on: date | None = None,
) -> Referral:
    allowed = {
        Referral.Status.SENT: {Referral.Status.ACCEPTED, Referral.Status.REJECTED},
        Referral.Status.ACCEPTED: {Referral.Status.COMPLETED, Referral.Status.REJECTED},
        Referral.Status.REJECTED: set(),
        Referral.Status.COMPLETED: set(),
    }
    if status not in allowed[Referral.Status(referral.status)]:
        raise ValidationError(_("Ese cambio de estado no es posible."))
    if status == Referral.Status.REJECTED and not rejection_reason.strip():
        raise ValidationError({"rejection_reason": _("Indica por qué la rechazaron.")})
    previous = referral.status
    day = on or _local_today()
    referral.status = status
    fields = ["status", "updated_at"]
    if status in (Referral.Status.ACCEPTED, Referral.Status.REJECTED):
        referral.answered_on = day
        fields.append("answered_on")
    if status == Referral.Status.REJECTED:
        referral.rejection_reason = rejection_reason.strip()
        fields.append("rejection_reason")
    if status == Referral.Status.COMPLETED:
        referral.completed_on = day
        fields.append("completed_on")
    referral.full_clean()
    referral.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=referral,
        detail={"status": status, "previous_status": previous, "fields": fields[:-1]},
    )
    return referral


# ---------------------------------------------------------------- follow-ups


@transaction.atomic
def follow_up_create(
    *,
    case: Case,
    task: str,
    due_on: date,
    assignee: User,
    actor: User,
    referral: Referral | None = None,
) -> FollowUp:
    follow_up = FollowUp(
        case=case,
        task=task.strip(),
        due_on=due_on,
        assignee=assignee,
        referral=referral,
        created_by=actor,
    )
    follow_up.full_clean()
    follow_up.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=follow_up)
    return follow_up


@transaction.atomic
def follow_up_done(*, follow_up: FollowUp, actor: User, now: datetime | None = None) -> FollowUp:
    if follow_up.done_at is None:
        follow_up.done_at = now or timezone.now()
        follow_up.done_by = actor
        follow_up.save(update_fields=["done_at", "done_by"])
        audit_record(
            actor=actor, action=AuditAction.CHANGE, obj=follow_up, detail={"fields": ["done_at"]}
        )
    return follow_up


# ---------------------------------------------------------------- booking for her


def appointment_book_for(
    *, person: Person, service: Service, start: datetime, modality: str, actor: User
) -> Appointment:
    """Book a slot for a woman already on file (the console, on her behalf): the
    session is hers; no second record, no new folio."""
    from cercania.scheduling.services import appointment_book

    return appointment_book(
        service=service,
        start=start,
        modality=modality,
        person=person,
        created_via=CreatedVia.PHONE_LINE,
        actor=actor,
    ).appointment
