"""Advisors' agendas, jornadas and appointments."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cercania.cases.models import CreatedVia, Person
from cercania.institute.models import Modality, Service, Weekday
from cercania.lib.fields import EncryptedCharField
from cercania.partners.models import Agreement, Organization


class Advisor(models.Model):
    """A staff member who attends sessions of one or more services."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="advisor",
        verbose_name=_("cuenta del personal"),
    )
    services = models.ManyToManyField(Service, related_name="advisors", verbose_name=_("servicios"))
    modalities = models.JSONField(_("modalidades"), default=list)
    meeting_room_url = models.URLField(
        _("enlace de su sala de videollamada"),
        blank=True,
        help_text=_("Para el proveedor «manual»: su sala fija."),
    )
    active = models.BooleanField(_("activa"), default=True)

    class Meta:
        verbose_name = _("asesora")
        verbose_name_plural = _("asesoras")

    def __str__(self) -> str:
        return str(self.user)


class AvailabilityWindow(models.Model):
    """A weekly window in which the advisor attends (local time)."""

    advisor = models.ForeignKey(Advisor, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("día"), choices=Weekday.choices)
    starts = models.TimeField(_("desde"))
    ends = models.TimeField(_("hasta"))

    class Meta:
        verbose_name = _("disponibilidad semanal")
        verbose_name_plural = _("disponibilidad semanal")
        ordering = ["advisor", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts__lt=F("ends")), name="scheduling_availability_starts_before_ends"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7),
                name="scheduling_availability_iso_weekday",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self) -> None:
        # A window must sit inside the opening hours of one of her services (a rule
        # across rows: a check constraint cannot express it).
        if self.advisor_id is None or self.starts is None or self.ends is None:
            return
        for service in self.advisor.services.prefetch_related("opening_hours"):
            for row in service.opening_hours.all():
                if (
                    row.weekday == self.weekday
                    and row.opens <= self.starts
                    and self.ends <= row.closes
                ):
                    return
        raise ValidationError(
            _(
                "Ese horario queda fuera del horario de atención del servicio. "
                "Elige un horario dentro de él."
            )
        )


class TimeOff(models.Model):
    advisor = models.ForeignKey(Advisor, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField(_("desde"))
    ends_at = models.DateTimeField(_("hasta"))
    reason = models.CharField(_("motivo"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("ausencia")
        verbose_name_plural = _("ausencias")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="scheduling_timeoff_starts_before_ends",
            ),
        ]
        # Index: slot computation reads one advisor set's time off for a date range.
        indexes = [
            models.Index(fields=["advisor", "starts_at"], name="scheduling_timeoff_adv_start")
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} – {self.ends_at:%Y-%m-%d %H:%M}"


class Jornada(models.Model):
    """An organisation's outreach days, with advisor windows held for its workers."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Borrador")
        OPEN = "open", _("Abierta")
        CLOSED = "closed", _("Cerrada")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("código público"), max_length=16, unique=True, editable=False)
    title = models.CharField(_("título"), max_length=160)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="jornadas",
        verbose_name=_("organización"),
    )
    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="jornadas", verbose_name=_("convenio")
    )
    starts_on = models.DateField(_("primer día"))
    ends_on = models.DateField(_("último día"))
    services = models.ManyToManyField(Service, related_name="jornadas", verbose_name=_("servicios"))
    modalities = models.JSONField(_("modalidades"), default=list)
    daily_capacity = models.PositiveSmallIntegerField(
        _("citas por día (máximo)"), null=True, blank=True
    )
    status = models.CharField(
        _("estado"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )

    class Meta:
        verbose_name = _("jornada")
        verbose_name_plural = _("jornadas")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=F("ends_on")), name="scheduling_jornada_dates_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # The agreement must cover this organisation on every day of the jornada.
        if (
            self.agreement_id is None
            or self.organization_id is None
            or not self.starts_on
            or not self.ends_on
        ):
            return
        day = self.starts_on
        while day <= self.ends_on:
            if not self.agreement.covers(organization=self.organization, day=day):
                raise ValidationError(
                    {
                        "agreement": _(
                            "El convenio no está vigente para esta organización el %(day)s."
                        )
                        % {"day": day.isoformat()}
                    }
                )
            day += timedelta(days=1)


class ReservedWindow(models.Model):
    """Hours of one advisor on one day held for a jornada's workers."""

    jornada = models.ForeignKey(Jornada, on_delete=models.CASCADE, related_name="reserved_windows")
    advisor = models.ForeignKey(Advisor, on_delete=models.PROTECT, related_name="reserved_windows")
    date = models.DateField(_("día"))
    starts = models.TimeField(_("desde"))
    ends = models.TimeField(_("hasta"))

    class Meta:
        verbose_name = _("horario reservado")
        verbose_name_plural = _("horarios reservados")
        ordering = ["date", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts__lt=F("ends")),
                name="scheduling_reservedwindow_starts_before_ends",
            ),
        ]
        indexes = [models.Index(fields=["date", "advisor"], name="scheduling_reserved_date_adv")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self) -> None:
        if (
            self.jornada_id
            and self.date
            and not self.jornada.starts_on <= self.date <= self.jornada.ends_on
        ):
            raise ValidationError({"date": _("El día está fuera de las fechas de la jornada.")})


class Appointment(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmada")
        CANCELLED_BY_HER = "cancelled_by_her", _("Cancelada por ella")
        CANCELLED_BY_INSTITUTE = "cancelled_by_institute", _("Cancelada por el instituto")
        ATTENDED = "attended", _("Atendida")
        NO_SHOW = "no_show", _("No se presentó")

    # Statuses that hold the advisor's time: everything but a cancellation.
    ACTIVE_STATUSES = (Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("referencia"), max_length=12, unique=True, editable=False)
    # Only a hash: the token itself is the secret in her manage link.
    manage_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("servicio")
    )
    advisor = models.ForeignKey(
        Advisor, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("asesora")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("usuaria")
    )
    jornada = models.ForeignKey(
        Jornada,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("jornada"),
    )
    starts_at = models.DateTimeField(_("inicio"))
    ends_at = models.DateTimeField(_("fin"))
    modality = models.CharField(_("modalidad"), max_length=8, choices=Modality.choices)
    status = models.CharField(
        _("estado"), max_length=24, choices=Status.choices, default=Status.CONFIRMED
    )
    created_via = models.CharField(_("creada por"), max_length=12, choices=CreatedVia.choices)
    idempotency_key = models.CharField(
        max_length=80, null=True, blank=True, unique=True, editable=False
    )
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    # Her words or the advisor's ("su pareja revisa su teléfono"): encrypted like a note.
    cancel_reason = EncryptedCharField(_("motivo de cancelación"), max_length=200, blank=True)

    meeting_provider = models.CharField(max_length=12, blank=True)
    meeting_external_id = models.CharField(max_length=40, blank=True)  # Zoom ids are int64
    join_url = models.URLField(max_length=500, blank=True)
    meeting_passcode = models.CharField(max_length=20, blank=True)
    needs_staff_attention = models.CharField(_("requiere atención"), max_length=200, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cita")
        verbose_name_plural = _("citas")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="scheduling_appointment_starts_before_ends",
            ),
            # The no-overlap rule itself is a PostgreSQL exclusion constraint added in
            # migration 0002 (scheduling_appointment_no_overlap); SQLite serialises writers.
        ]
        indexes = [
            # Slot computation and agendas read active appointments of advisors by time.
            models.Index(fields=["advisor", "starts_at"], name="scheduling_appt_adv_start"),
            models.Index(fields=["jornada", "starts_at"], name="scheduling_appt_jornada_start"),
            # Reports: appointments(f) of reports/selectors.py reads a period's sessions
            # of every advisor (sessions, women attended, women by organisation/jornada).
            models.Index(fields=["starts_at", "status"], name="scheduling_appt_start_status"),
            # Reports: her first attended session, and whether she was attended before
            # the period, are index-only probes per woman (new vs returning, first
            # session; the id breaks a tie between two sessions at the same time).
            models.Index(
                fields=["person", "starts_at", "id"],
                name="scheduling_appt_attended",
                condition=models.Q(status="attended"),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES
