"""The audit trail and access log: one append-only table of who did what, when, where.

Writes (create, change, delete, merge, override, export) and staff reads of a person,
case or contact (view) are rows of `AuditEvent`. A row names the object by its model
label and public id and never carries its content: `detail` holds only field names,
counts, formats and ids (see `validate_detail`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercania.accounts.roles import Role


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
