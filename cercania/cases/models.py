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

from cercania.lib.fields import EncryptedCharField
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
    what_may_be_said = models.CharField(_("qué se puede decir"), max_length=200, blank=True)
    code_name = EncryptedCharField(_("nombre clave"), max_length=60, blank=True)
    preferences_confirmed_at = models.DateTimeField(
        _("preferencias confirmadas"), null=True, blank=True
    )

    created_via = models.CharField(_("registrada por"), max_length=12, choices=CreatedVia.choices)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)

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
