from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cercania.institute.selectors import institute_profile
from cercania.lib import phones
from cercania.lib.crypto import keyed_hash

from .models import CreatedVia, FolioCounter, Person


@dataclass(frozen=True)
class ContactChoices:
    """What she said is safe, as collected by a booking form or the line console."""

    call: bool = False
    voicemail: bool = False
    sms: bool = False
    whatsapp: bool = False
    email: bool = False


def phone_hash(raw: str) -> str:
    return keyed_hash(phones.to_e164(raw), purpose="person.phone") if raw else ""


def email_hash(raw: str) -> str:
    return keyed_hash(raw.strip().lower(), purpose="person.email") if raw else ""


def folio_next(*, at: datetime | None = None) -> str:
    """`<PREFIX>-<year>-<6 digits>`, gap-free per year. Call inside a transaction."""
    year = timezone.localdate(at or timezone.now()).year
    FolioCounter.objects.get_or_create(year=year)
    counter = FolioCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    profile = institute_profile()
    prefix = profile.folio_prefix if profile else "EXP"
    return f"{prefix}-{year}-{counter.last_number:06d}"


@transaction.atomic
def person_create(
    *, name: str, phone: str = "", email: str = "", contact: ContactChoices, created_via: CreatedVia
) -> Person:
    normalised_phone = phones.to_e164(phone) if phone else ""
    person = Person(
        folio=folio_next(),
        name=name.strip(),
        phone=normalised_phone,
        email=email.strip().lower(),
        phone_hash=phone_hash(normalised_phone),
        email_hash=email_hash(email),
        may_call=contact.call,
        may_leave_voicemail=contact.voicemail,
        may_sms=contact.sms,
        may_whatsapp=contact.whatsapp,
        may_email=contact.email,
        preferences_confirmed_at=timezone.now(),
        created_via=created_via,
    )
    person.full_clean()
    person.save()
    return person
