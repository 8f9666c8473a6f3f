"""Phone numbers: parse anything a person types in Mexico, store E.164."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_REGION = "MX"


def parse(raw: str) -> phonenumbers.PhoneNumber:
    try:
        number = phonenumbers.parse(raw, getattr(settings, "PHONE_REGION", DEFAULT_REGION))
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Escribe un número de teléfono válido, por ejemplo 614 490 0789.")
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(_("Escribe un número de teléfono válido, por ejemplo 614 490 0789."))
    return number


def validate_phone(raw: str) -> None:
    parse(raw)


def to_e164(raw: str) -> str:
    return phonenumbers.format_number(parse(raw), phonenumbers.PhoneNumberFormat.E164)


def to_national(raw: str) -> str:
    """'614 123 4567' for a Mexican number; other countries in international form."""
    number = parse(raw)
    region = getattr(settings, "PHONE_REGION", DEFAULT_REGION)
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
