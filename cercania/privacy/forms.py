from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .models import DETAIL_PHONE_LIKE, OBJECT_PUBLIC_ID, OBJECT_TYPE, AuditEvent

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
