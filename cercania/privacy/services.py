"""Writes of the privacy app: the audit trail and access log (and their purge),
consents, blocking and erasure of personal data, and ARCO requests.

Every service that changes a person, case, contact or appointment calls `audit_record`
inside its own `transaction.atomic` block, so the row is written if and only if the
change is. Staff reads of a person, case or contact call `access_log_view`; every
export calls `audit_export`.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cercania.accounts.models import User
from cercania.accounts.roles import roles_of
from cercania.cases.models import Person
from cercania.institute.models import ReferralInstitution
from cercania.lib import codes
from cercania.lib.fields import EncryptedTextField

from .append_only import append_only_suspended
from .audit_copy import copy_on_commit
from .middleware import current_request_ip
from .models import (
    CONTACT_FLAGS,
    ArcoRequest,
    ArcoRight,
    ArcoStatus,
    AuditAction,
    AuditEvent,
    BlockReason,
    Consent,
    ConsentPurpose,
    RetentionBlock,
)
from .selectors import (
    arco_answer_days,
    arco_execution_days,
    arco_extension_days,
    business_days_after,
    person_records,
    public_id_of,
    records_pointing_at,
)

Actor = AbstractBaseUser | AnonymousUser | None


def audit_retention_days() -> int:
    """How long audit rows are kept: settings.AUDIT_RETENTION_DAYS, ten years by default."""
    days = getattr(settings, "AUDIT_RETENTION_DAYS", 3650)
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ImproperlyConfigured(f"AUDIT_RETENTION_DAYS must be a positive integer, got {days!r}")
    return days


def _client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR, as django-axes reads it: the proxy in front must set it to the client's.
    # Without a request (a service deep in a call), the request being served now.
    if request is not None:
        raw = request.META.get("REMOTE_ADDR") or ""
    else:
        raw = current_request_ip.get()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def audit_record(
    *,
    actor: Actor,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_public_id: str | None = None,
    request: HttpRequest | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one row: who (`actor`, her roles now), what, when (now, UTC), where (IP).

    Name the object by `obj` (its model label and `public_id`) or by `object_type` and
    `object_public_id`. `detail` carries metadata only (changed field names, counts,
    formats, ids) and is refused when a value looks like content. Call it inside the
    transaction of the change it records; it opens none of its own.
    """
    if obj is not None:
        if object_type is not None or object_public_id is not None:
            raise ValueError("Give either obj or object_type/object_public_id, not both.")
        object_type = obj._meta.label_lower
        # Public ids only; a model without one (configuration) is named by its key.
        object_public_id = str(getattr(obj, "public_id", None) or obj.pk)
    # request.user is a lazy wrapper; isinstance sees the User (or AnonymousUser) inside.
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    event = AuditEvent(
        actor=user,
        actor_label=user.email if user else "",
        actor_role=",".join(sorted(role.value for role in roles_of(user))) if user else "",
        action=action,
        object_type=object_type or "",
        object_public_id=object_public_id or "",
        ip=_client_ip(request),
        detail=dict(detail or {}),
    )
    # Field validation (choices, lengths, the detail rules) in Python; the named
    # constraints are checked by the database on insert, which spares this write –
    # made on every read of a case – the extra queries of validate_constraints.
    event.full_clean(exclude=["actor"], validate_unique=False, validate_constraints=False)
    event.save()
    copy_on_commit(event)
    return event


def access_log_view(
    *, request: HttpRequest, obj: models.Model, detail: Mapping[str, Any] | None = None
) -> AuditEvent:
    """Log that the signed-in user read `obj` (a person, case, contact…)."""
    return audit_record(
        actor=request.user, action=AuditEvent.Action.VIEW, obj=obj, request=request, detail=detail
    )


def audit_export(
    *,
    request: HttpRequest | None,
    export_format: str,
    rows: int,
    obj: models.Model | None = None,
    object_type: str | None = None,
    filters: Mapping[str, Any] | None = None,
    actor: Actor = None,
) -> AuditEvent:
    """Log an export: what (a record, or a report named like "reports.indicators"),
    its format and size, and the filters that chose its rows (ids, dates, codes).

    The actor is `request.user` unless given (a scheduled export passes none)."""
    if actor is None and request is not None:
        actor = request.user
    detail: dict[str, Any] = {"format": export_format, "rows": rows}
    if filters:
        detail["filters"] = {
            key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in filters.items()
        }
    return audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=obj,
        object_type=object_type,
        request=request,
        detail=detail,
    )


def audit_purge_expired(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Delete the rows older than the retention period; return how many (or would be).

    The purge leaves its own row (action delete, type privacy.auditevent) with the
    count and the cut-off date, so a gap in the trail is always explained.
    """
    cutoff = (now or timezone.now()) - timedelta(days=audit_retention_days())
    expired = AuditEvent.objects.filter(occurred_at__lt=cutoff)
    if dry_run:
        return expired.count()
    with transaction.atomic():
        with append_only_suspended():
            deleted = expired._purge()
        if deleted:
            audit_record(
                actor=None,
                action=AuditEvent.Action.DELETE,
                object_type=AuditEvent._meta.label_lower,
                detail={"count": deleted, "before": cutoff.date().isoformat()},
            )
    return deleted


def login_log_retention_days() -> int:
    """How long django-axes keeps sign-in rows: settings.LOGIN_LOG_RETENTION_DAYS."""
    days = getattr(settings, "LOGIN_LOG_RETENTION_DAYS", 90)
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ImproperlyConfigured(
            f"LOGIN_LOG_RETENTION_DAYS must be a positive integer, got {days!r}"
        )
    return days


def login_logs_purge_expired(
    *, now: datetime | None = None, dry_run: bool = False
) -> dict[str, int]:
    """Delete django-axes rows older than the retention period, per model (label: count).

    Its failure log, its attempt counters and its access log hold the email typed, the
    IP and the browser of every sign-in: personal data kept only as long as a review of
    an attack needs. Attempts this old are long past their cool-off, so no lock-out is
    lifted early. Each model purged leaves one audit row with the count and cut-off.
    """
    cutoff = (now or timezone.now()) - timedelta(days=login_log_retention_days())
    counts: dict[str, int] = {}
    with transaction.atomic():
        for model in (AccessFailureLog, AccessAttempt, AccessLog):
            label = model._meta.label_lower
            # attempt_time is when axes first wrote the row (an attempt row is also
            # updated on later failures: those are counted from the first one).
            expired = model.objects.filter(attempt_time__lt=cutoff)
            if dry_run:
                counts[label] = expired.count()
                continue
            deleted, _by_model = expired.delete()
            counts[label] = deleted
            if deleted:
                audit_record(
                    actor=None,
                    action=AuditEvent.Action.DELETE,
                    object_type=label,
                    detail={"count": deleted, "before": cutoff.date().isoformat()},
                )
    return counts


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


# ---------------------------------------------------------------- consents

# The booking form's channel names (cases.services.ContactChoices) and their purposes.
CHANNEL_PURPOSES: dict[str, ConsentPurpose] = {
    "call": ConsentPurpose.CONTACT_CALL,
    "voicemail": ConsentPurpose.CONTACT_VOICEMAIL,
    "sms": ConsentPurpose.CONTACT_SMS,
    "whatsapp": ConsentPurpose.CONTACT_WHATSAPP,
    "email": ConsentPurpose.CONTACT_EMAIL,
}


def _active_consent(
    *, person: Person, purpose: str, institution: ReferralInstitution | None
) -> Consent | None:
    return (
        Consent.objects.select_for_update()
        .filter(person=person, purpose=purpose, institution=institution, withdrawn_at__isnull=True)
        .first()
    )


@transaction.atomic
def consent_give(
    *,
    person: Person,
    purpose: str,
    notice_version: str,
    recorded_by: User | None = None,
    institution: ReferralInstitution | None = None,
) -> Consent:
    """Record her consent to `purpose` under the notice version she was shown.

    `recorded_by` is the staff member who took it (phone, in person), None when she
    gave it herself online. Giving it again under the same version changes nothing;
    under a newer version the old row ends and points at the new one.

    Consent is the legal basis, not the safety decision: giving consent to a channel
    does not switch on the Person's may_* flag (what she said is safe now); only
    withdrawing switches it off.
    """
    if purpose not in ConsentPurpose.values:
        raise ValidationError(_("Finalidad de consentimiento desconocida."))
    # The rules of privacy_consent_institution_iff_sharing, said in her language before
    # the database would refuse the row.
    if purpose == ConsentPurpose.SHARE_INSTITUTION and institution is None:
        raise ValidationError(
            {"institution": _("Para compartir sus datos hay que nombrar la institución.")}
        )
    if purpose != ConsentPurpose.SHARE_INSTITUTION and institution is not None:
        raise ValidationError(
            {"institution": _("Solo el consentimiento para compartir nombra una institución.")}
        )
    now = timezone.now()
    previous = _active_consent(person=person, purpose=purpose, institution=institution)
    if previous is not None and previous.notice_version == notice_version:
        return previous
    if previous is not None:
        # Ended first so the new row passes the one-live-consent constraint; a
        # validation error below rolls this back with the rest.
        previous.withdrawn_at = max(now, previous.given_at)
        previous.save(update_fields=["withdrawn_at"])
    consent = Consent(
        person=person,
        purpose=purpose,
        institution=institution,
        notice_version=notice_version,
        given_at=now,
        recorded_by=_user(recorded_by),
    )
    # Fields and clean() (the notice version exists) here; the named constraints on
    # the insert. Checked in Python they cost a query each, seven per consent and
    # four consents per online booking: the rules that a caller can break are checked
    # above, the others hold for a new live row by construction. Nor is it asked
    # whether her record, the staff member and the institution exist: they are rows
    # the caller holds (and the foreign keys refuse any other on the insert).
    consent.full_clean(
        exclude=["person", "recorded_by", "institution"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        with transaction.atomic():  # a savepoint: a lost race is answered, not a 500
            consent.save()
    except IntegrityError:
        # Another request gave the same consent between our read and our insert.
        concurrent = _active_consent(person=person, purpose=purpose, institution=institution)
        if concurrent is not None and concurrent.notice_version == notice_version:
            return concurrent
        raise ValidationError(
            _("Este consentimiento cambió al mismo tiempo en otra pantalla; inténtalo de nuevo.")
        ) from None
    audit_record(
        actor=recorded_by,
        action=AuditAction.CREATE,
        obj=consent,
        detail={"via": "staff" if consent.recorded_by else "web"},
    )
    if previous is not None:
        previous.replaced_by = consent
        previous.save(update_fields=["replaced_by"])
        audit_record(
            actor=recorded_by,
            action=AuditAction.CHANGE,
            obj=previous,
            detail={"fields": ["withdrawn_at", "replaced_by"], "reason": "superseded"},
        )
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, by: Actor) -> Consent:
    """End a consent, and stop what depended on it.

    A contact channel's consent also switches off the matching safe-contact flag of
    the Person (calls also end voicemail; the services consent ends every channel):
    the notification gate reads those flags, so no message goes on that channel from
    now on. Sharing checks `consent_active` at the moment of each referral.
    `by` is the staff member who recorded it, None when she withdrew it herself.
    """
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        return consent
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = _user(by)
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit_record(
        actor=by,
        action=AuditAction.CHANGE,
        obj=consent,
        detail={"fields": ["withdrawn_at"], "reason": "withdrawn"},
    )
    flags = CONTACT_FLAGS.get(consent.purpose, ())
    if flags:
        person = Person.objects.select_for_update().get(pk=consent.person_id)
        turned_off = [flag for flag in flags if getattr(person, flag)]
        if turned_off:
            for flag in turned_off:
                setattr(person, flag, False)
            person.save(update_fields=turned_off)
            audit_record(
                actor=by,
                action=AuditAction.CHANGE,
                obj=person,
                detail={"fields": turned_off, "reason": "consent_withdrawn"},
            )
    return consent


@transaction.atomic
def consents_record_booking(
    *, person: Person, notice_version: str, channels: set[str]
) -> list[Consent]:
    """What she accepted when booking online: the services, and each channel she
    allowed (`channels` holds "call", "voicemail", "sms", "whatsapp", "email", or the
    contact_* purposes themselves)."""
    purposes = [ConsentPurpose.SERVICES]
    for channel in sorted(channels):
        if channel in CHANNEL_PURPOSES:
            purposes.append(CHANNEL_PURPOSES[channel])
        elif channel in CHANNEL_PURPOSES.values():
            purposes.append(ConsentPurpose(channel))
        else:
            raise ValueError(f"unknown contact channel {channel!r}")
    return [
        consent_give(person=person, purpose=purpose, notice_version=notice_version)
        for purpose in dict.fromkeys(purposes)
    ]


@transaction.atomic
def consents_merge(*, source: Person, target: Person, actor: Actor) -> int:
    """Before two records of her are merged: end the live consents of `source` that
    `target` also holds (the target's stay; the source's point at them), so moving
    the rest keeps one live consent per purpose. Returns how many were ended."""
    ended = 0
    now = timezone.now()
    live = Consent.objects.select_for_update().filter(withdrawn_at__isnull=True)
    for consent in live.filter(person=source):
        kept = live.filter(
            person=target, purpose=consent.purpose, institution=consent.institution_id
        ).first()
        if kept is None:
            continue
        consent.withdrawn_at = max(now, consent.given_at)
        consent.replaced_by = kept
        consent.save(update_fields=["withdrawn_at", "replaced_by"])
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=consent,
            detail={"fields": ["withdrawn_at", "replaced_by"], "reason": "merged"},
        )
        ended += 1
    return ended


# ---------------------------------------------------------------- blocking and erasure

SUPPRESSED = "[suprimido]"

# Plain (unencrypted) columns that can hold her words or her contact data. Encrypted
# columns are found by their type; a model can list more in `privacy_free_text`.
PLAIN_FREE_TEXT: dict[str, tuple[str, ...]] = {
    "scheduling.appointment": ("needs_staff_attention",),
    "notifications.delivery": ("recipient_masked", "last_error"),
}
# Columns suffixed like this are keyed hashes or fingerprints of her data (phone,
# email, the booking request): each one lets someone who guesses a value confirm it.
HASH_SUFFIXES = ("_hash", "fingerprint")
# Her safe-contact flags: after erasure nobody may contact her.
PERSON_CONTACT_FLAGS = ("may_call", "may_leave_voicemail", "may_sms", "may_whatsapp", "may_email")


def _erased_value(model_field: models.Field) -> str:
    # Blank where the column allows it; the marker where a value is required.
    if model_field.blank:
        return ""
    max_length = getattr(model_field, "max_length", None)
    return SUPPRESSED[:max_length] if max_length else SUPPRESSED


def _anonymised_values(obj: models.Model) -> dict[str, Any]:
    """The column values that strip `obj` of personal data (only those that change)."""
    label = obj._meta.label_lower
    free_text = set(PLAIN_FREE_TEXT.get(label, ())) | set(getattr(obj, "privacy_free_text", ()))
    changes: dict[str, Any] = {}
    for model_field in obj._meta.concrete_fields:
        if model_field.primary_key or model_field.is_relation:
            continue
        current = getattr(obj, model_field.attname)
        target: Any
        if isinstance(model_field, EncryptedTextField) or model_field.name in free_text:
            if current in (None, ""):
                continue
            target = _erased_value(model_field)
        elif isinstance(model_field, models.CharField) and model_field.name.endswith(HASH_SUFFIXES):
            if not current:
                continue
            # A unique hash (a manage link's) gets a random value: the old link dies
            # and no two erased rows collide.
            target = secrets.token_hex(32)[: model_field.max_length] if model_field.unique else ""
        else:
            continue
        if current != target:
            changes[model_field.attname] = target
    if isinstance(obj, Person):
        for flag in PERSON_CONTACT_FLAGS:
            if getattr(obj, flag):
                changes[flag] = False
    return changes


def _block_row(
    obj: models.Model, *, reason: BlockReason, actor: Actor, now: datetime
) -> RetentionBlock:
    if not isinstance(obj.pk, int):
        raise TypeError(f"{obj._meta.label} has no integer primary key: it cannot be blocked")
    block, created = RetentionBlock.objects.get_or_create(
        object_type=obj._meta.label_lower,
        object_pk=obj.pk,
        defaults={"object_public_id": public_id_of(obj), "reason": reason, "blocked_at": now},
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=obj,
            detail={"status": "blocked", "reason": reason},
        )
    return block


def _erase_row(
    obj: models.Model, *, reason: BlockReason, actor: Actor, now: datetime
) -> list[str] | None:
    """Block and anonymise one row; None when it was already erased."""
    block = _block_row(obj, reason=reason, actor=actor, now=now)
    if block.erased_at is not None:
        return None
    changes = _anonymised_values(obj)
    if changes:
        # A queryset update: no save() side effects, and encrypted columns still go
        # through their field, so "[suprimido]" is stored encrypted like any value.
        type(obj)._base_manager.filter(pk=obj.pk).update(**changes)
        for attname, value in changes.items():
            setattr(obj, attname, value)
    block.erased_at = now
    block.save(update_fields=["erased_at"])
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=obj,
        detail={"fields": sorted(changes), "reason": reason},
    )
    return sorted(changes)


@transaction.atomic
def record_block(*, obj: models.Model, reason: BlockReason, actor: Actor) -> int:
    """Block one record (retention); returns 1 when it was not blocked before."""
    existing = RetentionBlock.objects.filter(
        object_type=obj._meta.label_lower, object_pk=obj.pk
    ).exists()
    _block_row(obj, reason=reason, actor=actor, now=timezone.now())
    return 0 if existing else 1


@transaction.atomic
def person_block(*, person: Person, reason: BlockReason, actor: Actor) -> int:
    """Block her and every record about her: out of every normal staff view (see
    selectors.not_blocked), kept for legal claims and statistics. Returns how many
    records were newly blocked."""
    now = timezone.now()
    existing = RetentionBlock.objects.count()
    _block_row(person, reason=reason, actor=actor, now=now)
    for rows in person_records(person).values():
        for row in rows:
            _block_row(row, reason=reason, actor=actor, now=now)
    return RetentionBlock.objects.count() - existing


@dataclass(frozen=True)
class Erasure:
    """What an erasure touched: rows per record type, and the columns it cleared."""

    rows: dict[str, int]
    fields: dict[str, list[str]]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _erase_rows(
    rows: list[models.Model], *, reason: BlockReason, actor: Actor, now: datetime
) -> Erasure:
    counts: dict[str, int] = {}
    fields: dict[str, set[str]] = {}
    for row in rows:
        cleared = _erase_row(row, reason=reason, actor=actor, now=now)
        if cleared is None:
            continue
        label = row._meta.label_lower
        counts[label] = counts.get(label, 0) + 1
        fields.setdefault(label, set()).update(cleared)
    return Erasure(rows=counts, fields={label: sorted(names) for label, names in fields.items()})


@transaction.atomic
def person_erase(*, person: Person, actor: Actor, reason: BlockReason) -> Erasure:
    """Cancellation: block, then anonymise her and every record about her.

    Cleared: every encrypted column (name → "[suprimido]", phone, email, code name,
    summaries, notes, answers…), the keyed hashes of her phone and email, the plain
    free-text columns of PLAIN_FREE_TEXT, her contact flags; her live consents end.
    Kept, so indicators stay equal: every row and its codes, dates, statuses,
    services, durations, catalogues; her folio, birth year, municipality and employer
    (age group, municipality and company indicators). Every row leaves an audit row.
    Used by an executed ARCO cancellation and by the retention run.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    now = timezone.now()
    for consent in Consent.objects.select_for_update().filter(
        person=person, withdrawn_at__isnull=True
    ):
        consent.withdrawn_at = max(now, consent.given_at)
        consent.withdrawn_by = _user(actor)
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=consent,
            detail={"fields": ["withdrawn_at"], "reason": reason},
        )
    rows: list[models.Model] = [person]
    for related in person_records(person).values():
        rows.extend(related)
    return _erase_rows(rows, reason=reason, actor=actor, now=now)


@transaction.atomic
def record_anonymise(
    *, obj: models.Model, actor: Actor, reason: BlockReason, spare: set[str] | None = None
) -> Erasure:
    """Retention's "delete" for one record: block and anonymise it and the rows that
    point at it, except rows of the types in `spare` (those follow their own rule)."""
    if isinstance(obj, Person):
        return person_erase(person=obj, actor=actor, reason=reason)
    obj = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
    rows: list[models.Model] = [obj]
    for model, related in records_pointing_at({type(obj): [obj.pk]}).items():
        if model._meta.label_lower not in (spare or set()):
            rows.extend(related)
    return _erase_rows(rows, reason=reason, actor=actor, now=timezone.now())


# ---------------------------------------------------------------- ARCO requests


def _arco_reference() -> str:
    while True:
        reference = codes.random_code(8)
        if not ArcoRequest.objects.filter(reference=reference).exists():
            return reference


def _locked(arco_request: ArcoRequest) -> ArcoRequest:
    return ArcoRequest.objects.select_for_update().get(pk=arco_request.pk)


def _arco_audit(arco_request: ArcoRequest, *, by: Actor, previous: str, fields: list[str]) -> None:
    audit_record(
        actor=by,
        action=AuditAction.CHANGE,
        obj=arco_request,
        detail={"fields": fields, "status": arco_request.status, "previous_status": previous},
    )


@transaction.atomic
def arco_request_register(
    *,
    right: str,
    received_on: date,
    description: str,
    by: User,
    person: Person | None = None,
    identity_checked: bool = False,
) -> ArcoRequest:
    """Register a request as received; its answer is due ARCO_ANSWER_BUSINESS_DAYS
    business days later. `identity_checked`: `by` checked the requester's official
    identification (or her representative's) now."""
    now = timezone.now()
    if received_on > timezone.localdate(now):
        raise ValidationError({"received_on": _("La fecha de recepción no puede ser futura.")})
    arco_request = ArcoRequest(
        reference=_arco_reference(),
        person=person,
        right=right,
        received_on=received_on,
        description=description.strip(),
        answer_due=business_days_after(start=received_on, days=arco_answer_days()),
        created_by=by,
    )
    if identity_checked:
        arco_request.identity_checked_by = by
        arco_request.identity_checked_at = now
    arco_request.full_clean()
    arco_request.save()
    audit_record(
        actor=by,
        action=AuditAction.CREATE,
        obj=arco_request,
        detail={"status": arco_request.status},
    )
    return arco_request


@transaction.atomic
def arco_request_identify(
    *, arco_request: ArcoRequest, by: User, person: Person | None = None, identity_checked: bool
) -> ArcoRequest:
    """Link the request to her record and/or record that `by` checked her identity."""
    arco_request = _locked(arco_request)
    if not arco_request.is_open or arco_request.status == ArcoStatus.GRANTED:
        raise ValidationError(_("Solo se identifica a la solicitante antes de responder."))
    fields = []
    if person is not None and arco_request.person_id != person.pk:
        arco_request.person = person
        fields.append("person")
    if identity_checked and not arco_request.identity_checked:
        arco_request.identity_checked_by = by
        arco_request.identity_checked_at = timezone.now()
        fields += ["identity_checked_by", "identity_checked_at"]
    if fields:
        arco_request.save(update_fields=fields)
        _arco_audit(arco_request, by=by, previous=arco_request.status, fields=fields)
    return arco_request


@transaction.atomic
def arco_request_extend(*, arco_request: ArcoRequest, by: User) -> ArcoRequest:
    """Extend the answer deadline once, by ARCO_EXTENSION_BUSINESS_DAYS business days."""
    arco_request = _locked(arco_request)
    if arco_request.extension_used or arco_request.status != ArcoStatus.RECEIVED:
        raise ValidationError(
            _("El plazo de respuesta solo se puede ampliar una vez y antes de responder.")
        )
    previous = arco_request.status
    arco_request.answer_due = business_days_after(
        start=arco_request.answer_due, days=arco_extension_days()
    )
    arco_request.extension_used = True
    arco_request.status = ArcoStatus.EXTENDED
    arco_request.save(update_fields=["answer_due", "extension_used", "status"])
    _arco_audit(arco_request, by=by, previous=previous, fields=["answer_due", "extension_used"])
    return arco_request


def _answer(
    arco_request: ArcoRequest, *, status: ArcoStatus, reason: str, by: User, today: date | None
) -> ArcoRequest:
    arco_request = _locked(arco_request)
    if arco_request.status not in (ArcoStatus.RECEIVED, ArcoStatus.EXTENDED):
        raise ValidationError(_("Esta solicitud ya fue respondida."))
    if not reason.strip():
        raise ValidationError({"reason": _("Escribe el fundamento de la respuesta.")})
    today = today or timezone.localdate()
    previous = arco_request.status
    arco_request.status = status
    arco_request.answered_on = today
    arco_request.decision_reason = reason.strip()
    fields = ["status", "answered_on", "decision_reason"]
    if status == ArcoStatus.GRANTED:
        if arco_request.person_id is None or not arco_request.identity_checked:
            raise ValidationError(
                _(
                    "Antes de declararla procedente, vincula la solicitud a su registro y "
                    "verifica su identidad."
                )
            )
        arco_request.execution_due = business_days_after(start=today, days=arco_execution_days())
        fields.append("execution_due")
    arco_request.save(update_fields=fields)
    _arco_audit(arco_request, by=by, previous=previous, fields=fields)
    return arco_request


@transaction.atomic
def arco_request_grant(
    *, arco_request: ArcoRequest, reason: str, by: User, today: date | None = None
) -> ArcoRequest:
    """Answer that the request proceeds; it must be carried out within
    ARCO_EXECUTION_BUSINESS_DAYS. A cancellation blocks her records at once."""
    arco_request = _answer(
        arco_request, status=ArcoStatus.GRANTED, reason=reason, by=by, today=today
    )
    if arco_request.right == ArcoRight.CANCELLATION and arco_request.person is not None:
        person_block(person=arco_request.person, reason=BlockReason.ARCO_CANCELLATION, actor=by)
    return arco_request


@transaction.atomic
def arco_request_deny(
    *, arco_request: ArcoRequest, reason: str, by: User, today: date | None = None
) -> ArcoRequest:
    return _answer(arco_request, status=ArcoStatus.DENIED, reason=reason, by=by, today=today)


@transaction.atomic
def arco_request_execute(
    *, arco_request: ArcoRequest, by: User, today: date | None = None
) -> ArcoRequest:
    """Record that a granted request was carried out. A cancellation erases her data
    here (person_erase); access and portability are carried out by delivering the
    export; rectification and opposition by the changes staff made in her records."""
    arco_request = _locked(arco_request)
    if arco_request.status != ArcoStatus.GRANTED:
        raise ValidationError(_("Solo se ejecuta una solicitud procedente."))
    if arco_request.right == ArcoRight.CANCELLATION and arco_request.person is not None:
        person_erase(person=arco_request.person, actor=by, reason=BlockReason.ARCO_CANCELLATION)
    arco_request.status = ArcoStatus.EXECUTED
    arco_request.executed_on = today or timezone.localdate()
    # update_fields: the erasure above rewrote this row's own free text in the database.
    arco_request.save(update_fields=["status", "executed_on"])
    _arco_audit(arco_request, by=by, previous=ArcoStatus.GRANTED, fields=["status", "executed_on"])
    return arco_request


@transaction.atomic
def arco_request_close(*, arco_request: ArcoRequest, by: User) -> ArcoRequest:
    """Close an answered request (denied, or granted and executed)."""
    arco_request = _locked(arco_request)
    if arco_request.status not in (ArcoStatus.DENIED, ArcoStatus.EXECUTED):
        raise ValidationError(_("Solo se cierra una solicitud improcedente o ya ejecutada."))
    previous = arco_request.status
    arco_request.status = ArcoStatus.CLOSED
    arco_request.closed_at = timezone.now()
    arco_request.save(update_fields=["status", "closed_at"])
    _arco_audit(arco_request, by=by, previous=previous, fields=["status", "closed_at"])
    return arco_request
