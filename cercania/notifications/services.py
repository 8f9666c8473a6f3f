"""Planning and sending her messages and the staff agenda emails.

The lifecycle, from scheduling's services (after their transaction commits):
`notifications_hook(appointment_id=…, event=…)` enqueues a `plan` task; the worker runs
it (`appointment_notify`), which plans one Delivery per message kind and channel, each
with a unique key, and enqueues a task to run when it is due. A web request only
writes that one task row: nothing is planned or sent from it.

When the task runs (`delivery_run`), it
1. takes the row and does nothing unless it is still queued (a task run twice, or a
   duplicate, sends once: the key is unique and the status moves on);
2. re-checks the appointment: a message planned for another start time, another
   invite sequence or another status is skipped as superseded;
3. asks the contact gate, which alone hands out the permit a sender needs;
4. renders the current template and checks the result against the deny-list;
5. sends outside any transaction, then records sent, or retries with backoff, or after
   the last attempt marks failed and flags the appointment for staff.

Out of safe hours: a reminder is skipped and recorded (it is tied to its moment). A
confirmation, change or cancellation notice, or the note after a no-show, is planned
for her next safe moment instead, and deferred again if the worker reaches it late,
as long as it is still useful (before the session, or within a week for a no-show).
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cercania.accounts.models import User
from cercania.cases.models import Person
from cercania.institute.selectors import institute_zone
from cercania.privacy.models import AuditAction
from cercania.privacy.services import audit_record
from cercania.scheduling.models import Advisor, Appointment

from .channels import DeliveryError, mask_address, scrub
from .channels.email import send_email
from .channels.text import send_text
from .gate import Permit, contact_gate, next_safe_moment
from .models import Channel, Delivery, InviteSequence, MessageKind, MessageTemplate, format_of
from .rendering import Rendered, agenda_entries, render_for_her, render_staff_agenda
from .wording import WordingRefused

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Waits after the 1st, 2nd, 3rd and 4th failed attempt.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
# Kinds that wait for her next safe hour instead of being skipped.
DEFERRABLE = frozenset(
    {MessageKind.CONFIRMATION, MessageKind.RESCHEDULED, MessageKind.CANCELLED, MessageKind.NO_SHOW}
)
NO_SHOW_NOTE_USEFUL_FOR = timedelta(days=7)
# A send still "sending" after this long was interrupted (the worker died mid-send).
SENDING_STALE_AFTER = timedelta(minutes=15)
CANCELLED_STATUSES = (
    Appointment.Status.CANCELLED_BY_HER,
    Appointment.Status.CANCELLED_BY_INSTITUTE,
)


class Event(StrEnum):
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class NothingToSend(Exception):
    pass


# ---------------------------------------------------------------- planning


def notifications_hook(*, appointment_id: int, event: str) -> None:
    """Scheduling's after-commit hook: hand the planning of `event`'s messages to the
    task worker. Never raises.

    It runs after the appointment's transaction committed, inside a web request or a
    service call: a failure here must not turn a done booking into an error page. It
    writes one task row and nothing else: planning (templates, one row per message,
    their tasks, the invite sequence's lock) took a seventh of the web workers' time
    under load (bench/README.md), and the worker sends nothing before it plans anyway.
    """
    from .tasks import plan

    try:
        plan.enqueue(
            appointment_id=appointment_id, event=Event(event).value, at=timezone.now().isoformat()
        )
    except Exception:
        logger.exception(
            "could not hand over the planning of messages for appointment id %s (%s)",
            appointment_id,
            event,
        )


def _channels_for(person: Person) -> list[str]:
    """The channels to try: email if she gave one, and one text channel if she gave a
    phone. Channels she did not allow are still planned, so the log shows the skip."""
    channels: list[str] = []
    if person.email:
        channels.append(Channel.EMAIL)
    if person.phone:
        # SMS first when she allowed both: it needs no data plan and no app.
        if person.may_sms or not person.may_whatsapp:
            channels.append(Channel.SMS)
        else:
            channels.append(Channel.WHATSAPP)
    return channels


def _enqueue(delivery: Delivery, *, at: datetime) -> None:
    from .tasks import deliver

    deliver.using(run_after=at).enqueue(delivery_id=delivery.pk)


def _plan(
    *,
    appointment: Appointment,
    kind: MessageKind,
    occurrence: str,
    due: datetime,
    useful_until: datetime | None,
    sequence: int,
) -> list[Delivery]:
    person = appointment.person
    templates = {t.format: t for t in MessageTemplate.objects.filter(kind=kind)}
    planned = []
    for channel in _channels_for(person):
        address = person.email if channel == Channel.EMAIL else person.phone
        delivery, created = Delivery.objects.get_or_create(
            key=f"{appointment.public_id}:{kind}:{channel}:{occurrence}",
            defaults={
                "appointment": appointment,
                "kind": kind,
                "channel": channel,
                "template": templates.get(format_of(channel)),
                "recipient_masked": mask_address(address),
                "for_starts_at": appointment.starts_at,
                "sequence": sequence,
                "due_at": due,
                "useful_until": useful_until,
            },
        )
        if created:
            _enqueue(delivery, at=due)
            planned.append(delivery)
    return planned


def _plan_reminders(*, appointment: Appointment, sequence: int, now: datetime) -> list[Delivery]:
    planned = []
    for hours in sorted(set(settings.REMINDER_HOURS_BEFORE), reverse=True):
        # Elapsed hours on the UTC instant: no drift at a daylight-saving change.
        due = appointment.starts_at - timedelta(hours=hours)
        if due <= now:
            continue  # booked too close to the session for this one
        planned += _plan(
            appointment=appointment,
            kind=MessageKind.REMINDER,
            occurrence=f"{hours}h-seq{sequence}",
            due=due,
            useful_until=appointment.starts_at,
            sequence=sequence,
        )
    return planned


def _supersede_pending(appointment: Appointment, *, now: datetime) -> int:
    """Pending confirmations, reminders and change notices no longer hold."""
    return Delivery.objects.filter(
        appointment=appointment,
        status=Delivery.Status.QUEUED,
        kind__in=[MessageKind.CONFIRMATION, MessageKind.REMINDER, MessageKind.RESCHEDULED],
    ).update(status=Delivery.Status.SKIPPED, reason=Delivery.Reason.SUPERSEDED, updated_at=now)


@transaction.atomic
def appointment_notify(
    *, appointment_id: int, event: Event, now: datetime | None = None
) -> list[Delivery]:
    """Plan (and enqueue) the messages an appointment event calls for; return them."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_related("person", "jornada").get(pk=appointment_id)
    counter, _created = InviteSequence.objects.select_for_update().get_or_create(
        appointment=appointment
    )
    person = appointment.person
    soon = next_safe_moment(person, now)
    status = appointment.status
    if event in (Event.RESCHEDULED, Event.CANCELLED):
        if (event == Event.RESCHEDULED and status != Appointment.Status.CONFIRMED) or (
            event == Event.CANCELLED and status not in CANCELLED_STATUSES
        ):
            return []
        counter.sequence += 1
        counter.save(update_fields=["sequence"])
    sequence = counter.sequence

    def notice(kind: MessageKind, *, occurrence: str, useful_until: datetime) -> list[Delivery]:
        # Notices go at her next safe moment (now, if now is safe).
        return _plan(
            appointment=appointment,
            kind=kind,
            occurrence=occurrence,
            due=soon,
            useful_until=useful_until,
            sequence=sequence,
        )

    def reminders() -> list[Delivery]:
        return _plan_reminders(appointment=appointment, sequence=sequence, now=now)

    start = appointment.starts_at
    if event == Event.BOOKED:
        if status != Appointment.Status.CONFIRMED:
            return []
        return (
            notice(MessageKind.CONFIRMATION, occurrence=f"seq{sequence}", useful_until=start)
            + reminders()
        )
    if event == Event.RESCHEDULED:
        _supersede_pending(appointment, now=now)
        return (
            notice(MessageKind.RESCHEDULED, occurrence=f"seq{sequence}", useful_until=start)
            + reminders()
        )
    if event == Event.CANCELLED:
        _supersede_pending(appointment, now=now)
        return notice(MessageKind.CANCELLED, occurrence=f"seq{sequence}", useful_until=start)
    if event == Event.NO_SHOW:
        if status != Appointment.Status.NO_SHOW:
            return []
        _supersede_pending(appointment, now=now)
        return notice(
            MessageKind.NO_SHOW, occurrence="once", useful_until=now + NO_SHOW_NOTE_USEFUL_FOR
        )
    raise ValueError(f"unknown event {event!r}")


@transaction.atomic
def staff_agenda_schedule(*, now: datetime | None = None) -> list[Delivery]:
    """From STAFF_AGENDA_EMAIL_HOUR (local) on, plan tomorrow's agenda email for each
    advisor with sessions. Idempotent: call it as often as you like."""
    now = now or timezone.now()
    zone = institute_zone()
    local = now.astimezone(zone)
    if local.hour < settings.STAFF_AGENDA_EMAIL_HOUR:
        return []
    day = local.date() + timedelta(days=1)
    start = datetime.combine(day, time.min, tzinfo=zone)
    advisor_ids = (
        Appointment.objects.filter(
            status=Appointment.Status.CONFIRMED,
            starts_at__gte=start,
            starts_at__lt=start + timedelta(days=1),
        )
        .values_list("advisor_id", flat=True)
        .distinct()
    )
    planned = []
    for advisor in Advisor.objects.filter(pk__in=list(advisor_ids), active=True).select_related(
        "user"
    ):
        delivery, created = Delivery.objects.get_or_create(
            key=f"agenda:{advisor.public_id}:{day.isoformat()}",
            defaults={
                "advisor": advisor,
                "kind": MessageKind.STAFF_AGENDA,
                "channel": Channel.EMAIL,
                "recipient_masked": mask_address(advisor.user.email),
                "agenda_day": day,
                "due_at": now,
            },
        )
        if created:
            _enqueue(delivery, at=now)
            planned.append(delivery)
    return planned


@transaction.atomic
def delivery_send_now(*, delivery: Delivery, now: datetime | None = None) -> bool:
    """Coordinator's "send now" for a queued message (the gate still decides)."""
    now = now or timezone.now()
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    if delivery.status != Delivery.Status.QUEUED:
        return False
    delivery.next_attempt_at = now
    delivery.save(update_fields=["next_attempt_at", "updated_at"])
    _enqueue(delivery, at=now)
    return True


# ---------------------------------------------------------------- sending


def _current_sequence(appointment: Appointment) -> int:
    row = InviteSequence.objects.filter(appointment=appointment).first()
    return row.sequence if row else 0


def _stale_reason(delivery: Delivery, now: datetime) -> str:
    """Why this message must not go any more, or "" when it still holds."""
    if delivery.kind == MessageKind.STAFF_AGENDA:
        return ""
    appointment = delivery.appointment
    assert appointment is not None
    if delivery.useful_until is not None and now >= delivery.useful_until:
        return Delivery.Reason.TOO_LATE
    current = _current_sequence(appointment)
    if delivery.kind in (
        MessageKind.CONFIRMATION,
        MessageKind.REMINDER,
        MessageKind.RESCHEDULED,
    ):
        if (
            appointment.status != Appointment.Status.CONFIRMED
            or appointment.starts_at != delivery.for_starts_at
            or current != delivery.sequence
        ):
            return Delivery.Reason.SUPERSEDED
    elif delivery.kind == MessageKind.CANCELLED:
        if appointment.status not in CANCELLED_STATUSES or current != delivery.sequence:
            return Delivery.Reason.SUPERSEDED
    elif delivery.kind == MessageKind.NO_SHOW and appointment.status != Appointment.Status.NO_SHOW:
        return Delivery.Reason.SUPERSEDED
    return ""


def _recipient(delivery: Delivery) -> Person | User:
    if delivery.kind == MessageKind.STAFF_AGENDA:
        assert delivery.advisor is not None
        return delivery.advisor.user
    assert delivery.appointment is not None
    return delivery.appointment.person


def _render(delivery: Delivery, now: datetime) -> Rendered:
    if delivery.kind == MessageKind.STAFF_AGENDA:
        assert delivery.advisor is not None and delivery.agenda_day is not None
        entries = agenda_entries(delivery.advisor, delivery.agenda_day)
        if not entries:
            raise NothingToSend
        return render_staff_agenda(entries=entries, day=delivery.agenda_day)
    assert delivery.appointment is not None
    # The template as it reads now: a correction by the coordinator applies at once.
    template = MessageTemplate.objects.filter(
        kind=delivery.kind, format=format_of(delivery.channel)
    ).first()
    if template is None:
        raise WordingRefused(_("no hay plantilla para este mensaje"))
    delivery.template = template
    return render_for_her(
        template=template,
        appointment=delivery.appointment,
        kind=delivery.kind,
        channel=delivery.channel,
        sequence=delivery.sequence,
        now=now,
    )


def _send(channel: str, permit: Permit, rendered: Rendered) -> str:
    if channel == Channel.EMAIL:
        return send_email(permit=permit, rendered=rendered)
    return send_text(permit=permit, body=rendered.text)


def _close(delivery: Delivery, status: Delivery.Status, reason: str, error: str = "") -> None:
    delivery.status = status
    delivery.reason = reason
    delivery.next_attempt_at = None
    if error:
        delivery.last_error = scrub(error)[:300]
    delivery.save()


def delivery_run(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one planned message if it still holds. Safe to run twice or concurrently."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("appointment__person", "appointment__jornada", "advisor__user")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "missing"
        if delivery.status != Delivery.Status.QUEUED:
            return f"already {delivery.status}"
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return "not yet"  # a duplicate of a task re-planned for later
        stale = _stale_reason(delivery, now)
        if stale:
            _close(delivery, Delivery.Status.SKIPPED, stale)
            return "skipped"
        decision = contact_gate(recipient=_recipient(delivery), channel=delivery.channel, at=now)
        if not decision.allowed:
            later = decision.next_safe_at
            if (
                decision.reason == Delivery.Reason.OUTSIDE_SAFE_HOURS
                and delivery.kind in DEFERRABLE
                and later is not None
                and (delivery.useful_until is None or later < delivery.useful_until)
            ):
                delivery.next_attempt_at = later
                delivery.save(update_fields=["next_attempt_at", "updated_at"])
                _enqueue(delivery, at=later)
                return "deferred"
            _close(delivery, Delivery.Status.SKIPPED, decision.reason)
            return "skipped"
        assert decision.permit is not None
        try:
            rendered = _render(delivery, now)
        except NothingToSend:
            _close(delivery, Delivery.Status.SKIPPED, Delivery.Reason.NOTHING_TO_SEND)
            return "skipped"
        except WordingRefused as error:
            _close(
                delivery,
                Delivery.Status.FAILED,
                Delivery.Reason.WORDING,
                _("palabra no permitida: %s") % error,
            )
            _flag(delivery)
            return "failed"
        delivery.status = Delivery.Status.SENDING
        delivery.attempts += 1
        delivery.recipient_masked = mask_address(decision.permit.address)
        delivery.save()
    # Outside the transaction: a provider's latency must not hold the database.
    try:
        provider_id = _send(delivery.channel, decision.permit, rendered)
    except DeliveryError as error:
        return _after_failure(delivery.pk, str(error), transient=error.transient)
    except Exception as error:  # a bug or an unexpected library error: retried, then flagged
        logger.exception("sending delivery %s failed unexpectedly", delivery.public_id)
        return _after_failure(delivery.pk, f"{type(error).__name__}: {error}", transient=True)
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        provider_id=provider_id[:200],
        last_error="",
        next_attempt_at=None,
        updated_at=timezone.now(),
    )
    return "sent"


@transaction.atomic
def _after_failure(delivery_id: int, error: str, *, transient: bool) -> str:
    now = timezone.now()
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("appointment__person")
        .get(pk=delivery_id)
    )
    delivery.last_error = scrub(error)[:300]
    if transient and delivery.attempts < MAX_ATTEMPTS:
        wait = RETRY_DELAYS[min(delivery.attempts, len(RETRY_DELAYS)) - 1]
        delivery.status = Delivery.Status.QUEUED
        delivery.next_attempt_at = now + wait
        delivery.save()
        _enqueue(delivery, at=delivery.next_attempt_at)
        return "retry"
    _close(
        delivery,
        Delivery.Status.FAILED,
        Delivery.Reason.GAVE_UP if transient else Delivery.Reason.PROVIDER_REFUSED,
    )
    _flag(delivery)
    return "failed"


def _flag(delivery: Delivery) -> None:
    """Tell staff on the appointment that a message did not reach her."""
    appointment = delivery.appointment
    if appointment is None:
        logger.warning("staff agenda email %s failed", delivery.public_id)
        return
    appointment = Appointment.objects.select_related("person").get(pk=appointment.pk)
    what = _("Un mensaje no le llegó (ver el registro de envíos).")
    advice = (
        _("Llámale: aceptó llamadas.")
        if appointment.person.may_call
        else _("No aceptó llamadas: espera a que ella se comunique.")
    )
    note = f"{what} {advice}"
    current = appointment.needs_staff_attention
    if note in current:
        return
    appointment.needs_staff_attention = (f"{current} · {note}" if current else note)[:200]
    appointment.save(update_fields=["needs_staff_attention", "updated_at"])
    audit_record(
        actor=None,
        action=AuditAction.CHANGE,
        obj=appointment,
        detail={"fields": ["needs_staff_attention"], "reason": "delivery_failed"},
    )


@transaction.atomic
def deliveries_sweep_interrupted(*, now: datetime | None = None) -> int:
    """Mark sends left "sending" by a worker that died mid-send as failed, and flag them.

    Not retried: the provider may have taken the message, and a second copy on her
    phone is a risk of its own. Staff decide.
    """
    now = now or timezone.now()
    stuck = list(
        Delivery.objects.select_for_update(of=("self",))
        .filter(status=Delivery.Status.SENDING, updated_at__lt=now - SENDING_STALE_AFTER)
        .select_related("appointment")
    )
    for delivery in stuck:
        _close(delivery, Delivery.Status.FAILED, Delivery.Reason.INTERRUPTED)
        _flag(delivery)
    return len(stuck)


def deliveries_requeue_orphans(*, now: datetime | None = None, limit: int = 200) -> int:
    """Give a task again to queued messages whose task is gone.

    A task that crashed outside our own error handling (a lost database connection)
    is marked failed by the queue and never runs again, and one whose worker was
    killed stays "running" for ever; either way its message would stay queued for
    ever. A duplicate task is harmless: the delivery row decides.
    """
    from django.db.models import DateTimeField, Q
    from django.db.models.functions import Coalesce
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    overdue = (
        Delivery.objects.filter(status=Delivery.Status.QUEUED)
        .annotate(when=Coalesce("next_attempt_at", "due_at", output_field=DateTimeField()))
        .filter(when__lt=now - SENDING_STALE_AFTER)
        .order_by("when")[:limit]
    )
    requeued = 0
    for delivery in overdue:
        # A task still RUNNING long after it started belongs to a worker that died
        # (killed after claiming it, before the row left "queued"): the queue never
        # runs it again, so it does not count as pending.
        pending = DBTaskResult.objects.filter(
            Q(status=TaskResultStatus.READY)
            | Q(status=TaskResultStatus.RUNNING, started_at__gte=now - SENDING_STALE_AFTER),
            args_kwargs__kwargs__delivery_id=delivery.pk,
        ).exists()
        if not pending:
            _enqueue(delivery, at=now)
            requeued += 1
    return requeued
