"""The public booking questions: one form per page (GOV.UK question pages)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cercania.institute.models import Modality
from cercania.lib import phones


class ServiceForm(forms.Form):
    service = forms.ChoiceField(
        label=_("¿Qué necesitas?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Elige el servicio que necesitas."),
            "invalid_choice": _("Elige el servicio que necesitas."),
        },
    )

    def __init__(self, *args, services=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [
            (s.code, s.name) for s in services
        ]


class ModalityForm(forms.Form):
    modality = forms.ChoiceField(
        label=_("¿Cómo prefieres tu sesión?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Elige videollamada o llamada telefónica."),
            "invalid_choice": _("Elige videollamada o llamada telefónica."),
        },
    )

    def __init__(self, *args, modalities=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["modality"]).choices = [
            (m, Modality(m).label) for m in modalities
        ]


class DayForm(forms.Form):
    day = forms.ChoiceField(
        label=_("¿Qué día?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Elige un día."),
            "invalid_choice": _("Ese día ya no tiene horarios. Elige otro."),
        },
    )

    def __init__(self, *args, days=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["day"]).choices = list(days)


class TimeForm(forms.Form):
    time = forms.ChoiceField(
        label=_("¿A qué hora?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Elige una hora."),
            "invalid_choice": _("Esa hora ya no está disponible. Elige otra."),
        },
    )

    def __init__(self, *args, times=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["time"]).choices = list(times)


class NameForm(forms.Form):
    name = forms.CharField(
        label=_("¿Cómo quieres que te llamemos?"),
        help_text=_("Puede ser tu nombre o un alias. Así te saludaremos en la sesión."),
        max_length=100,
        error_messages={
            "required": _("Escribe tu nombre o un alias."),
            "max_length": _("Escribe un nombre o alias de 100 caracteres o menos."),
        },
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name or any(ord(c) < 32 for c in name):
            raise ValidationError(_("Escribe tu nombre o un alias."))
        return name


class ContactForm(forms.Form):
    phone = forms.CharField(
        label=_("Teléfono"), required=False, max_length=40, help_text=_("Por ejemplo 614 490 0789.")
    )
    email = forms.EmailField(
        label=_("Correo electrónico"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Escribe un correo válido, por ejemplo nombre@ejemplo.com.")},
    )
    call = forms.BooleanField(label=_("Me pueden llamar a este teléfono"), required=False)
    voicemail = forms.BooleanField(label=_("Me pueden dejar mensaje de voz"), required=False)
    sms = forms.BooleanField(label=_("Me pueden enviar SMS"), required=False)
    whatsapp = forms.BooleanField(label=_("Me pueden escribir por WhatsApp"), required=False)
    email_ok = forms.BooleanField(label=_("Me pueden escribir a este correo"), required=False)

    def __init__(self, *args, modality: str = "", **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.modality = modality

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        try:
            return phones.to_e164(raw)
        except ValidationError:
            raise ValidationError(
                _("Escribe un teléfono válido de 10 dígitos, por ejemplo 614 490 0789.")
            ) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        phone, email = data.get("phone"), data.get("email")
        uses_phone = (
            data.get("call") or data.get("voicemail") or data.get("sms") or data.get("whatsapp")
        )
        if uses_phone and not phone and "phone" not in self.errors:
            self.add_error("phone", _("Escribe el teléfono en el que te podemos buscar."))
        if data.get("email_ok") and not email and "email" not in self.errors:
            self.add_error("email", _("Escribe el correo en el que te podemos escribir."))
        if data.get("voicemail") and not data.get("call"):
            self.add_error(
                "voicemail", _("Solo podemos dejar mensaje de voz si también te podemos llamar.")
            )
        if self.modality == Modality.PHONE and not data.get("call"):
            self.add_error(
                "call",
                _(
                    "Para una sesión por llamada necesitamos poder llamarte. "
                    "Marca esta opción o cambia a videollamada."
                ),
            )
        if self.modality == Modality.VIDEO and not (
            data.get("sms") or data.get("whatsapp") or data.get("email_ok")
        ):
            self.add_error(
                "email_ok",
                _(
                    "Para enviarte el enlace de la videollamada, "
                    "elige al menos correo, SMS o WhatsApp."
                ),
            )
        return data


class PrivacyForm(forms.Form):
    accept = forms.BooleanField(
        label=_("Leí el aviso de privacidad y acepto que usen mis datos para darme este servicio"),
        error_messages={"required": _("Para agendar necesitas aceptar el aviso de privacidad.")},
    )
