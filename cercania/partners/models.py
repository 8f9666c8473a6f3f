"""Partner organisations, their agreements (convenios) and their liaisons."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cercania.institute.models import Service


class Organization(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Empresa")
        ASSOCIATION = "association", _("Asociación empresarial")
        CIVIL_SOCIETY = "civil_society", _("Sociedad civil")
        ACADEMIA = "academia", _("Academia")
        GOVERNMENT = "government", _("Gobierno")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("nombre"), max_length=200, unique=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    member_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("asociación a la que pertenece"),
        limit_choices_to={"kind": Kind.ASSOCIATION},
    )
    municipality = models.CharField(_("municipio"), max_length=120, blank=True)
    active = models.BooleanField(_("activa"), default=True)

    class Meta:
        verbose_name = _("organización")
        verbose_name_plural = _("organizaciones")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(member_of=F("id")), name="partners_organization_not_member_of_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Membership only goes company → association; cross-row rules live here
        # because a check constraint cannot read another row.
        if self.member_of_id is None:
            return
        if self.kind != self.Kind.COMPANY:
            raise ValidationError(
                {"member_of": _("Solo una empresa puede pertenecer a una asociación.")}
            )
        if self.member_of is not None and self.member_of.kind != self.Kind.ASSOCIATION:
            raise ValidationError({"member_of": _("Elige una asociación empresarial.")})


class Agreement(models.Model):
    """A convenio: the legal basis for bringing the services to an organisation."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("En preparación")
        ACTIVE = "active", _("Vigente")
        ENDED = "ended", _("Concluido")
        TERMINATED = "terminated", _("Rescindido")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("nombre del convenio"), max_length=200)
    parties = models.ManyToManyField(
        Organization, related_name="agreements", verbose_name=_("partes")
    )
    services = models.ManyToManyField(
        Service, related_name="agreements", verbose_name=_("servicios")
    )
    starts_on = models.DateField(_("inicio de vigencia"))
    ends_on = models.DateField(_("fin de vigencia"), null=True, blank=True)
    status = models.CharField(
        pgettext_lazy("agreement", "estado"),
        max_length=12,
        choices=Status.choices,
        default=Status.DRAFT,
    )
    signed_on = models.DateField(_("fecha de firma"), null=True, blank=True)
    notes = models.TextField(_("notas"), blank=True)

    class Meta:
        verbose_name = _("convenio")
        verbose_name_plural = _("convenios")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="partners_agreement_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_valid_on(self, day: date) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.starts_on <= day
            and (self.ends_on is None or day <= self.ends_on)
        )

    def covers(self, *, organization: Organization, day: date) -> bool:
        """Valid that day for this organisation, directly or through its association."""
        if not self.is_valid_on(day):
            return False
        party_ids = {p.pk for p in self.parties.all()}
        return organization.pk in party_ids or (organization.member_of_id in party_ids)


class Liaison(models.Model):
    """A partner's staff member with read-only, aggregate access to her organisation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="liaison",
        verbose_name=_("cuenta del personal"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="liaisons",
        verbose_name=_("organización"),
    )
    position = models.CharField(_("cargo"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("enlace de organización")
        verbose_name_plural = _("enlaces de organización")

    def __str__(self) -> str:
        return f"{self.user} — {self.organization}"
