"""Outbound messages: the coordinator's neutral templates, the delivery log, and the
invite sequence of each appointment.

Nothing here stores her address: a delivery keeps only a masked recipient, and the
address is read from the person (encrypted at rest) at the moment of sending.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cercania.scheduling.models import Advisor, Appointment


class MessageKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Confirmación de la cita")
    REMINDER = "reminder", _("Recordatorio")
    RESCHEDULED = "rescheduled", _("Aviso de cambio de horario")
    CANCELLED = "cancelled", _("Aviso de cancelación")
    NO_SHOW = "no_show", _("Después de una inasistencia (ofrecer otra cita)")
    STAFF_AGENDA = "staff_agenda", _("Agenda del día siguiente (personal)")


# The kinds she receives, each written by an editable template.
HER_KINDS = [kind for kind in MessageKind if kind != MessageKind.STAFF_AGENDA]


class Channel(models.TextChoices):
    EMAIL = "email", _("Correo electrónico")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class TemplateFormat(models.TextChoices):
    EMAIL = "email", _("Correo electrónico")
    TEXT = "text", _("SMS y WhatsApp")


def format_of(channel: str) -> TemplateFormat:
    return TemplateFormat.EMAIL if channel == Channel.EMAIL else TemplateFormat.TEXT


class MessageTemplate(models.Model):
    """The wording of one kind of message in one format, editable by the coordinator.

    Checked on every save (``clean``, which the admin runs): only the placeholders of
    ``wording.PLACEHOLDERS``, only ``{% if %}`` blocks, and no word of the deny-list
    (institute and service names included). Rendering checks the result again.
    """

    kind = models.CharField(
        _("mensaje"), max_length=16, choices=[(k.value, k.label) for k in HER_KINDS]
    )
    format = models.CharField(_("formato"), max_length=8, choices=TemplateFormat.choices)
    subject = models.CharField(
        _("asunto"),
        max_length=120,
        blank=True,
        help_text=_("Solo para correo. Sin nombre ni alias: lo ve cualquiera que mire la bandeja."),
    )
    body = models.TextField(_("texto"))
    updated_at = models.DateTimeField(_("modificada"), auto_now=True)

    class Meta:
        verbose_name = _("plantilla de mensaje")
        verbose_name_plural = _("plantillas de mensajes")
        ordering = ["kind", "format"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "format"], name="notifications_template_unique_kind_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_format_display()}"

    def clean(self) -> None:
        from .wording import validate_template

        validate_template(kind=self.kind, fmt=self.format, subject=self.subject, body=self.body)


class Delivery(models.Model):
    """One message on one channel: planned, then sent, skipped or failed (the log)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En cola")
        SENDING = "sending", _("Enviando")
        SENT = "sent", _("Enviado")
        SKIPPED = "skipped", _("Omitido")
        FAILED = "failed", _("Falló")

    class Reason(models.TextChoices):
        CHANNEL_NOT_ALLOWED = "channel_not_allowed", _("Ella no autorizó este medio")
        NO_ADDRESS = "no_address", _("Sin dato de contacto para este medio")
        OUTSIDE_SAFE_HOURS = "outside_safe_hours", _("Fuera del horario seguro que ella dio")
        SUPERSEDED = "superseded", _("La cita cambió o se canceló")
        TOO_LATE = "too_late", _("Ya no era útil: la sesión ya pasó")
        NOTHING_TO_SEND = "nothing_to_send", _("No había nada que enviar")
        INACTIVE_RECIPIENT = "inactive_recipient", _("Cuenta de personal inactiva")
        WORDING = "wording", _("El texto contenía palabras no permitidas")
        PROVIDER_REFUSED = "provider_refused", _("El proveedor rechazó el mensaje")
        GAVE_UP = "gave_up", _("Falló tras varios intentos")
        INTERRUPTED = "interrupted", _("El envío se interrumpió; no se sabe si llegó")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # One row per (appointment, kind, channel, occurrence): running a task or a hook
    # twice finds the row and sends nothing more. Holds ids and codes only.
    key = models.CharField(max_length=200, editable=False)
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("cita"),
    )
    advisor = models.ForeignKey(
        Advisor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("asesora"),
    )
    kind = models.CharField(_("mensaje"), max_length=16, choices=MessageKind.choices)
    channel = models.CharField(_("medio"), max_length=8, choices=Channel.choices)
    template = models.ForeignKey(
        MessageTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plantilla"),
    )
    recipient_masked = models.CharField(_("destinataria"), max_length=64, blank=True)
    status = models.CharField(
        _("estado"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    reason = models.CharField(_("motivo"), max_length=24, choices=Reason.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    provider_id = models.CharField(_("id del proveedor"), max_length=200, blank=True)
    last_error = models.CharField(_("último error"), max_length=300, blank=True)

    # What the message was planned for: the task compares these with the appointment
    # when it runs, so a reminder for a moved or cancelled session is not sent.
    for_starts_at = models.DateTimeField(_("para la sesión de"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("versión de la invitación"), default=0)
    agenda_day = models.DateField(_("día de la agenda"), null=True, blank=True)
    due_at = models.DateTimeField(_("programado para"))
    useful_until = models.DateTimeField(null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(_("próximo intento"), null=True, blank=True)
    sent_at = models.DateTimeField(_("enviado"), null=True, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("envío")
        verbose_name_plural = _("registro de envíos")
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="notifications_delivery_unique_key"),
            models.CheckConstraint(
                condition=Q(appointment__isnull=False) | Q(advisor__isnull=False),
                name="notifications_delivery_has_recipient",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["skipped", "failed"]) | ~Q(reason=""),
                name="notifications_delivery_reason_when_not_sent",
            ),
        ]
        indexes = [
            # Superseding the pending messages of an appointment on every change.
            models.Index(fields=["appointment", "status"], name="notif_delivery_appt_status"),
            # The sweep for sends interrupted by a crash.
            models.Index(fields=["status", "updated_at"], name="notif_delivery_status_upd"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_channel_display()} · {self.status}"


class InviteSequence(models.Model):
    """The iCalendar SEQUENCE of an appointment's invite: raised on each change.

    Kept here, keyed by the appointment, so scheduling's model stays the
    appointment's own; the UID never changes (``invites.invite_uid``).
    """

    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("versión de invitación")
        verbose_name_plural = _("versiones de invitaciones")

    def __str__(self) -> str:
        return str(self.sequence)
