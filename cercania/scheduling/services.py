"""Writes for scheduling: advisors, jornadas, and the appointment lifecycle.

The booking rule that matters most: two people can never hold one slot. On
PostgreSQL the exclusion constraint scheduling_appointment_no_overlap refuses the
loser of a race; on SQLite every transaction begins IMMEDIATE (settings), so bookings
are serialised and the in-transaction re-check below is exact.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cercania.accounts.models import User
from cercania.cases.models import CreatedVia, Person
from cercania.cases.services import (
    ContactChoices,
    people_first_attention_recount,
    person_attention_noted,
    person_create,
)
from cercania.institute.models import Modality, Service
from cercania.institute.selectors import institute_zone
from cercania.lib import codes
from cercania.notifications.services import notifications_hook
from cercania.partners.models import Agreement, Organization
from cercania.privacy.models import AuditAction
from cercania.privacy.services import Actor, audit_record, consents_record_booking

from .models import Advisor, Appointment, AvailabilityWindow, Jornada, ReservedWindow, TimeOff
from .selectors import bookable_slots

logger = logging.getLogger(__name__)


class SlotUnavailable(Exception):
    """The slot was taken or is no longer offered."""


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different request."""


@dataclass(frozen=True)
class Booking:
    appointment: Appointment
    token: str
    replayed: bool = False


# ---------------------------------------------------------------- advisors


@transaction.atomic
def advisor_create(
    *,
    user: User,
    services: Iterable[Service],
    modalities: Iterable[str],
    meeting_room_url: str = "",
) -> Advisor:
    advisor = Advisor(
        user=user, modalities=sorted(set(modalities)), meeting_room_url=meeting_room_url
    )
    unknown = set(advisor.modalities) - set(Modality.values)
    if unknown:
        raise ValidationError({"modalities": _("Modalidad desconocida.")})
    advisor.full_clean()
    advisor.save()
    advisor.services.set(list(services))
    return advisor


@transaction.atomic
def availability_window_add(
    *, advisor: Advisor, weekday: int, starts: time, ends: time
) -> AvailabilityWindow:
    window = AvailabilityWindow(advisor=advisor, weekday=weekday, starts=starts, ends=ends)
    window.full_clean()  # includes: inside the service's opening hours
    window.save()
    return window


@transaction.atomic
def time_off_add(
    *, advisor: Advisor, starts_at: datetime, ends_at: datetime, reason: str = ""
) -> TimeOff:
    time_off = TimeOff(advisor=advisor, starts_at=starts_at, ends_at=ends_at, reason=reason)
    time_off.full_clean()
    time_off.save()
    return time_off


# ---------------------------------------------------------------- jornadas


@transaction.atomic
def jornada_create(
    *,
    title: str,
    organization: Organization,
    agreement: Agreement,
    starts_on: date,
    ends_on: date,
    services: Iterable[Service],
    modalities: Iterable[str],
    daily_capacity: int | None = None,
) -> Jornada:
    services = list(services)
    jornada = Jornada(
        title=title,
        organization=organization,
        agreement=agreement,
        starts_on=starts_on,
        ends_on=ends_on,
        modalities=sorted(set(modalities)),
        daily_capacity=daily_capacity,
        code=jornada_code_new(),
    )
    jornada.full_clean()  # includes: the agreement covers her organisation every day
    covered = {s.pk for s in agreement.services.all()}
    if any(s.pk not in covered for s in services):
        raise ValidationError(_("El convenio no incluye alguno de los servicios elegidos."))
    jornada.save()
    jornada.services.set(services)
    return jornada


def jornada_code_new() -> str:
    # 10 characters of a 31-letter alphabet: ~49 bits, unguessable for a poster code.
    while True:
        code = codes.random_code(10)
        if not Jornada.objects.filter(code=code).exists():
            return code


@transaction.atomic
def reserved_window_add(
    *, jornada: Jornada, advisor: Advisor, day: date, starts: time, ends: time
) -> ReservedWindow:
    window = ReservedWindow(jornada=jornada, advisor=advisor, date=day, starts=starts, ends=ends)
    window.full_clean()  # includes: the day lies within the jornada
    window.save()
    return window


@transaction.atomic
def jornada_set_status(*, jornada: Jornada, status: Jornada.Status) -> Jornada:
    jornada.status = status
    jornada.save(update_fields=["status"])
    return jornada


# ---------------------------------------------------------------- appointments


def request_fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _advisors_by_preference(advisor_ids: list[int], start: datetime) -> list[int]:
    """Least booked in that ISO week first; ties go to whoever was assigned longest ago."""
    local = start.astimezone(institute_zone())
    monday = local.date() - timedelta(days=local.isoweekday() - 1)
    week_start = datetime.combine(monday, time.min, tzinfo=institute_zone())
    week_end = week_start + timedelta(days=7)
    load: dict[int, dict[str, Any]] = {
        row["advisor_id"]: dict(row)
        for row in Appointment.objects.filter(advisor_id__in=advisor_ids)
        .values("advisor_id")
        .annotate(
            week=Count(
                "id",
                filter=Q(
                    status__in=Appointment.ACTIVE_STATUSES,
                    starts_at__gte=week_start,
                    starts_at__lt=week_end,
                ),
            ),
            last=Max("created_at"),
        )
    }
    epoch = datetime.min.replace(tzinfo=UTC)

    def key(advisor_id: int) -> tuple[int, datetime, int]:
        row = load.get(advisor_id, {})
        return (row.get("week", 0), row.get("last") or epoch, advisor_id)

    return sorted(advisor_ids, key=key)


def _overlap_exists(
    advisor_id: int, start: datetime, end: datetime, exclude_id: int | None = None
) -> bool:
    query = Appointment.objects.filter(
        advisor_id=advisor_id,
        status__in=Appointment.ACTIVE_STATUSES,
        starts_at__lt=end,
        ends_at__gt=start,
    )
    if exclude_id is not None:
        query = query.exclude(pk=exclude_id)
    return query.exists()


def _replay(key: str, fingerprint: str) -> Booking | None:
    existing = Appointment.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_fingerprint != fingerprint:
        raise IdempotencyConflict
    return Booking(
        appointment=existing, token=codes.manage_token(str(existing.public_id)), replayed=True
    )


def appointment_book(
    *,
    service: Service,
    start: datetime,
    modality: str,
    name: str = "",
    phone: str = "",
    email: str = "",
    contact: ContactChoices | None = None,
    person: Person | None = None,
    jornada: Jornada | None = None,
    created_via: CreatedVia,
    idempotency_key: str | None = None,
    fingerprint: str = "",
    now: datetime | None = None,
    actor: Actor = None,
    notice_version: str = "",
) -> Booking:
    """Book the slot starting at `start`, or raise SlotUnavailable.

    The slot is recomputed and taken inside one transaction: a slot offered on an
    earlier page may be gone by now, and that is a clean SlotUnavailable, never a 500.

    Without `person` (the public flow) she is registered from `name`, `phone`,
    `email` and `contact`, with a new folio. With `person` (staff booking for a woman
    already on file) the session is hers and nothing else about her is written.
    """
    if start.tzinfo is None:
        raise ValueError("start must be aware")
    if person is not None and (name or phone or email or contact or notice_version):
        raise ValueError("a known person is booked as she is on file")
    if person is None and contact is None:
        raise ValueError("a new person needs her contact choices")
    if idempotency_key and (booking := _replay(idempotency_key, fingerprint)):
        return booking
    try:
        booking = _book(
            service=service,
            start=start,
            modality=modality,
            name=name,
            phone=phone,
            email=email,
            contact=contact,
            person=person,
            jornada=jornada,
            created_via=created_via,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            now=now,
            actor=actor,
            notice_version=notice_version,
        )
    except (IntegrityError, SlotUnavailable):
        # Two identical requests raced and the other one won (the slot is now hers,
        # or the key is taken): answer with that booking, as a retry would get.
        if idempotency_key and (booking := _replay(idempotency_key, fingerprint)):
            return booking
        raise SlotUnavailable from None
    return booking


@transaction.atomic
def _book(
    *,
    service: Service,
    start: datetime,
    modality: str,
    name: str,
    phone: str,
    email: str,
    contact: ContactChoices | None,
    person: Person | None,
    jornada: Jornada | None,
    created_via: CreatedVia,
    idempotency_key: str | None,
    fingerprint: str,
    now: datetime | None,
    actor: Actor,
    notice_version: str = "",
) -> Booking:
    if jornada is not None:
        # Locks the jornada: its daily capacity is counted and taken atomically.
        jornada = Jornada.objects.select_for_update().get(pk=jornada.pk)
        if jornada.status != Jornada.Status.OPEN:
            raise SlotUnavailable
    day = start.astimezone(institute_zone()).date()
    offered = bookable_slots(
        service=service, first_day=day, last_day=day, jornada=jornada, modality=modality, now=now
    )
    slot = next((s for s in offered if s.start == start), None)
    if slot is None:
        raise SlotUnavailable
    registered = person is None
    if person is None:
        assert contact is not None  # checked by appointment_book
        person = person_create(
            name=name, phone=phone, email=email, contact=contact, created_via=created_via
        )
    if notice_version and contact is not None:
        # Her express consent: the service, and each channel she marked safe.
        channels = {
            c for c in ("call", "voicemail", "sms", "whatsapp", "email") if getattr(contact, c)
        }
        consents_record_booking(person=person, notice_version=notice_version, channels=channels)
    for advisor_id in _advisors_by_preference(slot.advisor_ids, start):
        if _overlap_exists(advisor_id, slot.start, slot.end):
            continue
        appointment = Appointment(
            service=service,
            advisor_id=advisor_id,
            person=person,
            jornada=jornada,
            starts_at=slot.start,
            ends_at=slot.end,
            modality=modality,
            created_via=created_via,
            idempotency_key=idempotency_key or None,
            request_fingerprint=fingerprint,
            reference=_unused_reference(),
        )
        token = codes.manage_token(str(appointment.public_id))
        appointment.manage_token_hash = codes.token_hash(token)
        try:
            with transaction.atomic():  # a savepoint: a lost race tries the next advisor
                appointment.save()
        except IntegrityError as error:
            if "no_overlap" not in str(error):
                raise
            continue
        if registered:
            audit_record(
                actor=actor, action=AuditAction.CREATE, obj=person, detail={"via": created_via}
            )
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=appointment, detail={"via": created_via}
        )
        _after_booking(appointment)
        return Booking(appointment=appointment, token=token)
    raise SlotUnavailable


def _unused_reference() -> str:
    while True:
        reference = codes.random_code(6)
        if not Appointment.objects.filter(reference=reference).exists():
            return reference


def _after_booking(appointment: Appointment) -> None:
    from .meetings.lifecycle import appointment_attach_meeting

    appointment_id = appointment.pk
    transaction.on_commit(lambda: appointment_attach_meeting(appointment_id=appointment_id))
    transaction.on_commit(
        partial(notifications_hook, appointment_id=appointment_id, event="booked")
    )


@transaction.atomic
def appointment_cancel(
    *,
    appointment: Appointment,
    by_institute: bool = False,
    reason: str = "",
    actor: Actor = None,
) -> Appointment:
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Appointment.Status.CONFIRMED:
        return appointment  # cancelling twice, or a past session: nothing changes
    appointment.status = (
        Appointment.Status.CANCELLED_BY_INSTITUTE
        if by_institute
        else Appointment.Status.CANCELLED_BY_HER
    )
    appointment.cancel_reason = reason[:200]
    appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=appointment,
        detail={"fields": ["status", "cancel_reason"], "status": appointment.status},
    )
    from .meetings.lifecycle import appointment_cancel_meeting

    appointment_id = appointment.pk
    transaction.on_commit(lambda: appointment_cancel_meeting(appointment_id=appointment_id))
    transaction.on_commit(
        partial(notifications_hook, appointment_id=appointment_id, event="cancelled")
    )
    return appointment


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    now: datetime | None = None,
    actor: Actor = None,
) -> Appointment:
    """Move a confirmed appointment to another offered start; same reference and link."""
    # of=("self",): PostgreSQL cannot lock the nullable side of the jornada join.
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("service", "jornada")
        .get(pk=appointment.pk)
    )
    if appointment.status != Appointment.Status.CONFIRMED:
        raise SlotUnavailable
    day = start.astimezone(institute_zone()).date()
    offered = bookable_slots(
        service=appointment.service,
        first_day=day,
        last_day=day,
        jornada=appointment.jornada,
        modality=appointment.modality,
        now=now,
        # Her own current slot must not block a move that overlaps it.
        exclude_appointment_id=appointment.pk,
    )
    slot = next((s for s in offered if s.start == start), None)
    if slot is None:
        raise SlotUnavailable
    candidates = _advisors_by_preference(slot.advisor_ids, start)
    if appointment.advisor_id in candidates:  # keep her advisor when possible
        candidates.remove(appointment.advisor_id)
        candidates.insert(0, appointment.advisor_id)
    for advisor_id in candidates:
        if _overlap_exists(advisor_id, slot.start, slot.end, exclude_id=appointment.pk):
            continue
        appointment.advisor_id = advisor_id
        appointment.starts_at, appointment.ends_at = slot.start, slot.end
        try:
            with transaction.atomic():
                appointment.save(update_fields=["advisor", "starts_at", "ends_at", "updated_at"])
        except IntegrityError as error:
            if "no_overlap" not in str(error):
                raise
            continue
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=appointment,
            detail={"fields": ["advisor", "starts_at", "ends_at"]},
        )
        from .meetings.lifecycle import appointment_update_meeting

        transaction.on_commit(partial(appointment_update_meeting, appointment_id=appointment.pk))
        transaction.on_commit(
            partial(notifications_hook, appointment_id=appointment.pk, event="rescheduled")
        )
        return appointment
    raise SlotUnavailable


@transaction.atomic
def appointment_mark(
    *,
    appointment: Appointment,
    status: Appointment.Status,
    now: datetime | None = None,
    actor: Actor = None,
) -> Appointment:
    """Attended or no-show, once the session has started."""
    if status not in (Appointment.Status.ATTENDED, Appointment.Status.NO_SHOW):
        raise ValueError("only attended or no_show")
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status not in (
        Appointment.Status.CONFIRMED,
        Appointment.Status.ATTENDED,
        Appointment.Status.NO_SHOW,
    ):
        raise ValidationError(_("Una cita cancelada no se puede marcar."))
    if appointment.starts_at > (now or timezone.now()):
        raise ValidationError(_("La sesión todavía no empieza."))
    previous = appointment.status
    appointment.status = status
    appointment.save(update_fields=["status", "updated_at"])
    if status == Appointment.Status.ATTENDED:
        person_attention_noted(person_id=appointment.person_id, at=appointment.starts_at)
    elif previous == Appointment.Status.ATTENDED:
        people_first_attention_recount(people=Person.objects.filter(pk=appointment.person_id))
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=appointment,
        detail={"fields": ["status"], "status": status, "previous_status": previous},
    )
    if status == Appointment.Status.NO_SHOW and previous != Appointment.Status.NO_SHOW:
        transaction.on_commit(
            partial(notifications_hook, appointment_id=appointment.pk, event="no_show")
        )
    return appointment
