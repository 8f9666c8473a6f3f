"""People (usuarias). The case file, contacts and the violence record build on this.

Name and contact data are encrypted (key ring apart from SECRET_KEY); the phone and
email are also kept as keyed hashes of their normalised form so staff can find her by
phone without decrypting every row.
"""

from __future__ import annotations

import uuid
from datetime import time

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cercania.lib.fields import EncryptedCharField, EncryptedTextField
from cercania.partners.models import Organization


class CreatedVia(models.TextChoices):
    WEB = "web", _("Sitio web")
    PHONE_LINE = "phone_line", _("Línea telefónica")
    STAFF = "staff", _("Personal")
    API = "api", _("API")


class Person(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    folio = models.CharField(_("folio"), max_length=24, unique=True)
    name = EncryptedCharField(_("nombre o alias"), max_length=100)
    phone = EncryptedCharField(_("teléfono"), max_length=32, blank=True)
    email = EncryptedCharField(_("correo electrónico"), max_length=254, blank=True)
    # Index: the line console and duplicate detection look people up by phone/email.
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    birth_year = models.PositiveSmallIntegerField(_("año de nacimiento"), null=True, blank=True)
    municipality = models.CharField(_("municipio"), max_length=120, blank=True)
    employer = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("empresa donde trabaja"),
    )

    # Safe-contact preferences: what she said is safe. The default is: nothing.
    may_call = models.BooleanField(_("se le puede llamar"), default=False)
    may_leave_voicemail = models.BooleanField(_("se le puede dejar mensaje de voz"), default=False)
    may_sms = models.BooleanField(_("se le pueden enviar SMS"), default=False)
    may_whatsapp = models.BooleanField(_("se le puede escribir por WhatsApp"), default=False)
    may_email = models.BooleanField(_("se le puede escribir por correo"), default=False)
    safe_from = models.TimeField(_("contactar desde"), default=time(9, 0))
    safe_until = models.TimeField(_("contactar hasta"), default=time(20, 0))
    what_may_be_said = EncryptedCharField(_("qué se puede decir"), max_length=200, blank=True)
    code_name = EncryptedCharField(_("nombre clave"), max_length=60, blank=True)
    preferences_confirmed_at = models.DateTimeField(
        _("preferencias confirmadas"), null=True, blank=True
    )

    created_via = models.CharField(_("registrada por"), max_length=12, choices=CreatedVia.choices)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    # Her earliest contact or attended session, kept by the services that record them
    # (services.person_attention_noted, people_first_attention_recount): the reports
    # tell a woman attended before a period from a new one by it, instead of probing
    # her contacts and sessions one woman at a time over a year of rows.
    first_attended_at = models.DateTimeField(
        _("primera atención"), null=True, blank=True, editable=False
    )

    # What she says is safe: the preferences form edits these, and confirming them
    # saves these (with preferences_confirmed_at) and nothing else.
    PREFERENCE_FIELDS = (
        "may_call",
        "may_leave_voicemail",
        "may_sms",
        "may_whatsapp",
        "may_email",
        "safe_from",
        "safe_until",
        "what_may_be_said",
        "code_name",
    )

    class Meta:
        verbose_name = _("usuaria")
        verbose_name_plural = _("usuarias")
        constraints = [
            models.CheckConstraint(
                condition=Q(safe_from__lt=F("safe_until")), name="cases_person_safe_hours_order"
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="cases_person_birth_year_range",
            ),
        ]

    def __str__(self) -> str:
        # Never the name: str() ends up in logs, admin history and error reports.
        return self.folio


class FolioCounter(models.Model):
    """The last folio number issued per year (locked while issuing the next)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("contador de folios")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


# ---------------------------------------------------------------- catalogues
#
# Every list the law (or the institute) can change is data: loaded by a data migration,
# edited in the admin. Codes are stable identifiers for reports and the demo; names are
# what staff read.


class Catalogue(models.Model):
    code = models.SlugField(_("código"), max_length=60, unique=True)
    name = models.CharField(_("nombre"), max_length=160)
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    active = models.BooleanField(
        _("en uso"), default=True, help_text=_("Las opciones retiradas no se ofrecen en altas.")
    )

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class LegalMatter(Catalogue):
    """A legal matter (DOMAIN.md), grouped as Familiar, Registro civil, Penal…"""

    group = models.CharField(_("grupo"), max_length=60)

    class Meta(Catalogue.Meta):
        verbose_name = _("materia jurídica")
        verbose_name_plural = _("materias jurídicas")
        ordering = ["position", "name"]


class CaseOutcome(Catalogue):
    class Meta(Catalogue.Meta):
        verbose_name = _("resultado al cerrar")
        verbose_name_plural = _("resultados al cerrar")


class ViolenceType(Catalogue):
    """Types of violence (LGAMVLV art. 6)."""

    class Meta(Catalogue.Meta):
        verbose_name = _("tipo de violencia")
        verbose_name_plural = _("tipos de violencia")


class ViolenceModality(Catalogue):
    """Modalities of violence (LGAMVLV): familiar, laboral y docente…"""

    class Meta(Catalogue.Meta):
        verbose_name = _("modalidad de violencia")
        verbose_name_plural = _("modalidades de violencia")


class AggressorRelation(Catalogue):
    class Meta(Catalogue.Meta):
        verbose_name = _("relación con quien agrede")
        verbose_name_plural = _("relaciones con quien agrede")


# ---------------------------------------------------------------- cases


class Area(models.TextChoices):
    LEGAL = "legal", _("Jurídica")
    VIOLENCE = "violence", _("Atención a la violencia")


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Abierto")
        FOLLOW_UP = "follow_up", _("En seguimiento")
        REFERRED = "referred", _("Canalizado")
        CLOSED = "closed", _("Cerrado")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    folio = models.CharField(_("folio"), max_length=40, unique=True, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("usuaria")
    )
    area = models.CharField(_("área"), max_length=10, choices=Area.choices)
    matters = models.ManyToManyField(
        LegalMatter, blank=True, related_name="cases", verbose_name=_("materias")
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    assignee = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("asignada a"),
    )
    opened_on = models.DateField(_("abierto el"))
    closed_on = models.DateField(_("cerrado el"), null=True, blank=True)
    outcome = models.ForeignKey(
        CaseOutcome,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resultado"),
    )
    restricted = models.BooleanField(
        _("confidencial"),
        default=False,
        help_text=_("Solo la asesora asignada y coordinación pueden verlo."),
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("expediente")
        verbose_name_plural = _("expedientes")
        ordering = ["-opened_on", "-id"]
        constraints = [
            # Closing requires an outcome and a date; an open case has neither date.
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(outcome__isnull=False, closed_on__isnull=False),
                name="cases_case_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(status="closed") | Q(closed_on__isnull=True),
                name="cases_case_closed_on_only_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(area__in=["legal", "violence"]), name="cases_case_area_valid"
            ),
        ]
        indexes = [
            # Scope queries: a team's cases by area and assignee.
            models.Index(fields=["area", "assignee", "status"], name="cases_case_area_assignee"),
            # Reports: cases(f) of reports/selectors.py reads the cases opened in a period
            # (top matters, violence by type and by modality).
            models.Index(fields=["opened_on", "area"], name="cases_case_opened_area"),
        ]

    def __str__(self) -> str:
        return self.folio

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


# ---------------------------------------------------------------- contacts


class Contact(models.Model):
    """One session or call. Logged as it happens; person and case may be linked later."""

    class Kind(models.TextChoices):
        VIDEO_SESSION = "video_session", _("Sesión por videollamada")
        PHONE_SESSION = "phone_session", _("Sesión telefónica")
        INCOMING_CALL = "incoming_call", _("Llamada recibida")
        OUTGOING_CALL = "outgoing_call", _("Llamada realizada")
        IN_PERSON = "in_person", _("Atención presencial")

    class Result(models.TextChoices):
        ORIENTATION = "orientation", _("Orientación")
        APPOINTMENT_BOOKED = "appointment_booked", _("Cita agendada")
        REFERRAL = "referral", _("Canalización")
        FOLLOW_UP = "follow_up", _("Seguimiento")
        HANDED_OVER = "handed_over", _("Transferida a la línea de violencia")
        EMERGENCY_CALLED = "emergency_called", _("Se llamó a servicios de emergencia")
        DROPPED = "dropped", _("Llamada cortada o en silencio")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("usuaria"),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("expediente"),
    )
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact",
        verbose_name=_("cita"),
    )
    kind = models.CharField(_("tipo"), max_length=16, choices=Kind.choices)
    line = models.ForeignKey(
        "institute.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("línea o servicio"),
    )
    staff = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("atendió")
    )
    started_at = models.DateTimeField(_("inicio"))
    duration_minutes = models.PositiveSmallIntegerField(_("duración (minutos)"), default=0)
    summary = EncryptedTextField(_("resumen"), blank=True)
    result = models.CharField(_("resultado"), max_length=20, choices=Result.choices)
    out_of_hours = models.BooleanField(_("fuera de horario"), default=False, editable=False)
    # The caller's number as a keyed hash: a call logged before she is known is still
    # found by phone on her next call.
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contacto")
        verbose_name_plural = _("contactos")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=True) | Q(person__isnull=False),
                name="cases_contact_case_needs_person",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__lte=600), name="cases_contact_duration_range"
            ),
        ]
        indexes = [
            # "My work" and the console: a staff member's contacts, newest first.
            models.Index(fields=["staff", "started_at"], name="cases_contact_staff_start"),
            models.Index(fields=["person", "started_at"], name="cases_contact_person_start"),
            # Reports: contacts(f) of reports/selectors.py reads a period's contacts of
            # every line (contacts by kind and line, calls out of hours, women attended).
            # On PostgreSQL the index carries the columns those reports read, so a year
            # of contacts is read from the index alone (SQLite ignores INCLUDE).
            models.Index(
                fields=["started_at"],
                include=["kind", "line", "out_of_hours", "person"],
                name="cases_contact_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


# ---------------------------------------------------------------- violence record


class GbvimsType(models.TextChoices):
    """The six core GBVIMS incident types, kept for comparison with other programmes."""

    RAPE = "rape", _("Violación")
    SEXUAL_ASSAULT = "sexual_assault", _("Agresión sexual")
    PHYSICAL_ASSAULT = "physical_assault", _("Agresión física")
    FORCED_MARRIAGE = "forced_marriage", _("Matrimonio forzado")
    DENIAL_OF_RESOURCES = (
        "denial_of_resources",
        _("Negación de recursos, oportunidades o servicios"),
    )
    PSYCHOLOGICAL = "psychological", _("Abuso psicológico o emocional")
    NON_GBV = "non_gbv", _("No es violencia de género")


class ViolenceRecord(models.Model):
    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="violence_record", verbose_name=_("expediente")
    )
    types = models.ManyToManyField(
        ViolenceType, blank=True, related_name="+", verbose_name=_("tipos de violencia")
    )
    modalities = models.ManyToManyField(
        ViolenceModality, blank=True, related_name="+", verbose_name=_("modalidades")
    )
    aggressor_relation = models.ForeignKey(
        AggressorRelation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("relación con quien agrede"),
    )
    aggressor_same_company = models.BooleanField(
        _("quien agrede trabaja en la misma empresa"),
        default=False,
        help_text=_("Nunca contactarla a través de la empresa."),
    )
    gbvims_type = models.CharField(
        _("tipo GBVIMS"), max_length=24, choices=GbvimsType.choices, blank=True
    )
    updated_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("registro de violencia")
        verbose_name_plural = _("registros de violencia")

    def __str__(self) -> str:
        return f"{self.case_id}"


# ---------------------------------------------------------------- risk screening


class RiskLevel(models.TextChoices):
    LOW = "low", _("Bajo")
    MODERATE = "moderate", _("Moderado")
    HIGH = "high", _("Alto")


class RiskInstrument(models.Model):
    """One version of a risk-screening instrument: items, weights and bands are data.

    A version in use is never edited: a change is a new version, so every assessment
    keeps meaning what it meant (it points at the version it was scored with).
    """

    code = models.SlugField(_("código"), max_length=40)
    version = models.CharField(_("versión"), max_length=20)
    name = models.CharField(_("nombre"), max_length=160)
    note = models.TextField(_("nota"), blank=True)
    current = models.BooleanField(
        _("versión vigente"), default=False, help_text=_("La que se usa en tamizajes nuevos.")
    )
    published_on = models.DateField(_("vigente desde"))

    class Meta:
        verbose_name = _("instrumento de riesgo")
        verbose_name_plural = _("instrumentos de riesgo")
        ordering = ["code", "-published_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="cases_riskinstrument_version"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=Q(current=True), name="cases_riskinstrument_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class RiskItem(models.Model):
    instrument = models.ForeignKey(RiskInstrument, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(_("número"))
    family = models.CharField(_("apartado"), max_length=60)
    text = models.CharField(_("pregunta"), max_length=300)
    weight = models.PositiveSmallIntegerField(_("peso"))

    class Meta:
        verbose_name = _("reactivo")
        verbose_name_plural = _("reactivos")
        ordering = ["instrument", "number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="cases_riskitem_number"),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=10), name="cases_riskitem_weight_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


class RiskBand(models.Model):
    """A score band: from `min_score` up to the next band's minimum."""

    instrument = models.ForeignKey(RiskInstrument, on_delete=models.CASCADE, related_name="bands")
    level = models.CharField(_("nivel"), max_length=10, choices=RiskLevel.choices)
    min_score = models.PositiveSmallIntegerField(_("desde (puntos)"))

    class Meta:
        verbose_name = _("nivel de riesgo")
        verbose_name_plural = _("niveles de riesgo")
        ordering = ["instrument", "min_score"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "level"], name="cases_riskband_level"),
            models.UniqueConstraint(fields=["instrument", "min_score"], name="cases_riskband_min"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} ≥ {self.min_score}"


class RiskAssessment(models.Model):
    """A risk screening of a violence case: pending (requested at a hand-over) or done."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pendiente")
        COMPLETED = "completed", _("Aplicado")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="risk_assessments",
        verbose_name=_("expediente"),
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    instrument = models.ForeignKey(
        RiskInstrument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("instrumento"),
    )
    # {"<item number>": true|false} as JSON, encrypted: the answers are about her life.
    answers = EncryptedTextField(_("respuestas"), blank=True)
    score = models.PositiveSmallIntegerField(_("puntaje"), null=True, blank=True)
    level = models.CharField(_("nivel"), max_length=10, choices=RiskLevel.choices, blank=True)
    # Actions taken. A high level cannot be saved without at least one (constraint).
    action_safety_plan = models.BooleanField(_("plan de seguridad"), default=False)
    action_referral = models.BooleanField(_("canalización"), default=False)
    action_emergency_call = models.BooleanField(_("llamada a emergencias (911)"), default=False)
    action_protection_order = models.BooleanField(
        _("orientación sobre orden de protección"), default=False
    )
    action_notes = EncryptedTextField(_("notas sobre las acciones"), blank=True)
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("solicitado"), auto_now_add=True)
    assessed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("aplicado"), null=True, blank=True)

    ACTION_FIELDS = (
        "action_safety_plan",
        "action_referral",
        "action_emergency_call",
        "action_protection_order",
    )

    class Meta:
        verbose_name = _("tamizaje de riesgo")
        verbose_name_plural = _("tamizajes de riesgo")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending")
                | Q(
                    instrument__isnull=False,
                    score__isnull=False,
                    assessed_at__isnull=False,
                    level__in=["low", "moderate", "high"],
                ),
                name="cases_riskassessment_completed_scored",
            ),
            # A high risk demands a recorded action (safety plan, referral, 911, order).
            models.CheckConstraint(
                condition=~Q(level="high")
                | Q(action_safety_plan=True)
                | Q(action_referral=True)
                | Q(action_emergency_call=True)
                | Q(action_protection_order=True),
                name="cases_riskassessment_high_needs_action",
            ),
        ]
        indexes = [
            # The violence team's queue: pending screenings, oldest first.
            models.Index(fields=["status", "requested_at"], name="cases_risk_status_requested"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def actions_taken(self) -> list[str]:
        fields = {f.name: f for f in self._meta.concrete_fields}
        return [str(fields[f].verbose_name) for f in self.ACTION_FIELDS if getattr(self, f)]


# ---------------------------------------------------------------- referrals


class Referral(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", _("Enviada")
        ACCEPTED = "accepted", _("Aceptada")
        REJECTED = "rejected", _("Rechazada")
        COMPLETED = "completed", _("Concluida")

    class Basis(models.TextChoices):
        CONSENT = "consent", _("Consentimiento de la usuaria para compartir con la institución")
        OVERRIDE = "override", _("Excepción autorizada por coordinación")
        NOT_SHARED = "not_shared", _("Sin compartir datos (ella acude por su cuenta)")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("expediente")
    )
    institution = models.ForeignKey(
        "institute.ReferralInstitution",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("institución"),
    )
    reason = EncryptedTextField(_("motivo"))
    shares_data = models.BooleanField(
        _("se comparten sus datos con la institución"),
        default=True,
        help_text=_("Requiere su consentimiento para compartir con esa institución."),
    )
    basis = models.CharField(_("fundamento"), max_length=12, choices=Basis.choices)
    # Her consent to share with this institution, as it stood when the referral left.
    consent = models.ForeignKey(
        "privacy.Consent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("consentimiento"),
    )
    override_reason = EncryptedTextField(_("motivo de la excepción"), blank=True)
    override_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.SENT
    )
    rejection_reason = EncryptedTextField(_("motivo del rechazo"), blank=True)
    sent_on = models.DateField(_("enviada el"))
    answered_on = models.DateField(_("respuesta el"), null=True, blank=True)
    completed_on = models.DateField(_("concluida el"), null=True, blank=True)
    follow_up_on = models.DateField(_("dar seguimiento el"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("registró")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("canalización")
        verbose_name_plural = _("canalizaciones")
        ordering = ["-sent_on", "-id"]
        constraints = [
            # Data leaves the institute only with her consent or an authorised override.
            models.CheckConstraint(
                condition=Q(shares_data=False, basis="not_shared")
                | Q(shares_data=True, basis="consent", consent__isnull=False)
                | Q(shares_data=True, basis="override", override_by__isnull=False),
                name="cases_referral_basis_matches",
            ),
        ]
        indexes = [
            # "Referrals without an answer after N days".
            models.Index(fields=["status", "sent_on"], name="cases_referral_status_sent"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)


# ---------------------------------------------------------------- follow-ups


class FollowUp(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("expediente")
    )
    referral = models.ForeignKey(
        Referral,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("canalización"),
    )
    task = EncryptedCharField(_("qué hacer"), max_length=200)
    due_on = models.DateField(_("fecha límite"))
    assignee = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsable")
    )
    done_at = models.DateTimeField(_("hecho"), null=True, blank=True)
    done_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("seguimiento")
        verbose_name_plural = _("seguimientos")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(done_by__isnull=False),
                name="cases_followup_done_by_someone",
            ),
        ]
        indexes = [
            # "My work": her open follow-ups by due date.
            models.Index(fields=["assignee", "done_at", "due_on"], name="cases_followup_assignee"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
