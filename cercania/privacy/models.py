"""Privacy records: the audit trail, consents, ARCO requests and retention blocks.

Writes (create, change, delete, merge, override, export) and staff reads of a person,
case or contact (view) are rows of `AuditEvent`, an append-only table. A row names the
object by its model label and public id and never carries its content: `detail` holds
only field names, counts, formats and ids (see `validate_detail`).

`Consent` records what she accepted, per purpose and notice version; `ArcoRequest` a
request to exercise her rights, with its business-day deadlines; `RetentionBlock` which
records of other apps are blocked or erased (docs/privacy.md).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercania.accounts.roles import Role
from cercania.lib.fields import EncryptedTextField


class AppendOnlyError(Exception):
    """An update or delete of an audit row was attempted through the ORM."""


# Keys `detail` may carry. Each holds metadata, never the content of the object.
DETAIL_KEYS = frozenset(
    {
        "fields",  # names of the fields that changed, never their values
        "format",  # export format: csv, xlsx, pdf, json, html
        "rows",  # how many rows an export carried
        "count",  # how many records an action touched
        "filters",  # filters of an export or a search: ids, dates, choices
        "page",  # which page of a listing was read
        "status",  # the new status code of the object
        "previous_status",  # the status code it had before
        "into",  # public id of the record another was merged into
        "reason",  # a reason CODE from a catalogue, never free text
        "via",  # where the action came from: web, api, admin, command, line
        "before",  # a cut-off date (retention purge)
    }
)
DETAIL_MAX_VALUE_LENGTH = 200
DETAIL_MAX_ITEMS = 100
DETAIL_MAX_SIZE = 2000
# Codes, ids, field names, dates: no spaces (narratives) and no "@" (email addresses).
DETAIL_TOKEN = re.compile(r"^[A-Za-z0-9_.:/+-]*$")
# A string of digits this long is a phone number until proven otherwise.
DETAIL_PHONE_LIKE = re.compile(r"^\+?\d{7,}$")
OBJECT_TYPE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
OBJECT_PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]*$")


def _validate_scalar(key: str, value: object) -> None:
    if value is None or isinstance(value, bool | int):
        return
    if not isinstance(value, str):
        raise ValidationError(
            _("El dato «%(key)s» de la bitácora debe ser un código, un número entero o sí/no."),
            code="detail_type",
            params={"key": key},
        )
    if len(value) > DETAIL_MAX_VALUE_LENGTH:
        raise ValidationError(
            _("El dato «%(key)s» de la bitácora es demasiado largo (máximo %(max)s caracteres)."),
            code="detail_too_long",
            params={"key": key, "max": DETAIL_MAX_VALUE_LENGTH},
        )
    if not DETAIL_TOKEN.match(value) or DETAIL_PHONE_LIKE.match(value):
        raise ValidationError(
            _(
                "El dato «%(key)s» de la bitácora parece contenido de la usuaria: "
                "solo se guardan claves, nombres de campo, fechas e identificadores."
            ),
            code="detail_content",
            params={"key": key},
        )


def _validate_value(key: str, value: object, *, nested: bool) -> None:
    if isinstance(value, list | tuple):
        if len(value) > DETAIL_MAX_ITEMS:
            raise ValidationError(
                _("El dato «%(key)s» de la bitácora tiene demasiados elementos."),
                code="detail_too_many",
                params={"key": key},
            )
        for item in value:
            _validate_scalar(key, item)
    elif isinstance(value, Mapping) and not nested:
        # One level of nesting, for `filters`: the inner keys are field names.
        for inner_key, inner_value in value.items():
            _validate_scalar(key, inner_key)
            _validate_value(f"{key}.{inner_key}", inner_value, nested=True)
    else:
        _validate_scalar(key, value)


def validate_detail(detail: object) -> None:
    """Refuse anything in `detail` that could be the content of a record."""
    if not isinstance(detail, Mapping):
        raise ValidationError(_("Los datos de la bitácora deben ser un diccionario."))
    for key, value in detail.items():
        if key not in DETAIL_KEYS:
            raise ValidationError(
                _("«%(key)s» no es un dato permitido en la bitácora."),
                code="detail_key",
                params={"key": key},
            )
        _validate_value(key, value, nested=False)
    if len(json.dumps(detail, default=str)) > DETAIL_MAX_SIZE:
        raise ValidationError(_("Los datos de la bitácora son demasiado extensos."))


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Bulk updates and deletes are refused: the table is append-only."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("The audit trail is append-only: rows cannot be updated.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("The audit trail is append-only: rows cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(
            "The audit trail is append-only: only the retention purge deletes rows."
        )

    def bulk_create(
        self,
        objs: Iterable[Any],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> list[Any]:
        # ON CONFLICT DO UPDATE would rewrite an existing row.
        if update_conflicts:
            raise AppendOnlyError("The audit trail is append-only: rows cannot be updated.")
        return super().bulk_create(objs, batch_size=batch_size, ignore_conflicts=ignore_conflicts)

    def _purge(self) -> int:
        # Only `audit_purge_expired` calls this, inside `append_only_suspended`, which
        # lets the database triggers allow the DELETE for that one transaction.
        deleted, _per_model = super().delete()
        return deleted


class AuditAction(models.TextChoices):
    VIEW = "view", _("Consulta")
    CREATE = "create", _("Alta")
    CHANGE = "change", _("Modificación")
    EXPORT = "export", _("Exportación")
    DELETE = "delete", _("Eliminación")
    MERGE = "merge", _("Fusión")
    OVERRIDE = "override", _("Excepción autorizada")


class AuditEvent(models.Model):
    Action = AuditAction

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(_("fecha y hora"), default=timezone.now)
    # PROTECT: a staff account with audit rows is deactivated, never deleted, so every
    # row keeps pointing at a real user. actor_label keeps the email as it was then.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persona usuaria"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # covered by privacy_audit_actor_idx
    )
    actor_label = models.CharField(_("correo de quien actuó"), max_length=254, blank=True)
    actor_role = models.CharField(_("rol"), max_length=200, blank=True)
    action = models.CharField(_("acción"), max_length=16, choices=Action.choices)
    object_type = models.CharField(
        _("tipo de registro"),
        max_length=100,
        blank=True,
        validators=[RegexValidator(OBJECT_TYPE, _("Use la forma app.modelo."))],
    )
    object_public_id = models.CharField(
        _("identificador público"),
        max_length=64,
        blank=True,
        validators=[RegexValidator(OBJECT_PUBLIC_ID, _("Identificador no válido."))],
    )
    ip = models.GenericIPAddressField(_("dirección IP"), null=True, blank=True)
    detail = models.JSONField(_("datos"), default=dict, blank=True, validators=[validate_detail])

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("evento de bitácora")
        verbose_name_plural = _("bitácora")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # The coordinator's page lists newest first, and the retention purge
            # deletes by `occurred_at < cut-off`: both walk this index.
            models.Index(fields=["occurred_at"], name="privacy_audit_occurred_idx"),
            # "What did this person do": the page filtered by actor, newest first.
            models.Index(fields=["actor", "occurred_at"], name="privacy_audit_actor_idx"),
            # "Who saw this case": the access log of one object, newest first.
            models.Index(
                fields=["object_type", "object_public_id", "occurred_at"],
                name="privacy_audit_object_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values),
                name="privacy_audit_action_valid",
            ),
            # A public id means nothing without the kind of record it belongs to.
            models.CheckConstraint(
                condition=Q(object_public_id="") | ~Q(object_type=""),
                name="privacy_audit_object_type_with_id",
            ),
            # A row with an actor always says who she was, even after her email changes.
            models.CheckConstraint(
                condition=Q(actor__isnull=True) | ~Q(actor_label=""),
                name="privacy_audit_actor_labelled",
            ),
        ]

    def __str__(self) -> str:
        who = self.actor_label or str(_("sistema"))
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {who} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("update_fields") or kwargs.get("force_update"):
            raise AppendOnlyError("The audit trail is append-only: rows cannot be updated.")
        # Never let Django try an UPDATE first (it would with a preset primary key).
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(
            "The audit trail is append-only: only the retention purge deletes rows."
        )

    @property
    def actor_role_labels(self) -> str:
        """The roles she held then, in words (a role since removed keeps its code)."""
        codes = [code for code in self.actor_role.split(",") if code]
        return ", ".join(str(Role(code).label) if code in Role.values else code for code in codes)


# ---------------------------------------------------------------- consents


class ConsentPurpose(models.TextChoices):
    SERVICES = "services", _("Atención (asesoría, acompañamiento y seguimiento)")
    CONTACT_CALL = "contact_call", _("Llamarle por teléfono")
    CONTACT_VOICEMAIL = "contact_voicemail", _("Dejarle mensaje de voz")
    CONTACT_SMS = "contact_sms", _("Enviarle SMS")
    CONTACT_WHATSAPP = "contact_whatsapp", _("Escribirle por WhatsApp")
    CONTACT_EMAIL = "contact_email", _("Escribirle por correo electrónico")
    SHARE_INSTITUTION = "share_institution", _("Compartir sus datos con una institución")
    ANONYMOUS_STATISTICS = "anonymous_statistics", _("Estadísticas anónimas")


# The safe-contact flags of a Person that each consent switches off when withdrawn.
# The notification gate reads the flags, so turning one off stops that channel at once.
# A call consent covers voicemail (a message is left only during a call she allowed),
# and withdrawing consent to the services themselves ends every channel.
CONTACT_FLAGS: dict[str, tuple[str, ...]] = {
    ConsentPurpose.CONTACT_CALL: ("may_call", "may_leave_voicemail"),
    ConsentPurpose.CONTACT_VOICEMAIL: ("may_leave_voicemail",),
    ConsentPurpose.CONTACT_SMS: ("may_sms",),
    ConsentPurpose.CONTACT_WHATSAPP: ("may_whatsapp",),
    ConsentPurpose.CONTACT_EMAIL: ("may_email",),
    ConsentPurpose.SERVICES: (
        "may_call",
        "may_leave_voicemail",
        "may_sms",
        "may_whatsapp",
        "may_email",
    ),
}


class Consent(models.Model):
    """Her consent to one purpose, under the privacy-notice version she was shown.

    Rows are never deleted: a withdrawal sets `withdrawn_at`, and a consent given
    again under a newer notice ends the old row (`replaced_by`) and starts a new one,
    so the record shows what she accepted and when.
    """

    Purpose = ConsentPurpose

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "cases.Person",
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("usuaria"),
    )
    purpose = models.CharField(_("finalidad"), max_length=24, choices=ConsentPurpose.choices)
    institution = models.ForeignKey(
        "institute.ReferralInstitution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("institución"),
    )
    notice_version = models.CharField(_("versión del aviso de privacidad"), max_length=20)
    given_at = models.DateTimeField(_("otorgado"), default=timezone.now)
    # Null: she gave it herself online (the booking flow).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registró"),
    )
    withdrawn_at = models.DateTimeField(_("retirado"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registró el retiro"),
    )
    # Set when a newer consent to the same purpose took its place (a new notice
    # version, or two records of her merged into one).
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced",
        verbose_name=_("sustituido por"),
    )

    class Meta:
        verbose_name = _("consentimiento")
        verbose_name_plural = _("consentimientos")
        ordering = ["given_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=ConsentPurpose.values), name="privacy_consent_purpose_valid"
            ),
            # Sharing is always with a named institution, and only sharing names one.
            models.CheckConstraint(
                condition=Q(purpose=ConsentPurpose.SHARE_INSTITUTION, institution__isnull=False)
                | (~Q(purpose=ConsentPurpose.SHARE_INSTITUTION) & Q(institution__isnull=True)),
                name="privacy_consent_institution_iff_sharing",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("given_at")),
                name="privacy_consent_withdrawn_after_given",
            ),
            models.CheckConstraint(
                condition=Q(replaced_by__isnull=True) | Q(withdrawn_at__isnull=False),
                name="privacy_consent_replaced_is_ended",
            ),
            # At most one live consent per purpose (per institution for sharing): the
            # selector's answer cannot depend on which row it happens to read.
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=Q(withdrawn_at__isnull=True)
                & ~Q(purpose=ConsentPurpose.SHARE_INSTITUTION),
                name="privacy_consent_one_active_per_purpose",
            ),
            models.UniqueConstraint(
                fields=["person", "institution"],
                condition=Q(withdrawn_at__isnull=True, purpose=ConsentPurpose.SHARE_INSTITUTION),
                name="privacy_consent_one_active_per_institution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.notice_version}"

    def clean(self) -> None:
        from cercania.institute.selectors import privacy_notice_version_exists

        # A consent means something only against the text she was shown.
        if self.notice_version and not privacy_notice_version_exists(self.notice_version):
            raise ValidationError(
                {"notice_version": _("No hay un aviso de privacidad publicado con esa versión.")}
            )

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


# ---------------------------------------------------------------- ARCO requests


class ArcoRight(models.TextChoices):
    ACCESS = "access", _("Acceso")
    RECTIFICATION = "rectification", _("Rectificación")
    CANCELLATION = "cancellation", _("Cancelación")
    OPPOSITION = "opposition", _("Oposición")
    PORTABILITY = "portability", _("Portabilidad")


class ArcoStatus(models.TextChoices):
    RECEIVED = "received", _("Recibida")
    EXTENDED = "extended", _("Plazo de respuesta ampliado")
    GRANTED = "granted", _("Procedente (por ejecutar)")
    DENIED = "denied", _("Improcedente")
    EXECUTED = "executed", _("Ejecutada")
    CLOSED = "closed", _("Cerrada")


ARCO_OPEN_STATUSES = (ArcoStatus.RECEIVED, ArcoStatus.EXTENDED, ArcoStatus.GRANTED)
ARCO_ANSWERED_STATUSES = (ArcoStatus.GRANTED, ArcoStatus.DENIED, ArcoStatus.EXECUTED)


class ArcoRequest(models.Model):
    """A request to exercise an ARCO right (or portability), with its legal deadlines.

    Deadlines are in business days of the institute's calendar (weekends and closed
    days skipped): the answer within ARCO_ANSWER_BUSINESS_DAYS of receipt, extendable
    once by ARCO_EXTENSION_BUSINESS_DAYS; a granted request carried out within
    ARCO_EXECUTION_BUSINESS_DAYS of the answer.
    """

    Right = ArcoRight
    Status = ArcoStatus
    OPEN_STATUSES = ARCO_OPEN_STATUSES
    ANSWERED_STATUSES = ARCO_ANSWERED_STATUSES

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("referencia"), max_length=12, unique=True, editable=False)
    # Null until she is identified: a request may arrive before staff can match it.
    person = models.ForeignKey(
        "cases.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="arco_requests",
        verbose_name=_("usuaria"),
    )
    right = models.CharField(_("derecho"), max_length=16, choices=ArcoRight.choices)
    received_on = models.DateField(_("recibida el"))
    description = EncryptedTextField(
        _("solicitud"), help_text=_("Qué pide y cómo y dónde quiere recibir la respuesta.")
    )
    identity_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("identidad verificada por"),
    )
    identity_checked_at = models.DateTimeField(_("identidad verificada el"), null=True, blank=True)
    status = models.CharField(
        _("estado"), max_length=10, choices=ArcoStatus.choices, default=ArcoStatus.RECEIVED
    )
    answer_due = models.DateField(_("responder a más tardar"))
    extension_used = models.BooleanField(_("se amplió el plazo"), default=False)
    answered_on = models.DateField(_("respondida el"), null=True, blank=True)
    decision_reason = EncryptedTextField(_("fundamento de la respuesta"), blank=True)
    execution_due = models.DateField(_("ejecutar a más tardar"), null=True, blank=True)
    executed_on = models.DateField(_("ejecutada el"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cerrada"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registró"),
    )
    created_at = models.DateTimeField(_("registrada"), auto_now_add=True)

    class Meta:
        verbose_name = _("solicitud ARCO")
        verbose_name_plural = _("solicitudes ARCO")
        ordering = ["answer_due", "id"]
        indexes = [
            # The coordinator's queue: open requests by status, nearest deadline first.
            models.Index(fields=["status", "answer_due"], name="privacy_arco_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(right__in=ArcoRight.values), name="privacy_arco_right_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ArcoStatus.values), name="privacy_arco_status_valid"
            ),
            # Who checked her identity and when go together.
            models.CheckConstraint(
                condition=Q(identity_checked_by__isnull=True, identity_checked_at__isnull=True)
                | Q(identity_checked_by__isnull=False, identity_checked_at__isnull=False),
                name="privacy_arco_identity_check_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status=ArcoStatus.EXTENDED) | Q(extension_used=True),
                name="privacy_arco_extended_uses_extension",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in ARCO_ANSWERED_STATUSES])
                | Q(answered_on__isnull=False),
                name="privacy_arco_answered_has_date",
            ),
            # A right is exercised only by the identified holder (or her representative).
            models.CheckConstraint(
                condition=~Q(status__in=[ArcoStatus.GRANTED, ArcoStatus.EXECUTED])
                | Q(
                    person__isnull=False,
                    identity_checked_at__isnull=False,
                    execution_due__isnull=False,
                ),
                name="privacy_arco_granted_identified",
            ),
            models.CheckConstraint(
                condition=~Q(status=ArcoStatus.EXECUTED) | Q(executed_on__isnull=False),
                name="privacy_arco_executed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status=ArcoStatus.CLOSED, closed_at__isnull=False)
                | (~Q(status=ArcoStatus.CLOSED) & Q(closed_at__isnull=True)),
                name="privacy_arco_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"ARCO {self.reference}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def identity_checked(self) -> bool:
        return self.identity_checked_at is not None

    @property
    def current_due(self) -> date | None:
        """The deadline that runs now: the answer's, or the execution's once granted."""
        if self.status in (ArcoStatus.RECEIVED, ArcoStatus.EXTENDED):
            return self.answer_due
        if self.status == ArcoStatus.GRANTED:
            return self.execution_due
        return None

    @property
    def gives_export(self) -> bool:
        """Access and portability are answered with the export of her data."""
        return self.right in (ArcoRight.ACCESS, ArcoRight.PORTABILITY)


# ---------------------------------------------------------------- retention


class BlockReason(models.TextChoices):
    RETENTION = "retention", _("Plazo de conservación")
    ARCO_CANCELLATION = "arco_cancellation", _("Cancelación (derecho ARCO)")


class RetentionBlock(models.Model):
    """A record of another app that is blocked, and later erased, for privacy.

    Blocked: its purpose ended, so staff views leave it out (`selectors.not_blocked`);
    it is kept only for legal claims and statistics. Erased: its personal data was
    anonymised (`services.person_erase` / `record_anonymise`). The records stay where
    they are; this table only says which ones, so no other app's model changes.
    """

    Reason = BlockReason

    object_type = models.CharField(
        _("tipo de registro"),
        max_length=100,
        validators=[RegexValidator(OBJECT_TYPE, _("Use la forma app.modelo."))],
    )
    # The primary key, for the not_blocked() subquery; every model in scope has an
    # integer key (BigAutoField, or a one-to-one key onto one).
    object_pk = models.BigIntegerField(_("clave"))
    object_public_id = models.CharField(
        _("identificador público"),
        max_length=64,
        validators=[RegexValidator(OBJECT_PUBLIC_ID, _("Identificador no válido."))],
    )
    reason = models.CharField(_("motivo"), max_length=20, choices=BlockReason.choices)
    blocked_at = models.DateTimeField(_("bloqueado"), default=timezone.now)
    erased_at = models.DateTimeField(_("datos suprimidos"), null=True, blank=True)

    class Meta:
        verbose_name = _("registro bloqueado")
        verbose_name_plural = _("registros bloqueados")
        ordering = ["-blocked_at", "-id"]
        constraints = [
            # Also the index of not_blocked(): (object_type, object_pk) lookups.
            models.UniqueConstraint(
                fields=["object_type", "object_pk"], name="privacy_retentionblock_unique_object"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=BlockReason.values), name="privacy_retentionblock_reason"
            ),
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True) | Q(erased_at__gte=F("blocked_at")),
                name="privacy_retentionblock_erased_after_blocked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_public_id}"
