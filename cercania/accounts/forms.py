from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _


class StaffLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Correo electrónico"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Contraseña"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        # One message for a wrong email, a wrong password and a disabled account, so
        # the form does not tell which staff emails exist.
        "invalid_login": _("El correo o la contraseña no son correctos."),
        "inactive": _("El correo o la contraseña no son correctos."),
    }

    def clean_username(self) -> str:
        # Stored lower-cased; django-axes then counts "Ana@" and "ana@" as one user.
        return str(self.cleaned_data["username"]).strip().lower()


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Código"),
        max_length=32,
        help_text=_(
            "Los 6 números de tu aplicación de autenticación o uno de tus códigos de recuperación."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class EnrolmentForm(forms.Form):
    code = forms.RegexField(
        label=_("Código de 6 números"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("Escribe los 6 números que muestra la aplicación.")},
        # No autofocus: it would scroll past the QR code she has to scan first.
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class StaffPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(
        label=_("Correo electrónico"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class StaffSetPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Contraseña nueva")
        self.fields["new_password2"].label = _("Repite la contraseña nueva")
