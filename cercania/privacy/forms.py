from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercania.cases.models import Person

from .models import DETAIL_PHONE_LIKE, OBJECT_PUBLIC_ID, OBJECT_TYPE, ArcoRight, AuditEvent
from .selectors import person_by_folio_or_phone

# The access log of the audit page itself (see views.audit_log).
AUDIT_LOG_OBJECT_TYPE = "privacy.auditlog"


def known_object_types() -> list[str]:
    """Model labels of the project's apps, offered as suggestions on the page."""
    labels = {
        model._meta.label_lower
        for model in apps.get_models()
        if model.__module__.startswith("cercania.")
    }
    return sorted(labels | {AUDIT_LOG_OBJECT_TYPE})


class ActorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.email)


class AuditLogFilterForm(forms.Form):
    """Filters of the audit page. They travel in the query string, so they are ids,
    codes and dates only: the actor is chosen by her public id, never typed as an email."""

    actor = ActorChoiceField(
        label=_("Persona usuaria"),
        queryset=get_user_model().objects.order_by("email"),
        to_field_name="public_id",
        required=False,
        empty_label=_("Todas"),
    )
    action = forms.ChoiceField(
        label=_("Acción"),
        choices=[("", _("Todas")), *AuditEvent.Action.choices],
        required=False,
    )
    object_type = forms.CharField(
        label=_("Tipo de registro"),
        max_length=100,
        required=False,
        validators=[RegexValidator(OBJECT_TYPE, _("Use la forma app.modelo, p. ej. cases.case."))],
        widget=forms.TextInput(attrs={"list": "object-types", "autocomplete": "off"}),
    )
    object_id = forms.CharField(
        label=_("Identificador público"),
        max_length=64,
        required=False,
        validators=[
            RegexValidator(OBJECT_PUBLIC_ID, _("Identificador no válido.")),
            # The search itself is logged: a phone number typed here must not be.
            RegexValidator(
                DETAIL_PHONE_LIKE,
                _("Escriba el identificador público del registro, no un teléfono."),
                inverse_match=True,
            ),
        ],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    date_from = forms.DateField(
        label=_("Desde"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Hasta"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("La fecha final es anterior a la inicial."))
        return cleaned

    def used_filters(self) -> dict[str, str]:
        """The valid filters in use, as ids and ISO dates (for the page's own log row)."""
        if not self.is_valid():
            return {}
        used: dict[str, str] = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            if name == "actor":
                used[name] = str(value.public_id)
            elif hasattr(value, "isoformat"):
                used[name] = value.isoformat()
            else:
                used[name] = str(value)
        return used


# ---------------------------------------------------------------- ARCO


class PersonLookupMixin(forms.Form):
    """Find her record by folio or, failing that, by phone (through its keyed hash)."""

    folio = forms.CharField(
        label=_("Folio de la usuaria"),
        max_length=24,
        required=False,
        help_text=_("Si ya tiene registro. Si no lo sabe, su teléfono."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Teléfono"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    identity_checked = forms.BooleanField(
        label=_(
            "Revisé su identificación oficial (o la de su representante y el documento "
            "que la acredita)"
        ),
        required=False,
    )

    person: Person | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        folio, phone = cleaned.get("folio", ""), cleaned.get("phone", "")
        self.person = None
        if folio or phone:
            self.person = person_by_folio_or_phone(folio=folio, phone=phone)
            if self.person is None:
                self.add_error(
                    "folio" if folio else "phone",
                    _("No hay ninguna usuaria con ese dato. Revísalo o déjalo vacío."),
                )
        return cleaned


class ArcoRegisterForm(PersonLookupMixin):
    right = forms.ChoiceField(
        label=_("Derecho que ejerce"), choices=ArcoRight.choices, widget=forms.RadioSelect
    )
    received_on = forms.DateField(
        label=_("Fecha de recepción"), widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("Solicitud"),
        max_length=4000,
        help_text=_("Qué pide, y cómo y dónde quiere recibir la respuesta."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    field_order = ["right", "received_on", "description", "folio", "phone", "identity_checked"]

    def clean_received_on(self) -> Any:
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError(_("La fecha de recepción no puede ser futura."))
        return received_on


class ArcoIdentifyForm(PersonLookupMixin):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors and self.person is None and not cleaned.get("identity_checked"):
            raise forms.ValidationError(
                _("Indica su folio o teléfono, o marca que revisaste su identificación.")
            )
        return cleaned


class ArcoAnswerForm(forms.Form):
    GRANT, DENY = "grant", "deny"

    decision = forms.ChoiceField(
        label=_("Respuesta"),
        choices=[(GRANT, _("Procedente")), (DENY, _("Improcedente"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Fundamento"),
        max_length=4000,
        help_text=_("Lo que se le comunicará y por qué."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
