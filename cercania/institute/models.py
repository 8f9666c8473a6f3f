"""The institute's own configuration: profile, services and their lines, hours,
closed days and privacy notices. All of it is data editable in the admin."""

from __future__ import annotations

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cercania.lib import phones


class Modality(models.TextChoices):
    VIDEO = "video", _("Videollamada")
    PHONE = "phone", _("Llamada telefónica")


class Institute(models.Model):
    """The institute running this deployment. Exactly one row (see the constraint)."""

    singleton = models.BooleanField(default=True, editable=False)
    name = models.CharField(_("nombre"), max_length=200)
    short_name = models.CharField(_("nombre corto"), max_length=40)
    municipality = models.CharField(_("municipio"), max_length=120, blank=True)
    state = models.CharField(_("estado"), max_length=120, blank=True)
    website_url = models.URLField(_("sitio web"), blank=True)
    facebook_url = models.URLField(_("página de Facebook"), blank=True)
    folio_prefix = models.CharField(
        _("prefijo de folios"),
        max_length=8,
        default="EXP",
        validators=[RegexValidator(r"^[A-Z]{2,8}$", _("De 2 a 8 letras mayúsculas."))],
        help_text=_("Folios de usuarias: PREFIJO-año-000123."),
    )

    class Meta:
        verbose_name = _("perfil del instituto")
        verbose_name_plural = _("perfil del instituto")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="institute_singleton_true"),
            models.UniqueConstraint(fields=["singleton"], name="institute_single_row"),
        ]

    def __str__(self) -> str:
        return self.name


class EmergencyLine(models.Model):
    """A number shown to every visitor: 911, 089, the federal women's line…"""

    institute = models.ForeignKey(
        Institute, on_delete=models.CASCADE, related_name="emergency_lines"
    )
    label = models.CharField(_("nombre"), max_length=120)
    number = models.CharField(_("número a marcar"), max_length=40)
    note = models.CharField(_("indicación"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("orden"), default=0)

    class Meta:
        verbose_name = _("número de emergencia")
        verbose_name_plural = _("números de emergencia")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institute", "number"], name="institute_emergencyline_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.number})"

    @property
    def dial(self) -> str:
        """The digits a phone dials (for tel: links)."""
        return "".join(ch for ch in self.number if ch.isdigit())


class Service(models.Model):
    code = models.SlugField(_("código"), max_length=40, unique=True)
    name = models.CharField(_("nombre"), max_length=120)
    description = models.TextField(_("descripción"), blank=True)
    phone_display = models.CharField(
        _("línea telefónica"),
        max_length=40,
        blank=True,
        validators=[phones.validate_phone],
        help_text=_("Como se muestra al público, p. ej. 614-4-90-07-89."),
    )
    modalities = models.JSONField(
        _("modalidades"), default=list, help_text=_("Videollamada y/o llamada telefónica.")
    )
    session_minutes = models.PositiveSmallIntegerField(_("duración de la sesión (minutos)"))
    bookable_online = models.BooleanField(_("se puede agendar en línea"), default=False)
    active = models.BooleanField(_("activo"), default=True)
    position = models.PositiveSmallIntegerField(_("orden"), default=0)

    class Meta:
        verbose_name = _("servicio")
        verbose_name_plural = _("servicios")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session_minutes__gte=5, session_minutes__lte=480),
                name="institute_service_session_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_e164(self) -> str:
        return phones.to_e164(self.phone_display) if self.phone_display else ""

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        unknown = set(self.modalities or []) - set(Modality.values)
        if not isinstance(self.modalities, list) or unknown:
            raise ValidationError({"modalities": _("Modalidad desconocida.")})

    def modality_labels(self) -> list[str]:
        return [str(Modality(m).label) for m in self.modalities if m in Modality.values]


class Weekday(models.IntegerChoices):
    # ISO numbering (1 = Monday), as in the public API.
    MONDAY = 1, _("lunes")
    TUESDAY = 2, _("martes")
    WEDNESDAY = 3, _("miércoles")
    THURSDAY = 4, _("jueves")
    FRIDAY = 5, _("viernes")
    SATURDAY = 6, _("sábado")
    SUNDAY = 7, _("domingo")


class OpeningHours(models.Model):
    """One weekly window of a service, in the institute's local time."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("día"), choices=Weekday.choices)
    opens = models.TimeField(_("abre"))
    closes = models.TimeField(_("cierra"))

    class Meta:
        verbose_name = _("horario de atención")
        verbose_name_plural = _("horarios de atención")
        ordering = ["service", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")),
                name="institute_openinghours_opens_before_closes",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7),
                name="institute_openinghours_iso_weekday",
            ),
            models.UniqueConstraint(
                fields=["service", "weekday", "opens"], name="institute_openinghours_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ClosedDay(models.Model):
    class Origin(models.TextChoices):
        FEDERAL = "federal", _("Descanso obligatorio federal")
        LOCAL = "local", _("Día inhábil local")

    date = models.DateField(_("fecha"))
    reason = models.CharField(_("motivo"), max_length=200)
    origin = models.CharField(
        _("origen"), max_length=10, choices=Origin.choices, default=Origin.LOCAL
    )

    class Meta:
        verbose_name = _("día inhábil")
        verbose_name_plural = _("días inhábiles")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "origin"], name="institute_closedday_unique_date_origin"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}"


class PrivacyNotice(models.Model):
    """A published version of a privacy notice. Consents record the version accepted."""

    class Kind(models.TextChoices):
        SIMPLIFIED = "simplificado", _("Aviso de privacidad simplificado")
        INTEGRAL = "integral", _("Aviso de privacidad integral")

    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    version = models.CharField(_("versión"), max_length=20)
    body = models.TextField(_("texto"), help_text=_("Párrafos separados por una línea en blanco."))
    published_on = models.DateField(_("vigente desde"))

    class Meta:
        verbose_name = _("aviso de privacidad")
        verbose_name_plural = _("avisos de privacidad")
        ordering = ["kind", "-published_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"], name="institute_privacynotice_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class ReferralInstitution(models.Model):
    """An institution women are referred to (the referral directory, editable)."""

    class Kind(models.TextChoices):
        JUSTICE_CENTRE = "justice_centre", _("Centro de Justicia para las Mujeres")
        PROSECUTOR = "prosecutor", _("Fiscalía")
        CHILD_PROTECTION = "child_protection", _("DIF / Procuraduría de Protección")
        SHELTER = "shelter", _("Refugio")
        HEALTH = "health", _("Salud")
        LEGAL = "legal", _("Asesoría legal")
        OTHER = "other", _("Otra")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("nombre"), max_length=200, unique=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    services = models.TextField(_("servicios que ofrece"), blank=True)
    phone = models.CharField(_("teléfono"), max_length=60, blank=True)
    address = models.CharField(_("dirección"), max_length=300, blank=True)
    hours = models.CharField(_("horario"), max_length=200, blank=True)
    active = models.BooleanField(_("activa"), default=True)

    class Meta:
        verbose_name = _("institución de canalización")
        verbose_name_plural = _("directorio de canalización")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
